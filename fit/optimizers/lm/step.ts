/**
 * The Levenberg–Marquardt step: the LM parameter λ for which the step p solving
 * `min ‖J p + f‖² + λ ‖D p‖²` has `‖D p‖ ≈ Δ` (Moré–Hebden iteration), and the least-squares
 * solve with the diagonal term by Givens rotations on the QR factor. Algorithms of
 * J. J. Moré, "The Levenberg–Marquardt algorithm: implementation and theory", Numerical
 * Analysis (Dundee 1977), Lecture Notes in Mathematics 630, 1978 (sections 3–5), as in
 * MINPACK's LMPAR and QRSOLV. Matrices are n × n column-major: `r[i + j*n]`.
 */
import { norm2 } from "../../linalg/qr.js";

const DWARF = 2.2250738585072014e-308;

/** Workspaces for {@link lmParameter}, allocated once per fit. */
export class LmStepWork {
  readonly wa1: Float64Array;
  readonly wa2: Float64Array;
  readonly wa3: Float64Array;
  readonly sdiag: Float64Array;
  constructor(n: number) {
    this.wa1 = new Float64Array(n);
    this.wa2 = new Float64Array(n);
    this.wa3 = new Float64Array(n);
    this.sdiag = new Float64Array(n);
  }
}

/**
 * Solves `[R; √λ D Pᵀ...]` least squares: given the QR factor R (upper triangle of `r`, with
 * `A P = Q R`), `diag` (already times √λ) and `qtb` = first n of Qᵀb, finds x minimising
 * ‖A x − b‖² + ‖D x‖². On return the strict lower triangle of `r` and `sdiag` hold the
 * triangular factor S of `Pᵀ(AᵀA + DD)P = SᵀS` (needed by the Newton correction of λ).
 */
export function qrSolve(
  n: number,
  r: Float64Array,
  ipvt: Int32Array,
  diag: Float64Array,
  qtb: Float64Array,
  x: Float64Array,
  sdiag: Float64Array,
  wa: Float64Array,
): void {
  // Copy R and Qᵀb to keep the input; save R's diagonal in x.
  for (let j = 0; j < n; j++) {
    for (let i = j; i < n; i++) r[i + j * n] = r[j + i * n];
    x[j] = r[j + j * n];
    wa[j] = qtb[j];
  }
  // Eliminate the diagonal matrix D with Givens rotations.
  for (let j = 0; j < n; j++) {
    const l = ipvt[j];
    if (diag[l] !== 0) {
      for (let k = j; k < n; k++) sdiag[k] = 0;
      sdiag[j] = diag[l];
      let qtbpj = 0;
      for (let k = j; k < n; k++) {
        if (sdiag[k] === 0) continue;
        const rkk = r[k + k * n];
        let cos: number;
        let sin: number;
        if (Math.abs(rkk) < Math.abs(sdiag[k])) {
          const cotan = rkk / sdiag[k];
          sin = 0.5 / Math.sqrt(0.25 + 0.25 * cotan * cotan);
          cos = sin * cotan;
        } else {
          const tan = sdiag[k] / rkk;
          cos = 0.5 / Math.sqrt(0.25 + 0.25 * tan * tan);
          sin = cos * tan;
        }
        r[k + k * n] = cos * rkk + sin * sdiag[k];
        const temp = cos * wa[k] + sin * qtbpj;
        qtbpj = -sin * wa[k] + cos * qtbpj;
        wa[k] = temp;
        for (let i = k + 1; i < n; i++) {
          const t = cos * r[i + k * n] + sin * sdiag[i];
          sdiag[i] = -sin * r[i + k * n] + cos * sdiag[i];
          r[i + k * n] = t;
        }
      }
    }
    sdiag[j] = r[j + j * n];
    r[j + j * n] = x[j];
  }
  // Solve the triangular system; a singular one gets a least-squares solution.
  let nsing = n;
  for (let j = 0; j < n; j++) {
    if (sdiag[j] === 0 && nsing === n) nsing = j;
    if (nsing < n) wa[j] = 0;
  }
  for (let j = nsing - 1; j >= 0; j--) {
    let sum = 0;
    for (let i = j + 1; i < nsing; i++) sum += r[i + j * n] * wa[i];
    wa[j] = (wa[j] - sum) / sdiag[j];
  }
  for (let j = 0; j < n; j++) x[ipvt[j]] = wa[j];
}

