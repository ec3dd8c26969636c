/** Geodesic acceleration of the LM step (option `accel`). */
import { applyQt } from "../../linalg/qr.js";
import type { LmState } from "./state.js";
import { qrSolve } from "./step.js";

/**
 * Geodesic acceleration: with v = −step, the second directional derivative
 * r_vv ≈ (2/h)((r(x + h v) − r(x))/h − J v) and a solving the same damped system for −r_vv;
 * the step becomes v + ½a when ‖D a‖ ≤ 0.75·‖D v‖/2 (Transtrum & Sethna 2012, eq. 15–17).
 */
export function accelerate(s: LmState): boolean {
  const { m, n, x, xtrial, step, held, lower, upper, rvv, jcopy, fvec, diag, accDiag, acc } = s;
  const h = 0.1;
  for (let j = 0; j < n; j++) {
    const v = held[j] ? 0 : -step[j];
    xtrial[j] = x[j] + h * v;
    if (xtrial[j] < lower[j] || xtrial[j] > upper[j]) return false;
  }
  s.spent.lineSearch++;
  s.problem.residuals(xtrial, rvv);
  for (let i = 0; i < m; i++) {
    let jv = 0;
    for (let j = 0; j < n; j++) if (!held[j]) jv -= jcopy[i + j * m] * step[j];
    rvv[i] = (2 / h) * ((rvv[i] - fvec[i]) / h - jv);
    if (!Number.isFinite(rvv[i])) return false;
  }
  applyQt(s.fjac, m, n, rvv);
  const sq = Math.sqrt(s.par);
  for (let j = 0; j < n; j++) accDiag[j] = sq * diag[j];
  s.rcopy.set(s.r);
  qrSolve(n, s.rcopy, s.ipvt, accDiag, rvv, acc, s.accSdiag, s.accWork);
  let anorm = 0;
  let vnorm = 0;
  for (let j = 0; j < n; j++) {
    anorm += (diag[j] * acc[j]) ** 2;
    vnorm += (diag[j] * step[j]) ** 2;
  }
  if (!(2 * Math.sqrt(anorm) <= 0.75 * Math.sqrt(vnorm))) return false;
  // x − step_new = x + v + ½a with a = −acc.
  for (let j = 0; j < n; j++) step[j] += 0.5 * acc[j];
  return true;
}
