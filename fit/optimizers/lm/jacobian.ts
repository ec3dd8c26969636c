/**
 * The Jacobian at x by finite differences, forward, and central near the optimum where the forward
 * ones' error matters (see `forward-bias.ts`), or forward corrected along one direction (see
 * `bias-direction.ts`): evaluated one point at a time in this thread, or handed to an evaluator
 * in one batch (on worker threads they run at once) with the same points and arithmetic, so the
 * Jacobian is bit-identical. The problem's analytic Jacobian, when it gives a finite one, comes first.
 */
import type { PopulationEvaluator } from "../../samplers/evaluator.js";
import { correctWithPair, pairWanted } from "./bias-direction.js";
import { CENTRAL_STEP, centralColumn, jacobianPoints } from "./differences.js";
import { analyticJacobian, forward, holdColumn, jacobianDone, keptColumn } from "./jacobian-columns.js";
import { finiteAt } from "./residuals.js";
import type { LmState } from "./state.js";

/**
 * The Jacobian at x into fjac (column-major), evaluated in this thread. Returns the number of
 * columns that stayed non-finite (flagged in `unusable` and zeroed).
 */
export function jacobian(s: LmState): number {
  if (analyticJacobian(s)) return 0;
  const { m, n, x, lower, upper, fjac, fvec, fwork, fwork2, problem } = s;
  const pair = pairWanted(s);
  const xt = s.xtrial;
  xt.set(x);
  for (let j = 0; j < n; j++) {
    const xj = x[j];
    const col = j * m;
    let done = false;
    if (s.columnsInUse()?.[j]) {
      const h = CENTRAL_STEP * (xj !== 0 ? Math.abs(xj) : 1);
      if (xj + h <= upper[j] && xj - h >= lower[j]) {
        xt[j] = xj + h;
        const hp = xt[j] - xj;
        s.spent.central += 2;
        problem.residuals(xt, fwork);
        const upFinite = finiteAt(s, fwork, xt);
        xt[j] = xj - h;
        const hm = xj - xt[j];
        problem.residuals(xt, fwork2);
        const downFinite = finiteAt(s, fwork2, xt);
        xt[j] = xj;
        done = centralColumn(fjac.subarray(col, col + m), fvec, fwork, upFinite, hp, fwork2, downFinite, hm);
      }
    }
    if (!done && s.forwardKept) done = keptColumn(s, j);
    if (!done) {
      done = forward(s, j, s.curvature.step(j, xj));
    }
    if (!done) holdColumn(s, j);
  }
  s.forwardKept = false;
  if (pair) {
    problem.residuals(s.dirPlus, fwork);
    problem.residuals(s.dirMinus, fwork2);
    correctWithPair(s, fwork, fwork2);
  }
  return jacobianDone(s);
}

/** The evaluator a run hands its finite differences' points to, and the points and residuals of one batch. */
export class JacobianBatch {
  /** The points (row-major), at most two per column and the correcting pair. */
  readonly points: Float64Array;
  /** Their residuals. */
  readonly out: Float64Array;
  /** Per column: its kind of difference, see `jacobianPoints`. */
  readonly kind: Int8Array;
  /** Per point: its step from x. */
  readonly step: Float64Array;
  /** Per column: its first point's row. */
  readonly at: Int32Array;

  /** For `n` parameters and `m` residuals. */
  constructor(
    readonly evaluator: PopulationEvaluator,
    n: number,
    m: number,
  ) {
    this.points = new Float64Array(2 * n * n + 2 * n);
    this.out = new Float64Array(2 * n * m + 2 * m);
    this.kind = new Int8Array(n);
    this.step = new Float64Array(2 * n);
    this.at = new Int32Array(n);
  }
}

/**
 * {@link jacobian} with the finite differences' points handed to the batch's evaluator at once
 * (through the speculation's rounds when there is one). The rare fallbacks (a side where the
 * model is not finite) are evaluated here afterwards, as the serial path would.
 */
export async function jacobianBatched(s: LmState, batch: JacobianBatch): Promise<number> {
  if (analyticJacobian(s)) return 0;
  const { m, n, x, fjac, fvec } = s;
  const { points, out, kind, step, at } = batch;
  // The fallbacks step from x in xtrial, as the serial path does (it may still hold a refused trial point).
  s.xtrial.set(x);
  const pair = pairWanted(s);
  const columnPoints = jacobianPoints(s, x, points, kind, step, at, s.columnsInUse(), s.forwardKept);
  let count = columnPoints;
  if (pair) {
    points.set(s.dirPlus, count * n);
    points.set(s.dirMinus, (count + 1) * n);
    count += 2;
  }
  const speculation = s.foresight?.speculation;
  if (speculation) await speculation.residuals(points, count, out);
  else {
    await batch.evaluator.evaluateResiduals!(points, count, out);
    if (s.context) s.context.evaluations.count += count;
  }
  for (let j = 0; j < n; j++) {
    const xj = x[j];
    const col = j * m;
    const k = at[j];
    let done: boolean;
    if (kind[j] === 1) {
      s.spent.central += 2;
      const up = out.subarray(k * m, k * m + m);
      const down = out.subarray((k + 1) * m, (k + 2) * m);
      const upFinite = finiteAt(s, up, points.subarray(k * n, k * n + n));
      const downFinite = finiteAt(s, down, points.subarray((k + 1) * n, (k + 2) * n));
      const hp = step[k];
      const hm = step[k + 1];
      done =
        centralColumn(fjac.subarray(col, col + m), fvec, up, upFinite, hp, down, downFinite, hm) ||
        forward(s, j, s.curvature.step(j, xj));
    } else if (kind[j] === 3) {
      done = keptColumn(s, j);
    } else {
      const h = s.curvature.step(j, xj);
      if (kind[j] === 2) {
        s.spent.forward++;
        const o = out.subarray(k * m, k * m + m);
        if (finiteAt(s, o, points.subarray(k * n, k * n + n))) {
          const hh = step[k];
          for (let i = 0; i < m; i++) fjac[col + i] = (o[i] - fvec[i]) / hh;
          done = true;
        } else done = forward(s, j, h, 1);
      } else done = forward(s, j, h);
    }
    if (!done) holdColumn(s, j);
  }
  s.forwardKept = false;
  if (pair)
    correctWithPair(
      s,
      out.subarray(columnPoints * m, (columnPoints + 1) * m),
      out.subarray((columnPoints + 1) * m, (columnPoints + 2) * m),
    );
  return jacobianDone(s);
}
