/**
 * Gauss–Newton steps that converge linearly along one direction scaled by 1/(1 − ρ) to land near
 * their limit (see {@link extrapolate}), and the last accepted step they are compared with.
 */
import type { LmState } from "./state.js";

/**
 * Extrapolation of linearly converging Gauss–Newton steps (see `extrapolate`) needs consecutive
 * steps parallel within this cosine: one error mode dominates only then, and e_{k+1} ≈ ρ e_k holds.
 * (At 0.95 the extrapolation also fired on steps turning along a curved valley, and cost more
 * evaluations than it saved on the NIST runs.)
 */
const EXTRAPOLATE_COS = 0.999;
/** ...and a rate of at least this size: the steps left after a faster one sum to little. */
const EXTRAPOLATE_RATE_MIN = 0.2;
/**
 * ...and at most this: the factor 1/(1 − ρ) stays below 2, where the Gauss–Newton model, which
 * predicts the reduction α(2 − α) times that of the plain step, still predicts one, so the ratio
 * test judges the trial as usual. Oscillating steps (ρ < 0) are taken down to ρ = −0.9 (factor
 * 0.53); nearer −1 the rate is too uncertain for the factor to land near the limit.
 */
const EXTRAPOLATE_RATE_MAX = 0.5;

/**
 * The scaled step `sign`·diag·`step` against the last accepted one (`lastStep`): its length along
 * it in units of it (ρ) and the cosine between the two; undefined when either is zero.
 */
export function againstLast(s: LmState, step: Float64Array, sign: number): { rho: number; cos: number } | undefined {
  const { n, diag, lastStep } = s;
  let vs = 0;
  let ss = 0;
  let vv = 0;
  for (let j = 0; j < n; j++) {
    const v = sign * diag[j] * step[j];
    vs += v * lastStep[j];
    ss += lastStep[j] * lastStep[j];
    vv += v * v;
  }
  if (!(ss > 0 && vv > 0)) return undefined;
  return { rho: vs / ss, cos: vs / Math.sqrt(ss * vv) };
}

/**
 * Where Gauss–Newton steps converge linearly (large residuals: e_{k+1} ≈ ρ e_k in one dominant
 * mode), each step is ρ times the one before along the same direction, and it and the steps left
 * sum to 1/(1 − ρ) of it (Aitken's extrapolation, taken on the step not yet evaluated: no
 * evaluation of its own). The step in `step` is scaled by that factor when it is parallel to the
 * last accepted one within EXTRAPOLATE_COS and ρ lies in the range where it pays (see the
 * constants). True when it was.
 */
export function extrapolate(s: LmState): boolean {
  const against = againstLast(s, s.step, -1);
  if (against === undefined) return false;
  const { rho, cos } = against;
  if (Math.abs(cos) < EXTRAPOLATE_COS || Math.abs(rho) < EXTRAPOLATE_RATE_MIN || rho > EXTRAPOLATE_RATE_MAX || rho < -0.9)
    return false;
  s.extrapolatedRate = rho;
  const alpha = 1 / (1 - rho);
  const { n, step } = s;
  for (let j = 0; j < n; j++) step[j] *= alpha;
  return true;
}

/**
 * The accepted step (from x to the trial point, `fnormNew` the ‖f‖ there) remembered for the next
 * extrapolation: scaled, and whether it was a plain Gauss–Newton step. After an extrapolated step,
 * which removed the dominant error mode, the next step's size says little of the rate: the
 * stopping tests take the rate the steps showed before it.
 */
export function rememberStep(s: LmState, fnormNew: number): void {
  const { n, diag, xtrial, x, lastStep } = s;
  for (let j = 0; j < n; j++) lastStep[j] = diag[j] * (xtrial[j] - x[j]);
  s.lastPlain = s.stepPar === 0 && !s.clipped && fnormNew === s.fnorm1;
  if (s.extrapolated) {
    s.prevWorst = 0;
    s.switchRate = Math.abs(s.extrapolatedRate);
  }
}
