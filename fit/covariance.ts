/**
 * Error bars shared by every method, so that lm, amoeba, newton and de report the same
 * uncertainties for the same optimum: `cov = (JᵀJ)⁻¹` of the residuals with a careful Jacobian,
 * or `H⁻¹` of the nllf's Hessian when the problem has no residuals.
 */
import { norm2, qrFactor } from "./linalg/qr.js";
import type { Problem } from "./types.js";

/** Relative step of the Richardson-extrapolated central differences. */
const RICHARDSON_STEP = 1e-3;

/** By default, a Jacobian taken within this relative distance of the optimum serves its error bars. */
const JACOBIAN_REUSE = 1e-6;

/** A residual Jacobian a method computed on its way (analytic or finite differences). */
export interface KnownJacobian {
  /** Row-major, residualCount × nparams. */
  J: Float64Array;
  /** Where it was taken. */
  at: ArrayLike<number>;
  /**
   * How far from the optimum (relative, in every parameter) it may have been taken and still
   * serve the error bars; default 1e-6.
   */
  within?: number;
}

/**
 * Whether a Jacobian taken at `at` may stand for the one at `x`: every parameter within `within`
 * (default 1e-6) relative, so that the covariance moves by about as much times the model's
 * relative curvature, far below the digits error bars carry.
 */
export function jacobianStillValid(at: ArrayLike<number>, x: ArrayLike<number>, within = JACOBIAN_REUSE): boolean {
  if (at.length !== x.length) return false;
  for (let j = 0; j < x.length; j++) {
    if (!(Math.abs(x[j] - at[j]) <= within * Math.abs(x[j]))) return false;
  }
  return true;
}

/** A residual Jacobian with the number of problem evaluations it took. */
export interface JacobianResult {
  /** Row-major, residualCount × nparams. */
  J: Float64Array;
  /** Residual evaluations used (0 when analytic). */
  evaluations: number;
}

/**
 * The Jacobian of the residuals at `x`: the problem's analytic one when it has it, else central
 * differences improved by one Richardson extrapolation (error O(h⁴); Richardson 1911, see
 * Press et al., Numerical Recipes 3rd ed. §5.7), falling back to one-sided extrapolated
 * differences next to a bound or where the residuals are not finite.
 * The problem is left at `x`.
 */
export function carefulJacobian(problem: Problem, x: ArrayLike<number>): JacobianResult {
  const n = x.length;
  const m = problem.residualCount();
  const analytic = problem.jacobian?.(x);
  if (analytic !== undefined) return { J: analytic, evaluations: 0 };
  const J = new Float64Array(m * n);
  const { lower, upper } = problem.bounds();
  const xt = Float64Array.from(x);
  const r0 = Float64Array.from(problem.residuals(xt));
  const bufs = [0, 1, 2, 3].map(() => new Float64Array(m));
  let evaluations = 1;
  const at = (j: number, h: number, out: Float64Array): boolean => {
    xt[j] = x[j] + h;
    problem.residuals(xt, out);
    xt[j] = x[j];
    evaluations++;
    for (let i = 0; i < m; i++) if (!Number.isFinite(out[i])) return false;
    return true;
  };
  for (let j = 0; j < n; j++) {
    const xj = x[j];
    const h = RICHARDSON_STEP * (xj !== 0 ? Math.abs(xj) : 1);
    const [p1, m1, p2, m2] = bufs;
    const central =
      xj + h <= upper[j] && xj - h >= lower[j] && at(j, h, p1) && at(j, -h, m1) && at(j, h / 2, p2) && at(j, -h / 2, m2);
    if (central) {
      // D(h) = (f(x+h) − f(x−h)) / 2h; (4 D(h/2) − D(h)) / 3 cancels the h² term.
      for (let i = 0; i < m; i++) {
        const d1 = (p1[i] - m1[i]) / (2 * h);
        const d2 = (p2[i] - m2[i]) / h;
        J[i * n + j] = (4 * d2 - d1) / 3;
      }
      continue;
    }
    // One-sided: D(h) = (f(x+h) − f(x)) / h; 2 D(h/2) − D(h) cancels the h term.
    const s = xj + h <= upper[j] ? 1 : -1;
    let ok = at(j, s * h, p1) && at(j, (s * h) / 2, p2);
    let hh = h;
    if (!ok && xj - s * h >= lower[j] && xj - s * h <= upper[j]) {
      hh = -h;
      ok = at(j, -s * h, p1) && at(j, (-s * h) / 2, p2);
    }
    const step = ok ? s * hh : s * h;
    for (let i = 0; i < m; i++) {
      const d1 = (p1[i] - r0[i]) / step;
      const d2 = (p2[i] - r0[i]) / (step / 2);
      J[i * n + j] = ok ? 2 * d2 - d1 : NaN;
    }
  }
  problem.setValues(x);
  return { J, evaluations };
}

/**
 * `(JᵀJ)⁻¹` for a row-major m × n Jacobian, computed from a column-scaled, column-pivoted QR of J
 * (never forming JᵀJ, which would square the condition number). Parameters whose columns are
 * numerically dependent on others get NaN variances and covariances; the rest come from the
 * leading full-rank block (as MINPACK's COVAR does).
 */
