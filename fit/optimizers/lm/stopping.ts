/**
 * The tests after each trial: the step test (see `step-test.ts`), MINPACK's stopping tests of
 * LMDIF/LMDER in its order, a failed step at the rounding floor of the sum of squares, and on
 * forward differences (diff "auto") the switches to central ones where their error could move the
 * answer; on secant Jacobians, a test that fires calls for measured ones instead (see `secant.ts`).
 */
import { holdWalls } from "./walls.js";
import { beginCentral, BIAS_TOL, forwardBias, SWITCH_REDUCTION } from "./forward-bias.js";
import type { LmState, Next } from "./state.js";

/**
 * A full Gauss–Newton step on a forward-difference Jacobian refused while predicting a relative
 * reduction of ‖f‖² of at most this, where the forward differences' error could move the optimum
 * beyond BIAS_TOL, ends the forward phase: the step is as long as that error's effect, and
 * shrinking the trust region around the same Jacobian only probes it (Lanczos2 from start 2 spent
 * 29 evaluations so before the floor test stopped it).
 */
const BIAS_REFUSAL = 1e-7;
/** A failed step whose predicted and actual relative reductions of ‖f‖² are both below this ends the run (see code 14). */
const FLOOR_FTOL = 1e-8;
/** ...when it changes no parameter by more than this (relative). */
const FLOOR_STEP = 1e-6;

/** MINPACK's convergence tests on the step just tried (in its order), with the rounding floor's (14); 0 when none passes. */
function convergenceCode(s: LmState): number {
  const { actred, prered, ratio, ftol } = s;
  let code = 0;
  if (Math.abs(actred) <= ftol && prered <= ftol && 0.5 * ratio <= 1) code = 1;
  // A full Gauss–Newton step that fails where it predicts, and the trial finds, no more than
  // FLOOR_FTOL relative reduction, and that changes no parameter beyond the digits a fit
  // reports: the sum of squares is at its rounding floor, and shorter steps would only probe
  // the rounding. (MINPACK's ftol test stops on any such step, also on steps creeping along
  // a flat valley far from the optimum.)
  if (code === 0 && s.stepPar === 0 && ratio < 1e-4 && Math.abs(actred) <= FLOOR_FTOL && prered <= FLOOR_FTOL) {
    const { n, wa, x } = s;
    let largest = 0;
    for (let j = 0; j < n; j++) if (wa[j] !== 0) largest = Math.max(largest, Math.abs(wa[j] / x[j]));
    if (largest <= FLOOR_STEP) code = 14;
  }
  if (s.delta <= s.xtol * s.xnorm) code = code === 1 ? 3 : 2;
  if (code === 0) {
    const EPS = Number.EPSILON;
    if (s.iterations >= s.maxIter) code = 5;
    else if (Math.abs(actred) <= EPS && prered <= EPS && 0.5 * ratio <= 1) code = 6;
    else if (s.delta <= EPS * s.xnorm) code = 7;
    else if (s.gnorm <= EPS) code = 8;
    // The whole step was cut by the bounds with nothing to gain inside: a bound optimum.
    else if (s.pnorm === 0 && s.clipped) code = 4;
  }
  return code;
}

/** What follows the trial just judged (and, when accepted, taken): see {@link Next}. */
export function afterTrial(s: LmState): Next {
  // A stopping test passed on a secant Jacobian says only that the secant model is
  // stationary: measure the Jacobian, and keep measuring it to the end.
  if (s.secant && s.stepStop) {
    s.endGame = true;
    return "measure";
  }
  if (s.stepStop) {
    // On forward differences, stop only where their error cannot move the answer.
    if (s.auto && !s.central && forwardBias(s) > BIAS_TOL) {
      beginCentral(s);
      s.prevWorst = 0;
      // The first central step removes the forward differences' bias, so its size says
      // nothing of the convergence; the rate the forward steps showed is the iteration's
      // (it depends on the problem at the optimum, not on how J was differenced), and what
      // the central step leaves to go follows from it.
      s.switchRate = s.lastRate;
      return "measure";
    }
    s.info = 12;
    return "stop";
  }
  let code = convergenceCode(s);
  if (s.secant && code !== 0 && code !== 5) {
    s.endGame = true;
    return "measure";
  }
  // A trust region that collapsed on steps into a non-finite region is no convergence.
  if ((code === 2 || code === 3 || code === 7) && s.lastTrialNonFinite) {
    code = 10;
    if (holdWalls(s)) return "measure";
  }
  const { ratio } = s;
  // A refused Gauss–Newton step that predicted no more reduction than the forward differences'
  // error can explain: central differences from here, at the same point (see BIAS_REFUSAL).
  if (
    code === 0 &&
    s.auto &&
    !s.central &&
    !s.secant &&
    ratio < 1e-4 &&
    s.stepPar === 0 &&
    s.prered <= BIAS_REFUSAL &&
    forwardBias(s) > BIAS_TOL
  ) {
    beginCentral(s);
    return "measure";
  }
  if (code !== 0 && code !== 5 && code !== 10 && s.auto && !s.central && forwardBias(s) > BIAS_TOL) {
    // Converged on forward differences whose O(√ε) Jacobian error could move the stationary
    // point beyond BIAS_TOL: continue on central differences with a fresh trust region.
    beginCentral(s);
    // A trust region shrunk to the xtol scale would stop the central phase at once.
    if (code === 2 || code === 3 || code === 7) {
      s.par = 0;
      s.delta = Math.max(s.delta, s.factor * s.xnorm) || s.factor;
    }
    return "measure";
  }
  if (code !== 0) {
    s.info = code;
    return "stop";
  }
  if (s.auto && !s.central && ratio >= 1e-4 && s.actred < SWITCH_REDUCTION && forwardBias(s) > BIAS_TOL) {
    // Nearly converged where the forward differences' error matters: central differences
    // from here. A radius shrunk below the scale
    // the forward differences resolve (O(√ε) relative) was shrunk by their error, not by
    // nonlinearity, and would leave the central phase no room (Lanczos3 from start 1).
    beginCentral(s);
    if (s.delta < 1e-6 * s.xnorm) {
      s.par = 0;
      s.delta = s.factor * s.xnorm || s.factor;
    }
  }
  // A refused step on a secant Jacobian may be the update's error, not the trust region's
  // size: measure the Jacobian before shrinking further.
  if (s.secant && ratio < 1e-4) {
    s.needFull = true;
    return "measure";
  }
  if (ratio >= 1e-4) {
    s.drifted = s.drift.accepted(s.x, s.fnorm * s.fnorm, s.held);
    if (s.drifted >= 0) {
      s.info = 13;
      return "stop";
    }
    return "measure";
  }
  return "retry";
}
