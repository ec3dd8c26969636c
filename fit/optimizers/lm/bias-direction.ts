/**
 * The central phase's cheap form: a forward Jacobian corrected by one central difference along the
 * direction its error moves the optimum most (two evaluations per Jacobian, whatever the number of
 * parameters), where that error lies along one direction; found by power iteration on the last
 * factorization.
 */
import { CENTRAL_STEP } from "./differences.js";
import { finiteAt } from "./residuals.js";
import type { LmState } from "./state.js";

/** Power iterations that find that direction, and the next one's eigenvalue. */
const DIRECTION_ITERATIONS = 30;
/**
 * ...which corrects the forward Jacobian only where the next eigenvalue of the relative inverse
 * normal matrix is at most this fraction of the largest: the bias then lies along the one direction
 * (on the NIST problems, Lanczos, MGH17, Nelson, Roszman1 and Rat43: 4e-5 to 2e-2). Where it is
 * spread over several (ENSO, MGH09, Hahn1, Kirby2: 0.13 to 0.19), the central phase differences
 * columns, which converges in fewer iterations there.
 */
const DIRECTION_GAP = 0.1;
/**
 * Corrected Jacobians after which the central phase differences columns instead. On the NIST
 * problems it ends within two, and Brown–Dennis (test/fit/lm-held-out.test.ts) needs between 20
 * and 40; but where the model is degenerate (Chwirut2 from a start where its exponential has died
 * out) each correction tilts the next step anew and the phase ran to the step limit, where
 * central columns stop at xtol.
 */
const DIRECTION_MAX_JACOBIANS = 40;

/**
 * `out` ← S⁻¹ (JᵀJ)⁻¹ S⁻¹ `v` = S⁻¹ P R⁻¹ R⁻ᵀ Pᵀ S⁻¹ `v` with JP = QR the last factorization and
 * S = diag(dirScale) (`out` may be `v`).
 */
function relativeInverse(s: LmState, v: Float64Array, out: Float64Array): void {
  const { n, r, ipvt, dirScale, dirZ } = s;
  for (let k = 0; k < n; k++) dirZ[k] = v[ipvt[k]] / dirScale[ipvt[k]];
  for (let k = 0; k < n; k++) {
    let sum = dirZ[k];
    for (let i = 0; i < k; i++) sum -= r[i + k * n] * dirZ[i];
    dirZ[k] = sum / r[k + k * n];
  }
  for (let k = n - 1; k >= 0; k--) {
    let sum = dirZ[k];
    for (let i = k + 1; i < n; i++) sum -= r[k + i * n] * dirZ[i];
    dirZ[k] = sum / r[k + k * n];
  }
  for (let k = 0; k < n; k++) out[ipvt[k]] = dirZ[k] / dirScale[ipvt[k]];
}

/**
 * The second largest eigenvalue of S⁻¹ (JᵀJ)⁻¹ S⁻¹ relative to the largest, whose eigenvector
 * `dirV` holds: the largest by the Rayleigh quotient, the second by power iteration on the
 * complement of `dirV` (the matrix is symmetric, so its eigenvectors are orthogonal).
 */
function secondEigenvalueRatio(s: LmState): number {
  const { n, dirV, dirW, dirU } = s;
  relativeInverse(s, dirV, dirW);
  let vv = 0;
  let vAv = 0;
  for (let j = 0; j < n; j++) {
    vv += dirV[j] * dirV[j];
    vAv += dirV[j] * dirW[j];
  }
  const first = vAv / vv;
  // A start with no special relation to the problem's parameters: alternating signs, growing.
  for (let j = 0; j < n; j++) dirU[j] = (j % 2 === 0 ? -1 : 1) * (j + 1);
  let second = 0;
  for (let it = 0; it < DIRECTION_ITERATIONS; it++) {
    let along = 0;
    for (let j = 0; j < n; j++) along += dirU[j] * dirV[j];
    for (let j = 0; j < n; j++) dirU[j] -= (along / vv) * dirV[j];
    relativeInverse(s, dirU, dirW);
    let uu = 0;
    let uAu = 0;
    let largest = 0;
    for (let j = 0; j < n; j++) {
      uu += dirU[j] * dirU[j];
      uAu += dirU[j] * dirW[j];
      largest = Math.max(largest, Math.abs(dirW[j]));
    }
    second = uAu / uu;
    if (!(largest > 0 && Number.isFinite(largest))) break;
    for (let j = 0; j < n; j++) dirU[j] = dirW[j] / largest;
  }
  return Math.abs(second / first);
}

