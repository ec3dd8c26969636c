/**
 * One trial of the iteration: the LM step within the trust region (from the Moré–Hebden
 * iteration on λ, see `step.ts`), accelerated or extrapolated, projected onto the box; after its
 * evaluation the ratio of actual to predicted reduction of ‖f‖², which accepts or refuses it and
 * sets the next radius; an accepted step moves x.
 *
 * Non-finite models: a trial point whose residuals hold NaN or ±Infinity is rejected like any step
 * that does not reduce ‖f‖² (the trust region shrinks).
 */
import { norm2 } from "../../linalg/qr.js";
import { firstNonFinite } from "../../non-finite.js";
import { accelerate } from "./acceleration.js";
import { project } from "./box.js";
import { extrapolate, rememberStep } from "./extrapolation.js";
import { jacobianTimes } from "./factor.js";
import type { LmState } from "./state.js";
import { stepTest } from "./step-test.js";
import { lmParameter } from "./step.js";
import { updateRadius } from "./trust-region.js";

/**
 * The LM step for the current radius into `step`, λ into `par`. False (with `info`) when the step
 * is not finite or the radius is gone: only non-finite input can bring the step there, and the
 * run stops rather than iterate on NaN.
 */
export function lmStep(s: LmState): boolean {
  s.par = lmParameter(s.n, s.r, s.ipvt, s.diag, s.qtf, s.delta, s.par, s.step, s.work);
  s.stepPar = s.par;
  if (!(s.delta > 0) || !Number.isFinite(s.par) || firstNonFinite(s.step) >= 0) {
    s.info = s.lastTrialNonFinite || s.nonFinite.count > 0 ? 10 : 7;
    return false;
  }
  return true;
}

/**
 * The trial point from the step: accelerated (option `accel`) or extrapolated (see
 * `extrapolate`), then x − step projected onto the box (`xtrial`, the step taken in `wa`, scaled in
 * `wa3`, its length in `pnorm`). The first iteration's radius is at most that step's length.
 */
export function trialPoint(s: LmState): void {
  let accelerated = false;
  if (s.accel) accelerated = accelerate(s);
  s.extrapolated = !accelerated && !s.secant && s.stepPar === 0 && s.lastPlain && extrapolate(s);
  // step solves min ‖J p + f‖; the trial point is x − p projected onto the box.
  const boxed = project(s, s.step, s.xtrial, s.wa, s.wa3);
  s.clipped = accelerated || boxed || s.extrapolated;
  s.pnorm = norm2(s.wa3, 0, s.n);
  if (s.iter === 1) s.delta = Math.min(s.delta, s.pnorm);
}

/**
 * Whether the trial point is the one refused last: after a rejection the shrunk trust region may
 * still hold the same (Gauss–Newton) step, whose residuals ftrial still holds.
 */
export function repeatsRejected(s: LmState): boolean {
  const rejectedAt = s.rejectedAt;
  return s.rejected && s.xtrial.every((v, j) => v === rejectedAt[j]);
}

/**
 * The ratio test of the trial point evaluated (‖f‖ there `fnorm1`; `repeated`: the refused one
 * again, not evaluated anew): the actual and predicted reductions (for a projected step,
 * −2 fᵀJs − ‖Js‖²), their ratio, the refusal and the next radius and λ.
 */
export function judgeTrial(s: LmState, fnorm1: number, repeated: boolean): void {
  const { n, qtf, wa, wa3, fnorm } = s;
  s.fnorm1 = fnorm1;
  if (!repeated) s.spent.trials++;
  s.lastTrialNonFinite = fnorm1 === Infinity;
  const actred = 0.1 * fnorm1 < fnorm ? 1 - (fnorm1 / fnorm) ** 2 : -1;
  // J·step through the factorization.
  const t1 = jacobianTimes(s, wa, wa3) / fnorm;
  let prered: number;
  let dirder: number;
  if (!s.clipped) {
    const t2 = (Math.sqrt(s.par) * s.pnorm) / fnorm;
    prered = t1 * t1 + (t2 * t2) / 0.5;
    dirder = -(t1 * t1 + t2 * t2);
  } else {
    // Predicted reduction of the projected step: −2 fᵀJs − ‖Js‖², with fᵀJs = (Qᵀf)·(R Pᵀ s).
    let ftjs = 0;
    for (let i = 0; i < n; i++) ftjs += qtf[i] * wa3[i];
    dirder = ftjs / (fnorm * fnorm);
    prered = -2 * dirder - t1 * t1;
  }
  const ratio = prered !== 0 ? actred / prered : 0;
  s.actred = actred;
  s.prered = prered;
  s.dirder = dirder;
  s.ratio = ratio;
  s.rejected = ratio < 1e-4;
  if (s.rejected) {
    s.rejectedAt.set(s.xtrial);
    s.rejectedNorm = fnorm1;
  }
  updateRadius(s);
}

/** The accepted step (to the trial point, or the line search's point, ‖f‖ there `fnormNew`) taken: the step test, then x moves. */
export function acceptStep(s: LmState, fnormNew: number): void {
  const { n, x, diag, wa3 } = s;
  s.stepStop = stepTest(s);
  rememberStep(s, fnormNew);
  x.set(s.xtrial);
  s.fvec.set(s.ftrial);
  for (let j = 0; j < n; j++) wa3[j] = diag[j] * x[j];
  s.xnorm = norm2(wa3, 0, n);
  s.fnorm = fnormNew;
  s.iter++;
}