export function covarianceFromJacobian(J: Float64Array, m: number, n: number): Float64Array {
  const cov = new Float64Array(n * n).fill(NaN);
  if (n === 0) return cov;
  const a = new Float64Array(m * n);
  const scale = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < m; i++) a[j * m + i] = J[i * n + j];
    scale[j] = norm2(a, j * m, m);
    if (scale[j] > 0 && Number.isFinite(scale[j])) for (let i = 0; i < m; i++) a[j * m + i] /= scale[j];
  }
  if (m < n) return cov;
  const ipvt = new Int32Array(n);
  const rdiag = new Float64Array(n);
  const acnorm = new Float64Array(n);
  const wa = new Float64Array(n);
  qrFactor(a, m, n, true, ipvt, rdiag, acnorm, wa);
  // Numerical rank from R's diagonal (pivoting sorts it by decreasing magnitude).
  const tol = Math.max(m, n) * 2.220446049250313e-16 * Math.abs(rdiag[0]);
  let rank = 0;
  while (rank < n && Math.abs(rdiag[rank]) > tol && Number.isFinite(rdiag[rank])) rank++;
  // R (rank × rank, upper): diagonal in rdiag, strict upper part in a.
  const R = (i: number, j: number): number => (i === j ? rdiag[i] : a[j * m + i]);
  // Rinv by back substitution, column by column.
  const Rinv = new Float64Array(rank * rank);
  for (let j = 0; j < rank; j++) {
    Rinv[j * rank + j] = 1 / R(j, j);
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += R(i, k) * Rinv[k * rank + j];
      Rinv[i * rank + j] = -s / R(i, i);
    }
  }
  for (let p = 0; p < rank; p++) {
    for (let q = 0; q < rank; q++) {
      let s = 0;
      for (let k = Math.max(p, q); k < rank; k++) s += Rinv[p * rank + k] * Rinv[q * rank + k];
      const jp = ipvt[p];
      const jq = ipvt[q];
      cov[jp * n + jq] = s / (scale[jp] * scale[jq]);
    }
  }
  return cov;
}

/**
 * Central-difference Hessian of the nllf at `x` (row-major n × n), with steps ε^(1/4)·max(|x|, 1)
 * shrunk to stay within the bounds. The problem is left at `x`.
 */
export function nllfHessian(problem: Problem, x: ArrayLike<number>): { H: Float64Array; evaluations: number } {
  const n = x.length;
  const H = new Float64Array(n * n);
  const xt = Float64Array.from(x);
  const f0 = problem.nllf(xt);
  const { lower, upper } = problem.bounds();
  const h = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let hj = 1.2e-4 * Math.max(Math.abs(x[j]), 1);
    const room = Math.min(upper[j] - x[j], x[j] - lower[j]);
    if (room > 0 && hj > room) hj = room;
    h[j] = hj;
  }
  let evaluations = 1;
  const f = (i: number, si: number, j: number, sj: number): number => {
    xt[i] += si * h[i];
    xt[j] += sj * h[j];
    const v = problem.nllf(xt);
    xt[i] = x[i];
    xt[j] = x[j];
    evaluations++;
    return v;
  };
  for (let i = 0; i < n; i++) {
    const fp = f(i, 1, i, 0);
    const fm = f(i, -1, i, 0);
    H[i * n + i] = (fp - 2 * f0 + fm) / (h[i] * h[i]);
    for (let j = 0; j < i; j++) {
      const v = (f(i, 1, j, 1) - f(i, 1, j, -1) - f(i, -1, j, 1) + f(i, -1, j, -1)) / (4 * h[i] * h[j]);
      H[i * n + j] = v;
      H[j * n + i] = v;
    }
  }
  problem.setValues(x);
  return { H, evaluations };
}

/** Inverse of a symmetric positive definite matrix by Cholesky; all NaN when it is not positive definite. */
export function inverseSpd(A: Float64Array, n: number): Float64Array {
  // Scale to unit diagonal first so the factorization sees a correlation-like matrix.
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = A[i * n + i] > 0 ? 1 / Math.sqrt(A[i * n + i]) : NaN;
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j] * d[i] * d[j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) return new Float64Array(n * n).fill(NaN);
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  // inv(A) = D inv(L)ᵀ inv(L) D
  const Li = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    Li[j * n + j] = 1 / L[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i * n + k] * Li[k * n + j];
      Li[i * n + j] = s / L[i * n + i];
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = Math.max(i, j); k < n; k++) s += Li[k * n + i] * Li[k * n + j];
      inv[i * n + j] = s * d[i] * d[j];
    }
  }
  return inv;
}

/**
 * The covariance of the fitted parameters at `x` by the definitions of `FitResult`: `(JᵀJ)⁻¹` of
 * the residuals (unscaled) when the problem has residuals, else `H⁻¹` of the nllf. A `known`
 * Jacobian taken close enough to `x` ({@link jacobianStillValid}) is used instead of a new one.
 */
export function covarianceAt(
  problem: Problem,
  x: ArrayLike<number>,
  known?: KnownJacobian,
): { cov: Float64Array; evaluations: number } {
  const n = x.length;
  const m = problem.residualCount();
  if (m > 0 && known !== undefined && known.J.length === m * n && jacobianStillValid(known.at, x, known.within)) {
    return { cov: covarianceFromJacobian(known.J, m, n), evaluations: 0 };
  }
  if (problem.residualCount() > 0) {
    const { J, evaluations } = carefulJacobian(problem, x);
    return { cov: covarianceFromJacobian(J, problem.residualCount(), n), evaluations };
  }
  const { H, evaluations } = nllfHessian(problem, x);
  return { cov: inverseSpd(H, n), evaluations };
}
