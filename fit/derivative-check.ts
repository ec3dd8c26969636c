/**
 * The check of a problem's analytic Jacobian against finite differences, made once when a fit
 * starts: a wrong derivative would otherwise steer `lm` and `newton` to a point that is no optimum
 * and give wrong error bars, without any sign of it.
 */
import { UserError } from "../util/user-error.js";
import type { Problem } from "./types.js";

/** Central-difference step, relative: ε^(1/3) balances truncation against rounding. */
const CENTRAL_STEP = 6.0554544523933395e-6;
/** Forward-difference step, relative (√ε), for a parameter with no room on one side. */
const FORWARD_STEP = 1.4901161193847656e-8;
/** Largest discrepancy accepted, relative to the column's largest entry: central, then forward differences. */
const CENTRAL_TOLERANCE = 1e-4;
const FORWARD_TOLERANCE = 1e-2;

/**
 * Compares the problem's analytic Jacobian at `x` with finite differences, column by column, and
 * throws a {@link UserError} naming the first parameter whose derivatives disagree. Columns whose
 * difference quotients are not finite (the model is not finite on either side) are not judged.
 * The problem is left at `x`.
 * @returns the residual and Jacobian evaluations used (0 when the problem has no analytic Jacobian)
 */
export function checkDerivatives(problem: Problem, x: Float64Array): number {
  const m = problem.residualCount();
  if (m === 0 || typeof problem.jacobian !== "function") return 0;
  const analytic = problem.jacobian(x);
  if (analytic === undefined) return 0;
  const n = x.length;
  const labels = problem.labels();
  const { lower, upper } = problem.bounds();
  const r0 = Float64Array.from(problem.residuals(x));
  const up = new Float64Array(m);
  const down = new Float64Array(m);
  const xt = Float64Array.from(x);
  let evaluations = 2;
  for (let j = 0; j < n; j++) {
    const xj = x[j];
    const scale = xj !== 0 ? Math.abs(xj) : 1;
    let h = CENTRAL_STEP * scale;
    const central = xj + h <= upper[j] && xj - h >= lower[j];
    let tolerance = CENTRAL_TOLERANCE;
    if (central) {
      xt[j] = xj + h;
      const hp = xt[j] - xj;
      problem.residuals(xt, up);
      xt[j] = xj - h;
      const hm = xj - xt[j];
      problem.residuals(xt, down);
      evaluations += 2;
      for (let i = 0; i < m; i++) up[i] = (up[i] - down[i]) / (hp + hm);
    } else {
      h = FORWARD_STEP * scale;
      xt[j] = xj + h <= upper[j] ? xj + h : xj - h;
      const hh = xt[j] - xj;
      problem.residuals(xt, up);
      evaluations++;
      for (let i = 0; i < m; i++) up[i] = (up[i] - r0[i]) / hh;
      tolerance = FORWARD_TOLERANCE;
    }
    xt[j] = xj;
    let size = 0;
    let worst = -1;
    let worstGap = 0;
    let judged = true;
    for (let i = 0; i < m; i++) {
      const a = analytic[i * n + j];
      const d = up[i];
      if (!Number.isFinite(d)) {
        judged = false;
        break;
      }
      size = Math.max(size, Math.abs(a), Math.abs(d));
      const gap = Math.abs(a - d);
      if (!(gap <= worstGap)) {
        worstGap = gap;
        worst = i;
      }
    }
    if (!judged || worst < 0) continue;
    // A column of zeros on both sides agrees; otherwise the gap is judged against the column's scale.
    if (worstGap <= tolerance * size || (size === 0 && worstGap === 0)) continue;
    problem.setValues(x);
    const a = analytic[worst * n + j];
    throw new UserError(
      `the analytic derivative with respect to ${labels[j]} disagrees with finite differences at the start: ` +
        `d(residual ${worst})/d${labels[j]} is ${a} where the difference quotient gives ${up[worst]} ` +
        `(${labels.map((l, k) => `${l} = ${x[k]}`).join(", ")}); check the derivative given for ${labels[j]}`,
    );
  }
  problem.setValues(x);
  return evaluations;
}
