/**
 * Whether forward differences suffice (diff "auto"): the estimate of how far their error moves
 * the optimum (from the curvature learned along the run, see `curvature.ts`, else a bound from
 * their O(√ε) error), and, where it could move it by more than BIAS_TOL relative, the switch to
 * central differences in the columns whose error moves it (`chooseCentralColumns`), or along the
 * one direction it moves it most (see `bias-direction.ts`).
 */
import type { LmState } from "./state.js";

/** Above this relative shift of the optimum by the forward differences' error, the run goes on with central differences. */
export const BIAS_TOL = 5e-7;
/** ...which it switches to after an accepted step that reduces ‖f‖² by less than this fraction (among other tests). */
export const SWITCH_REDUCTION = 1e-10;

/**
 * How far the forward differences' error moves the stationary point, relative to each parameter
 * (largest over the parameters): δx = (JᵀJ)⁻¹ δJᵀf, with each column's δJ_kᵀf as learned (its
 * truncation signed, its rounding at random; see `curvature.ts`), else bounded by √ε‖J_k‖‖f‖;
 * at the point `at` where ‖f‖ is `fn` (by default the iteration's), with the last Jacobian's
 * factorization; each column's share (bounded) into `terms`.
 */
export function forwardBias(s: LmState, at: Float64Array = s.x, fn: number = s.fnorm, terms: Float64Array = s.biasTerms): number {
  const { n, r, ipvt, acnorm, held } = s;
  const { truncation, rounding } = s.curvature.gradientErrors();
  const rinv = s.biasWork;
  rinv.fill(0);
  for (let j = 0; j < n; j++) {
    if (r[j + j * n] === 0) {
      // Singular: no bound, and every column's share unbounded (see chooseCentralColumns).
      terms.fill(Infinity);
      return Infinity;
    }
    rinv[j + j * n] = 1 / r[j + j * n];
    for (let i = j - 1; i >= 0; i--) {
      let sum = 0;
      for (let k = i + 1; k <= j; k++) sum += r[i + k * n] * rinv[k + j * n];
      rinv[i + j * n] = -sum / r[i + i * n];
    }
  }
  let worst = 0;
  terms.fill(0);
  for (let a = 0; a < n; a++) {
    const ja = ipvt[a];
    if (held[ja]) continue;
    // A column with a learned step (see curvature.ts) adds its truncation with its sign and its
    // rounding as an independent error; any other is bounded by √ε of its norm.
    let bounded = 0;
    let signed = 0;
    let random = 0;
    const scale = fn / Math.abs(at[ja]);
    for (let b = 0; b < n; b++) {
      // (RᵀR)⁻¹[a][b] = Σ_k Rinv[a][k] Rinv[b][k]
      let c = 0;
      for (let k = Math.max(a, b); k < n; k++) c += rinv[a + k * n] * rinv[b + k * n];
      const jb = ipvt[b];
      let term: number;
      if (rounding[jb] >= 0) {
        signed += c * truncation[jb];
        random += (c * rounding[jb]) ** 2;
        term = Math.abs(c) * (Math.abs(truncation[jb]) + rounding[jb]);
      } else {
        term = Math.abs(c) * Math.sqrt(Number.EPSILON) * acnorm[jb];
        bounded += term;
      }
      terms[a + b * n] = term * scale;
    }
    const est = (bounded + Math.abs(signed) + Math.sqrt(random)) * fn;
    const rel = at[ja] !== 0 ? est / Math.abs(at[ja]) : Infinity;
    if (rel > worst) worst = rel;
  }
  return worst;
}

/**
 * Which columns the central phase differences centrally (`centralColumns`), from the terms of the
 * last {@link forwardBias}: the columns whose forward error moves the optimum most, one at a time,
 * until the bound on what the forward columns left move it stays within BIAS_TOL for every
 * parameter. A central column costs two evaluations, a forward one one: where the bias comes from
 * a few columns (a parameter's error coupled to one or two others), the rest stay forward. Into
 * `columns` from `terms` when given (a foreseen choice).
 */
export function chooseCentralColumns(
  s: LmState,
  columns: Uint8Array = s.centralColumns,
  terms: Float64Array = s.biasTerms,
): void {
  const { n, ipvt } = s;
  columns.fill(0);
  for (;;) {
    let worst = 0;
    for (let a = 0; a < n; a++) {
      let sum = 0;
      for (let b = 0; b < n; b++) if (!columns[ipvt[b]]) sum += terms[a + b * n];
      // A parameter at zero has no relative bias to bound: every column central.
      if (!Number.isFinite(sum)) {
        columns.fill(1);
        return;
      }
      worst = Math.max(worst, sum);
    }
    if (worst <= BIAS_TOL) return;
    let pick = -1;
    let largest = -1;
    for (let b = 0; b < n; b++) {
      if (columns[ipvt[b]]) continue;
      let top = 0;
      for (let a = 0; a < n; a++) top = Math.max(top, terms[a + b * n]);
      if (top > largest) {
        largest = top;
        pick = b;
      }
    }
    if (pick < 0) return;
    columns[ipvt[pick]] = 1;
  }
}

/** The central phase begins: the columns it differences centrally chosen from the last {@link forwardBias}. */
export function beginCentral(s: LmState): void {
  s.central = true;
  chooseCentralColumns(s);
}
