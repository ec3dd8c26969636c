/**
 * The step test: a stop as soon as the Gauss–Newton steps, extrapolated at their rate of
 * convergence, no longer change the answer (`STEP_TOL`), which usually spares the one or two
 * Jacobians MINPACK's tests take to notice (the first central step after forward ones is
 * extrapolated at the forward steps' rate, so one central Jacobian can end the run).
 */
import type { LmState } from "./state.js";

/**
 * A Gauss–Newton step whose change of every parameter, extrapolated over the remaining steps at
 * the observed rate of convergence, stays below this (relative) ends the run: further Jacobians
 * would not move the answer in the digits a fit reports.
 */
export const STEP_TOL = 2e-7;
/**
 * The step test's tolerance on central differences: they converge where the answer is hard to
 * reach (large residuals, ill-conditioning), so the extrapolation is trusted less.
 */
const CENTRAL_STEP_TOL = 3e-8;
/** The step test applies once a step reduces ‖f‖² by at most this fraction: the sum of squares, which scales the error bars, has settled. */
export const STEP_SETTLED = 1e-4;

/**
 * The largest change `change(j)` of a parameter (not held) relative to its value in `base`
 * (a step's start or its end): the step tests' measure of a step.
 */
export function largestRelative(s: LmState, change: (j: number) => number, base: Float64Array): number {
  const { n, held } = s;
  let largest = 0;
  for (let j = 0; j < n; j++) {
    if (held[j]) continue;
    const d = Math.abs(change(j));
    const rel = base[j] !== 0 ? d / Math.abs(base[j]) : d === 0 ? 0 : Infinity;
    if (rel > largest) largest = rel;
  }
  return largest;
}

/**
 * The rate of convergence `rho` a step shows, as the stopping tests trust it: not below the
 * square of the last accepted step's rate where that was below 1, the rate quadratic convergence
 * would give. A step that shrinks faster is a lucky one where the steps converge linearly and
 * unevenly (Thurber from a start near the NIST one: rates 0.67 then 0.03, and an answer of 6.0
 * digits where the next steps were still 0.6 times the last), or the end of a quadratic phase
 * whose next step the forward differences' error lengthens (Chwirut1: 0.02 then 0.13).
 */
export function trustedRate(s: LmState, rho: number): number {
  return Math.max(rho, s.lastRate < 1 ? s.lastRate * s.lastRate : 0);
}

/** The rate of convergence a step of size `next` shows: against the last accepted step's, else the one inherited. */
export function stepRate(s: LmState, next: number): number {
  return s.prevWorst > 0 ? next / s.prevWorst : s.switchRate;
}

/**
 * The step test on the step just accepted (from x to the trial point): whether the steps left,
 * about ρ/(1 − ρ) of it when they shrink by ρ per iteration, change no parameter by more than
 * the tolerance, on a Gauss–Newton step whose reduction of ‖f‖² shows the sum settled. Records
 * the step's size and rate for the next step's test.
 */
export function stepTest(s: LmState): boolean {
  const { x, xtrial } = s;
  // The largest relative change of a parameter in this accepted step.
  const worst = largestRelative(s, (j) => xtrial[j] - x[j], xtrial);
  // Steps shrinking by ρ per iteration leave about ρ/(1 − ρ) of the last one to go.
  const rho = stepRate(s, worst);
  const trusted = trustedRate(s, rho);
  s.lastRate = rho;
  s.switchRate = 1;
  const remaining = trusted < 0.9 ? (worst * trusted) / (1 - trusted) : Infinity;
  const stop = s.stepPar === 0 && remaining <= (s.central ? CENTRAL_STEP_TOL : STEP_TOL) && s.actred <= STEP_SETTLED;
  s.prevWorst = worst;
  return stop;
}
