/**
 * The trust region of radius Δ in the norm scaled by the Jacobian's column norms (MINPACK's D,
 * adaptively increased), and Δ updated from the ratio of actual to predicted reduction.
 */
import { norm2 } from "../../linalg/qr.js";
import type { LmState } from "./state.js";

/** The first iteration's scaling (the column norms, 1 for a zero column) and radius (`factor` times ‖D x‖, or `factor`). */
export function initialScaling(s: LmState): void {
  const { n, x, diag, acnorm, wa3 } = s;
  for (let j = 0; j < n; j++) diag[j] = acnorm[j] !== 0 ? acnorm[j] : 1;
  for (let j = 0; j < n; j++) wa3[j] = diag[j] * x[j];
  s.xnorm = norm2(wa3, 0, n);
  s.delta = s.factor * s.xnorm;
  if (s.delta === 0) s.delta = s.factor;
}

/**
 * The scaling grows with the column norms of measured Jacobians only: a secant update's error
 * would inflate it for good and shrink every later step.
 */
export function growScaling(s: LmState): void {
  const { n, diag, acnorm } = s;
  for (let j = 0; j < n; j++) diag[j] = Math.max(diag[j], acnorm[j]);
}

/** The trust region's radius after a refused step of scaled length `stepNorm`, shrunk by `temp`. */
export function shrunkRadius(temp: number, radius: number, stepNorm: number): number {
  return temp * Math.min(radius, stepNorm / 0.1);
}

/** Δ and λ after the ratio test of the step just tried (MINPACK's update). */
export function updateRadius(s: LmState): void {
  const { ratio, actred, dirder, fnorm1 } = s;
  if (ratio <= 0.25) {
    let temp = actred >= 0 ? 0.5 : (0.5 * dirder) / (dirder + 0.5 * actred);
    if (0.1 * fnorm1 >= s.fnorm || temp < 0.1 || !Number.isFinite(temp)) temp = 0.1;
    s.delta = shrunkRadius(temp, s.delta, s.pnorm);
    s.par /= temp;
  } else if (s.par === 0 || ratio >= 0.75) {
    s.delta = s.pnorm / 0.5;
    s.par *= 0.5;
  }
}
