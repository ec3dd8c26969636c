/**
 * Secant updates of the Jacobian: runs that take more than SECANT_AFTER iterations go on with
 * Broyden updates of the Jacobian, measuring it again after a refused step and for good once a
 * stopping test passes (option `jacobian`). On a serial evaluator each saves n evaluations; on one
 * that evaluates a whole Jacobian's points in one round ("auto") they would save no round and cost
 * more iterations. Geodesic acceleration differences the residuals against J·v, which a secant
 * Jacobian gets wrong off the secant directions ("auto" measures every Jacobian with it).
 */
import { readOption } from "../../options/check.js";
import type { LmState } from "./state.js";
import type { LmOptions } from "./types.js";

/**
 * Iterations with measured Jacobians before secant updates take over (option `jacobian`). Most
 * runs converge well before: a measured Jacobian's quadratic end game needs fewer evaluations
 * than the secant updates' superlinear one (on the NIST problems, with secant updates from the
 * first iteration lm needed no more evaluations than MINPACK on 17 of the 54 runs instead of 27,
 * and five runs missed the certified digits). A run that has taken this many is crawling along
 * a curved valley far from the optimum, where each step moves little and a secant update (one
 * evaluation instead of n) follows the Jacobian well enough.
 */
export const SECANT_AFTER = 40;

/**
 * The Jacobian as measured or updated, before the active set and the factorization touch it, and
 * the point and residuals it belongs to.
 */
export class BroydenJacobian {
  /** The Jacobian (column-major). */
  readonly jcur: Float64Array;
  /** The point it belongs to. */
  readonly from: Float64Array;
  /** The residuals there. */
  readonly residuals: Float64Array;
  /** The update's scratch. */
  readonly work: Float64Array;

  /** For `n` parameters and `m` residuals. */
  constructor(n: number, m: number) {
    this.jcur = new Float64Array(m * n);
    this.from = new Float64Array(n);
    this.residuals = new Float64Array(m);
    this.work = new Float64Array(m);
  }
}

/** Whether this iteration's Jacobian is a secant update: after SECANT_AFTER iterations, unless one must be measured. */
export function secantDue(s: LmState): boolean {
  return (
    s.broyden !== undefined &&
    s.iterations > SECANT_AFTER &&
    !s.needFull &&
    !s.endGame &&
    !s.central &&
    !s.analyticUsed &&
    s.unusableColumns === 0 &&
    s.walls === 0
  );
}

/**
 * Whether the Jacobian after an accepted step of this iteration will be a secant update (the
 * conditions of {@link secantDue} one iteration on): then no measured Jacobian is asked for.
 */
export function secantNext(s: LmState): boolean {
  return (
    s.broyden !== undefined &&
    s.iterations >= SECANT_AFTER &&
    !s.endGame &&
    !s.central &&
    !s.analyticUsed &&
    s.unusableColumns === 0 &&
    s.walls === 0
  );
}

/**
 * Broyden's rank-1 update of jcur along the accepted step s = x − from with the residuals'
 * change y: J ← J + (y − J s) sᵀ / sᵀs, the least change of J (Frobenius norm) for which J s = y
 * (C. G. Broyden, Math. Comp. 19 (1965) 577–593).
 */
export function broydenUpdate(s: LmState, b: BroydenJacobian): void {
  const { m, n, x, wa, fvec } = s;
  const { jcur, from, residuals } = b;
  let ss = 0;
  for (let j = 0; j < n; j++) {
    const d = x[j] - from[j];
    wa[j] = d;
    ss += d * d;
  }
  if (!(ss > 0)) return;
  // Column by column, for contiguous access; each row's sums run in the same order as J s.
  const u = b.work;
  u.fill(0);
  for (let j = 0; j < n; j++) {
    const d = wa[j];
    for (let i = 0, c = j * m; i < m; i++, c++) u[i] += jcur[c] * d;
  }
  for (let i = 0; i < m; i++) u[i] = (fvec[i] - residuals[i] - u[i]) / ss;
  for (let j = 0; j < n; j++) {
    const d = wa[j];
    for (let i = 0, c = j * m; i < m; i++, c++) jcur[c] += u[i] * d;
  }
}

/**
 * The secant updates' state when the run may use them (option `jacobian`: "broyden", or "auto"
 * without geodesic acceleration on an evaluator that cannot take a whole Jacobian's points in one
 * round), else undefined.
 */
export function secantUpdates(s: LmState, options: LmOptions): BroydenJacobian | undefined {
  const jacobianMode = readOption("lm", options, "jacobian");
  const broyden =
    jacobianMode === "broyden" || (jacobianMode === "auto" && !s.accel && (s.batch?.evaluator.concurrency ?? 1) < s.n + 1);
  return broyden ? new BroydenJacobian(s.n, s.m) : undefined;
}
