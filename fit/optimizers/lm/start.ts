/**
 * The start of a run: its residuals (fit()'s own evaluation when the run starts there; on several
 * workers known before, a round that also evaluates the first Jacobian's points), and the
 * evaluator of the finite differences, chosen from the cost of that evaluation.
 */
import { norm2 } from "../../linalg/qr.js";
import { startNotFinite } from "../../methods.js";
import type { PopulationEvaluator } from "../../samplers/evaluator.js";
import { jacobianPoints } from "./differences.js";
import { Foresight } from "./foresight.js";
import { JacobianBatch } from "./jacobian.js";
import { normOf, residualNorm } from "./residuals.js";
import { LmSpeculation } from "./speculation.js";
import type { LmState } from "./state.js";

/** On several workers, a round also evaluates what the iteration will ask next. */
function speculate(s: LmState, on: PopulationEvaluator | undefined): LmSpeculation | undefined {
  const { problem, context } = s;
  return on !== undefined && (on.concurrency ?? 1) > 1
    ? new LmSpeculation(on, s.n, s.m, context?.evaluations, (at, out) => problem.residuals(at, out))
    : undefined;
}

/**
 * Evaluates the start into fvec and ‖f‖ into fnorm, and sets where the finite differences go
 * (`batch`, `foresight`); `choose` picks the evaluator given the cost of the first evaluation.
 * False when the start's residuals are not finite.
 * @throws what fit() throws for a start whose nllf is not finite, when fit() left the start to lm
 */
export async function evaluateStart(
  s: LmState,
  choose: (startMs: number) => Promise<PopulationEvaluator | undefined>,
): Promise<boolean> {
  const { problem, context, x, fvec, m, n } = s;
  // The residuals fit() evaluated at the start, when this run starts there: the same evaluation.
  const shared = context?.startResiduals;
  const reuseStart = shared !== undefined && shared.residuals.length === m && x.every((v, j) => v === shared.x[j]);
  // fit() left the start to this run (see lmOwnsStart): the evaluator is chosen first, and on
  // several workers the start's round also evaluates the first Jacobian's points.
  const unchecked = context?.startUnchecked === true && !reuseStart;
  const early = unchecked ? await choose(0) : undefined;
  const earlySpeculation = speculate(s, early);
  if (reuseStart) {
    fvec.set(shared.residuals);
    s.fnorm = norm2(fvec, 0, m);
    context!.evaluations.count++;
  } else if (earlySpeculation !== undefined) {
    await earlySpeculation.residuals(x, 1, fvec, (offer) => {
      const points = new Float64Array(2 * n * n);
      const count = jacobianPoints(s, x, points, new Int8Array(n), new Float64Array(2 * n), new Int32Array(n));
      for (let k = 0; k < count; k++) if (!offer(points.subarray(k * n, k * n + n))) return;
    });
    s.fnorm = normOf(s, x, fvec);
  } else s.fnorm = residualNorm(s, x, fvec);
  s.spent.start++;
  if (unchecked && !Number.isFinite(s.fnorm)) {
    // What fit() says of such a start when it checks it.
    const nllf = problem.nllf(x);
    if (!Number.isFinite(nllf)) throw startNotFinite(problem, nllf);
  }
  const evaluator = unchecked ? early : await choose(reuseStart ? (context?.modelCostMs ?? 0) : performance.now() - s.t0);
  const speculation = unchecked ? earlySpeculation : speculate(s, evaluator);
  s.batch = evaluator ? new JacobianBatch(evaluator, n, m) : undefined;
  s.foresight = speculation ? new Foresight(speculation, n) : undefined;
  return Number.isFinite(s.fnorm);
}