/**
 * Finds λ ≥ 0 (returned) and the step x (the Gauss–Newton step when it is short enough, else
 * the LM step with ‖D x‖ within 10% of Δ), starting from the previous λ `par`.
 */
export function lmParameter(
  n: number,
  r: Float64Array,
  ipvt: Int32Array,
  diag: Float64Array,
  qtb: Float64Array,
  delta: number,
  par: number,
  x: Float64Array,
  work: LmStepWork,
): number {
  const { wa1, wa2, sdiag } = work;
  // Gauss–Newton direction (least-squares solution when R is singular).
  let nsing = n;
  for (let j = 0; j < n; j++) {
    wa1[j] = qtb[j];
    if (r[j + j * n] === 0 && nsing === n) nsing = j;
    if (nsing < n) wa1[j] = 0;
  }
  for (let j = nsing - 1; j >= 0; j--) {
    wa1[j] /= r[j + j * n];
    const temp = wa1[j];
    for (let i = 0; i < j; i++) wa1[i] -= r[i + j * n] * temp;
  }
  for (let j = 0; j < n; j++) x[ipvt[j]] = wa1[j];

  let iter = 0;
  for (let j = 0; j < n; j++) wa2[j] = diag[j] * x[j];
  let dxnorm = norm2(wa2, 0, n);
  let fp = dxnorm - delta;
  if (fp <= 0.1 * delta) return 0;

  // Lower bound parl from the Newton step at λ = 0 (only when R has full rank).
  let parl = 0;
  if (nsing >= n) {
    for (let j = 0; j < n; j++) {
      const l = ipvt[j];
      wa1[j] = diag[l] * (wa2[l] / dxnorm);
    }
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < j; i++) sum += r[i + j * n] * wa1[i];
      wa1[j] = (wa1[j] - sum) / r[j + j * n];
    }
    const temp = norm2(wa1, 0, n);
    parl = fp / delta / temp / temp;
  }
  // Upper bound paru from the gradient.
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let i = 0; i <= j; i++) sum += r[i + j * n] * qtb[i];
    wa1[j] = sum / diag[ipvt[j]];
  }
  const gnorm = norm2(wa1, 0, n);
  let paru = gnorm / delta;
  if (paru === 0) paru = DWARF / Math.min(delta, 0.1);

  par = Math.max(par, parl);
  par = Math.min(par, paru);
  if (par === 0) par = gnorm / dxnorm;

  for (;;) {
    iter++;
    if (par === 0) par = Math.max(DWARF, 0.001 * paru);
    const sq = Math.sqrt(par);
    for (let j = 0; j < n; j++) wa1[j] = sq * diag[j];
    qrSolve(n, r, ipvt, wa1, qtb, x, sdiag, wa2);
    for (let j = 0; j < n; j++) wa2[j] = diag[j] * x[j];
    dxnorm = norm2(wa2, 0, n);
    const prevFp = fp;
    fp = dxnorm - delta;
    // Converged when ‖Dx‖ is within 10% of Δ, or λ = 0 cannot shorten the step further,
    // or after 10 iterations (the step is then still acceptable).
    if (Math.abs(fp) <= 0.1 * delta || (parl === 0 && fp <= prevFp && prevFp < 0) || iter === 10) break;
    // Newton correction of λ.
    for (let j = 0; j < n; j++) {
      const l = ipvt[j];
      wa1[j] = diag[l] * (wa2[l] / dxnorm);
    }
    for (let j = 0; j < n; j++) {
      wa1[j] /= sdiag[j];
      const temp = wa1[j];
      for (let i = j + 1; i < n; i++) wa1[i] -= r[i + j * n] * temp;
    }
    const temp = norm2(wa1, 0, n);
    const parc = fp / delta / temp / temp;
    if (fp > 0) parl = Math.max(parl, par);
    if (fp < 0) paru = Math.min(paru, par);
    par = Math.max(parl, par + parc);
  }
  return par;
}
