/**
 * The polish: a stop before evaluating a trial point when the Gauss–Newton step from the Jacobian
 * just measured lands within the step test's tolerance of the optimum. That step is taken
 * unevaluated, its residuals as the Jacobian predicts them (where central differences are due
 * there, they begin at that point instead, the forward Jacobian serving the columns that stay
 * forward), as is the Gauss–Newton step from a Jacobian measured at the end for the error bars
 * (`closingPolish`).
 */
import { jacobianStillValid } from "../../covariance.js";
import { norm2 } from "../../linalg/qr.js";
import { firstNonFinite } from "../../non-finite.js";
import { project } from "./box.js";
import { COVARIANCE_REUSE } from "./error-bars.js";
import { factorJacobian } from "./factor.js";
import { beginCentral, BIAS_TOL, forwardBias } from "./forward-bias.js";
import type { LmState, Next } from "./state.js";
import { largestRelative, STEP_TOL, stepRate, trustedRate } from "./step-test.js";
import { lmParameter } from "./step.js";

/**
 * A last Gauss–Newton step taken unevaluated (see `polish`) may reduce ‖f‖² by at most this
 * fraction: the sum of squares it predicts, which scales the error bars, is then exact to the
 * model's curvature over a step that small (on the NIST runs to 8 digits or more). Not
 * STEP_SETTLED, which a stop that drops the step needs: taken, the step's reduction is in the sum
 * (Lanczos2 from start 2 ends 23 evaluations sooner). Without a bound, Lanczos1 from start 2,
 * whose residuals vanish at the optimum so that its sum of squares is rounding, ends 14
 * evaluations sooner with error bars good to 5.6 digits instead of 7.3.
 */
const POLISH_SETTLED = 1e-3;

/**
 * Whether the Gauss–Newton step in `wa` (from a measured Jacobian, not yet evaluated) ends the
 * run as a polish (see {@link polish}): taken, it leaves the point as near the optimum as the step
 * test asks after an accepted step (the steps shrinking by ρ per iteration, those after it sum to
 * about ρ/(1 − ρ) of it), it is short enough for the Jacobian just measured to serve the error
 * bars at its end (COVARIANCE_REUSE), and its predicted reduction of ‖f‖² is at most
 * POLISH_SETTLED. Ending here spares the trial point's evaluation, and the Jacobian the step test
 * would measure after it to see the next step small.
 */
function polishEnds(s: LmState): boolean {
  const { n, x, wa, r, ipvt } = s;
  const next = largestRelative(s, (j) => wa[j], x);
  const rho = trustedRate(s, stepRate(s, next));
  if (!(rho < 0.9) || !jacobianStillValid(x, s.xtrial, COVARIANCE_REUSE) || (next * rho) / (1 - rho) > STEP_TOL) return false;
  // ‖J·step‖ through the factorization (R Pᵀ step), relative to ‖f‖.
  let jsq = 0;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = i; j < n; j++) sum += r[i + j * n] * wa[ipvt[j]];
    jsq += sum * sum;
  }
  return jsq <= POLISH_SETTLED * s.fnorm * s.fnorm;
}

/**
 * Ends the run at the trial point `xtrial` (the step `wa` from x, inside the box) without
 * evaluating it: a last Gauss–Newton step on the Jacobian just measured at x (kept in jkeep),
 * which also serves the error bars there. Its residuals are the Jacobian's prediction f + J·wa,
 * exact but for the model's curvature over the step: a relative error of order ‖wa‖ times the
 * step's share of f, which steps this short (COVARIANCE_REUSE) keep far below the digits a sum
 * of squares is read to, but not below a finite difference's step: the run ends here, and the
 * error bars take the Jacobian at x, valid at the step's end by the same test they apply
 * (`jacobianStillValid`).
 */
function polish(s: LmState): void {
  const { m, n, fvec, jkeep, wa } = s;
  for (let i = 0; i < m; i++) {
    let v = fvec[i];
    for (let j = 0; j < n; j++) v += jkeep[i + j * m] * wa[j];
    fvec[i] = v;
  }
  s.x.set(s.xtrial);
  s.fnorm = norm2(fvec, 0, m);
}

/**
 * Before evaluating the trial point of a plain Gauss–Newton step on a measured Jacobian: when the
 * step lands within the step test's tolerance of the optimum, it is taken unevaluated and ends the
 * run (`stop`), the Jacobian measured here serving the error bars. Where the forward differences'
 * error could move the answer beyond BIAS_TOL, central differences begin instead, at this point
 * (`remeasure`), where the forward Jacobian serves the columns that stay forward (see
 * `chooseCentralColumns`) or is corrected along the direction of largest bias (see
 * `biasDirection`); its step is judged at the rate the forward steps showed: the central Jacobian
 * moves the point the forward steps converge to, not how fast they converge. Undefined: the
 * trial point is evaluated.
 */
export function polishOrCentral(s: LmState): Next | undefined {
  if (s.secant || s.stepPar !== 0 || s.clipped || s.rejected || !s.keepAccurate || !polishEnds(s)) return undefined;
  if (!(s.auto && !s.central && !s.analyticUsed && forwardBias(s) > BIAS_TOL)) {
    polish(s);
    s.info = 12;
    return "stop";
  }
  const wa = s.wa;
  s.switchRate = stepRate(
    s,
    largestRelative(s, (j) => wa[j], s.x),
  );
  s.prevWorst = 0;
  beginCentral(s);
  s.forwardKept = true;
  return "remeasure";
}

/**
 * At the end, after the Jacobian measured at x for the error bars (in fjac and jkeep): its
 * Gauss–Newton step taken as a polish (see {@link polish}) when it stays inside the box and
 * within COVARIANCE_REUSE of x, where that Jacobian still serves the error bars. The run
 * stopped because the steps became negligible, so this one is too, and it costs nothing.
 */
export function closingPolish(s: LmState): void {
  factorJacobian(s);
  lmParameter(s.n, s.r, s.ipvt, s.diag, s.qtf, Infinity, 0, s.step, s.work);
  if (firstNonFinite(s.step) >= 0) return;
  if (project(s, s.step, s.xtrial, s.wa, s.wa3) || !jacobianStillValid(s.x, s.xtrial, COVARIANCE_REUSE)) return;
  polish(s);
}