/**
 * The direction along which the forward differences' error moves the optimum most, relative to
 * the parameters: their bias δx = (JᵀJ)⁻¹ δJᵀf is amplified most along the dominant eigenvector v
 * of (J̃ᵀJ̃)⁻¹, J̃ = J·diag(|at|) (J from the last factorization, found by power iteration on R).
 * Writes the central difference's points `at` ± CENTRAL_STEP·diag(|at|)·v into `plus` and
 * `minus`. False when the factorization is singular, a parameter is held or at zero, a point lies
 * outside the box, or the next eigenvalue is not below DIRECTION_GAP of the largest.
 */
export function biasDirection(s: LmState, at: Float64Array, plus: Float64Array, minus: Float64Array): boolean {
  const { n, r, held, dirScale, dirV, lower, upper } = s;
  for (let j = 0; j < n; j++) {
    if (r[j + j * n] === 0 || held[j] || at[j] === 0) return false;
    dirScale[j] = Math.abs(at[j]);
    dirV[j] = 1;
  }
  for (let it = 0; it < DIRECTION_ITERATIONS; it++) {
    relativeInverse(s, dirV, dirV);
    let largest = 0;
    for (let j = 0; j < n; j++) largest = Math.max(largest, Math.abs(dirV[j]));
    if (!(largest > 0 && Number.isFinite(largest))) return false;
    for (let j = 0; j < n; j++) dirV[j] /= largest;
  }
  if (n > 1 && !(secondEigenvalueRatio(s) <= DIRECTION_GAP)) return false;
  for (let j = 0; j < n; j++) {
    const d = CENTRAL_STEP * dirScale[j] * dirV[j];
    plus[j] = at[j] + d;
    minus[j] = at[j] - d;
    if (!(minus[j] >= lower[j] && plus[j] <= upper[j] && plus[j] >= lower[j] && minus[j] <= upper[j])) return false;
  }
  return true;
}

/**
 * Whether the pair (two evaluations) costs less than the central columns flagged in `columns` (one
 * evaluation each beyond the forward difference's): where at most two are, differencing them
 * centrally is no dearer and removes their error whole.
 */
export function pairPays(s: LmState, columns: Uint8Array): boolean {
  let count = 0;
  for (let j = 0; j < s.n; j++) count += columns[j];
  return count > 2;
}

/**
 * Whether this Jacobian (at x) is corrected along the direction of largest forward bias, with
 * the points in `dirPlus` and `dirMinus`; where the direction cannot be had, the central phase
 * goes on with central columns.
 */
export function pairWanted(s: LmState): boolean {
  if (!s.central || !s.directional) return false;
  if (
    s.directionalJacobians < DIRECTION_MAX_JACOBIANS &&
    pairPays(s, s.centralColumns) &&
    biasDirection(s, s.x, s.dirPlus, s.dirMinus)
  ) {
    s.directionalJacobians++;
    return true;
  }
  s.directional = false;
  return false;
}

/**
 * Counts the pair at `dirPlus` and `dirMinus` (residuals `up` and `down`) and corrects the
 * Jacobian with it when both are finite (a non-finite one is noted, and the Jacobian stays forward).
 */
export function correctWithPair(s: LmState, up: Float64Array, down: Float64Array): void {
  s.spent.central += 2;
  const upFinite = finiteAt(s, up, s.dirPlus);
  const downFinite = finiteAt(s, down, s.dirMinus);
  if (upFinite && downFinite) correctAlong(s, up, down);
}

/**
 * Corrects the forward-difference Jacobian in fjac along d = dirPlus − dirMinus, given the
 * residuals there: the central difference f(dirPlus) − f(dirMinus) is J·d within O(t³), and
 * J ← J + (J·d − J_f·d) wᵀ with w = S⁻²d / (dᵀS⁻²d) (S = diag(|x|)) makes J·d exact with the least
 * change of J in the relative scaling, so the gradient's error along d, which moves the optimum
 * most, is gone. Not when a column was held for being non-finite.
 */
function correctAlong(s: LmState, up: Float64Array, down: Float64Array): void {
  const { m, n, x, fjac, unusable, dirZ, dirPlus, dirMinus } = s;
  for (let j = 0; j < n; j++) if (unusable[j]) return;
  let dd = 0;
  for (let j = 0; j < n; j++) {
    dirZ[j] = dirPlus[j] - dirMinus[j];
    dd += (dirZ[j] / x[j]) ** 2;
  }
  for (let i = 0; i < m; i++) {
    let jd = 0;
    for (let j = 0; j < n; j++) jd += fjac[i + j * m] * dirZ[j];
    const g = (up[i] - down[i] - jd) / dd;
    for (let j = 0; j < n; j++) fjac[i + j * m] += (g * dirZ[j]) / (x[j] * x[j]);
  }
}
