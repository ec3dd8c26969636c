/**
 * The Jacobian factorized for the step, with bounds by an active set: a variable at a bound whose
 * gradient points outwards is held (as are those in `unusable` and `wall`), and the rest go into a
 * column-pivoted QR; products with the factor, and MINPACK's scaled gradient test on it.
 */
import { applyQt, norm2, qrFactor } from "../../linalg/qr.js";
import type { LmState } from "./state.js";

/**
 * The Jacobian in fjac (at x) factorized for the step: the active set (a variable held at a
 * bound when the gradient Jᵀf points out of the box, or for the reasons in `unusable` and
 * `wall`), the column-pivoted QR of the rest (Householder vectors left in fjac), Qᵀf into qtf
 * and R into r.
 */
export function factorJacobian(s: LmState): void {
  const { m, n, x, lower, upper, fjac, fvec, held, unusable, wall, r, qtf, rdiag, fwork } = s;
  for (let j = 0; j < n; j++) {
    held[j] = unusable[j] | wall[j];
    if (held[j]) {
      for (let i = 0; i < m; i++) fjac[j * m + i] = 0;
    } else if (x[j] <= lower[j] || x[j] >= upper[j]) {
      let g = 0;
      for (let i = 0; i < m; i++) g += fjac[j * m + i] * fvec[i];
      if ((x[j] <= lower[j] && g > 0) || (x[j] >= upper[j] && g < 0)) {
        held[j] = 1;
        for (let i = 0; i < m; i++) fjac[j * m + i] = 0;
      }
    }
  }
  if (s.accel) s.jcopy.set(fjac);
  qrFactor(fjac, m, n, true, s.ipvt, rdiag, s.acnorm, s.wa);
  fwork.set(fvec);
  applyQt(fjac, m, n, fwork);
  for (let j = 0; j < n; j++) {
    qtf[j] = fwork[j];
    for (let i = 0; i < j; i++) r[i + j * n] = fjac[i + j * m];
    r[j + j * n] = rdiag[j];
  }
}

/** R Pᵀ `step` into `out` (Qᵀ J step, the step's image under the Jacobian in the factorization's frame); returns its norm. */
export function jacobianTimes(s: LmState, step: Float64Array, out: Float64Array): number {
  const { n, r, ipvt } = s;
  out.fill(0);
  for (let j = 0; j < n; j++) {
    const l = ipvt[j];
    const t = step[l];
    for (let i = 0; i <= j; i++) out[i] += r[i + j * n] * t;
  }
  return norm2(out, 0, n);
}

/** The scaled gradient's norm: the largest cosine between f and the Jacobian's columns (MINPACK's gtol test). */
export function scaledGradientNorm(s: LmState): number {
  const { n, r, ipvt, qtf, acnorm } = s;
  const fnorm = s.fnorm;
  let gnorm = 0;
  if (fnorm !== 0) {
    for (let j = 0; j < n; j++) {
      const l = ipvt[j];
      if (acnorm[l] !== 0) {
        let sum = 0;
        for (let i = 0; i <= j; i++) sum += r[i + j * n] * (qtf[i] / fnorm);
        gnorm = Math.max(gnorm, Math.abs(sum / acnorm[l]));
      }
    }
  }
  return gnorm;
}
