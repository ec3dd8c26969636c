/**
 * A one-evaluation line search on accepted steps whose interpolated minimiser lies far from the
 * step's end and whose trial did not beat the Gauss–Newton model's prediction by much (see
 * EXTEND_RATIO_MAX), or, after a Gauss–Newton step that turns back on the last one, short of it.
 *
 * Line search along the accepted step s by quadratic interpolation (Nocedal & Wright, Numerical
 * Optimization, 2nd ed. 2006, §3.5): φ(α) = ‖f(x + αs)‖² through φ(0), φ'(0) = 2 fᵀJs and φ(1).
 * Where the Gauss–Newton model is exact the minimiser is α = 1. Beyond it, the iteration creeps
 * along a valley. Short of it after a full Gauss–Newton step, the iteration oscillates: near a
 * large-residual optimum it converges only linearly, e_{k+1} ≈ −(JᵀJ)⁻¹S e_k with S the
 * residuals' curvature term, and α* = 1/(1 − ρ) removes the dominant error mode (ENSO:
 * ρ ≈ −0.64, α* ≈ 0.61, 14 central-difference iterations become a few). One evaluation, kept
 * only when lower.
 */
import { againstLast } from "./extrapolation.js";
import type { LmState } from "./state.js";

/** A line-search extension is tried when the interpolated minimiser lies beyond this multiple of the step. */
const EXTEND_MIN = 1.5;
/**
 * ...and only when the trial did not beat the Gauss–Newton model's prediction by more than this
 * factor (its ratio of actual to predicted reduction of ‖f‖² at most this). Beyond it the parabola
 * through φ(0), φ'(0) and φ(1) is flatter than the model and puts the minimiser far out (α from 6
 * to 100 on Chwirut's first steps), where the residuals' own curvature, not the parabola, decides:
 * on the NIST runs and Brown–Dennis (test/fit/lm-held-out.test.ts), extensions after a ratio above
 * this lowered ‖f‖ 9 times in 32, those after one below 98 times in 177. Leaving them out spares
 * from 1 to 61 evaluations on 8 NIST runs and costs 2 on one (Nelson from start 1). (Extensions
 * after ratios well below 1 fail as often on the NIST runs but carry Brown–Dennis along its valley.)
 */
const EXTEND_RATIO_MAX = 1.01;
/** Longest extension, in multiples of the accepted step. */
export const EXTEND_MAX = 8;
/** Below this relative reduction the sum of squares is too near its rounding floor to interpolate. */
const EXTEND_SIGNIFICANT = 1e-12;
/** A shortened step is tried when the interpolated minimiser lies in [SHORTEN_MIN, SHORTEN_MAX]. */
const SHORTEN_MIN = 0.1;
const SHORTEN_MAX = 0.75;
/**
 * ...and only when the accepted step turns back on the one before it, their cosine (scaled) below
 * minus this. A step short of the line minimiser in the linear regime is ρ times the last one with
 * ρ < 0, so the two are antiparallel; a step along the last one is the quadratic end game or a
 * curved valley, where the line minimiser lies off the path to the optimum and the next
 * Gauss–Newton step from the unshortened point goes further (on the NIST runs, shortening
 * regardless of direction costs evaluations on 10 runs, Misra1a from start 1 3 and ENSO from start 2
 * 40, and saves them on none; any threshold from 0.8 to 0.95 loses on no run).
 */
const SHORTEN_COS = 0.9;

/** Whether the step just taken (`wa`) points back against the last accepted one within SHORTEN_COS. */
function turnsBack(s: LmState): boolean {
  const against = againstLast(s, s.wa, 1);
  return against !== undefined && against.cos < -SHORTEN_COS;
}

/**
 * After the step to the trial point is accepted: whether the line search evaluates a point along
 * it, which it writes into `xext` (the minimiser it interpolates, capped at EXTEND_MAX steps),
 * when that lies inside the box.
 */
export function extensionPoint(s: LmState): boolean {
  if (!(s.extend && s.actred > EXTEND_SIGNIFICANT)) return false;
  const { n, x, wa, qtf, wa3, lower, upper, xext, fnorm, fnorm1 } = s;
  let ftjs = 0;
  for (let i = 0; i < n; i++) ftjs += qtf[i] * wa3[i];
  const phi0 = fnorm * fnorm;
  const g = 2 * ftjs;
  const c = fnorm1 * fnorm1 - phi0 - g;
  const alpha = c > 0 && g < 0 ? -g / (2 * c) : 0;
  if (!(
    (alpha > EXTEND_MIN && s.ratio <= EXTEND_RATIO_MAX) ||
    (s.par === 0 && alpha > SHORTEN_MIN && alpha < SHORTEN_MAX && turnsBack(s))
  ))
    return false;
  const a = Math.min(alpha, EXTEND_MAX);
  let inside = true;
  for (let j = 0; j < n; j++) {
    const v = x[j] + a * wa[j];
    if (!(v >= lower[j] && v <= upper[j])) inside = false;
    xext[j] = v;
  }
  return inside;
}

/** The line search's point evaluated (‖f‖ there `fnormExt`): it replaces the trial point when lower; returns ‖f‖ at the point taken. */
export function extensionTaken(s: LmState, fnormExt: number): number {
  s.spent.lineSearch++;
  if (fnormExt < s.fnorm1) {
    s.xtrial.set(s.xext);
    s.ftrial.set(s.fext);
    return fnormExt;
  }
  return s.fnorm1;
}
