/**
 * What the iteration will probably ask for next, offered to the speculation's rounds on several
 * workers (see `speculation.ts`): the Jacobian's points at a trial point, the line search's
 * longest extension, the next trial point after a refusal, the central phase's points. A wrong
 * foresight costs only idle places; the values are the serial run's whatever is foreseen.
 */
import { firstNonFinite } from "../../non-finite.js";
import { biasDirection, pairPays } from "./bias-direction.js";
import { project } from "./box.js";
import { jacobianPoints } from "./differences.js";
import { jacobianTimes } from "./factor.js";
import { BIAS_TOL, chooseCentralColumns, forwardBias, SWITCH_REDUCTION } from "./forward-bias.js";
import { EXTEND_MAX } from "./line-search.js";
import { normOf } from "./residuals.js";
import { secantNext } from "./secant.js";
import type { AheadOfNeed, LmSpeculation } from "./speculation.js";
import type { LmState } from "./state.js";
import { STEP_SETTLED } from "./step-test.js";
import { lmParameter, LmStepWork } from "./step.js";
import { shrunkRadius } from "./trust-region.js";

/**
 * On several workers, a trial point predicted to reduce ‖f‖² by less than SWITCH_REDUCTION, after
 * an accepted step that reduced it by at most this fraction, is the forward phase's end: its round
 * evaluates the central Jacobian's points there before the forward one's (see `trialAhead`). Early
 * steps in a tiny trust region are predicted to reduce as little and are followed by larger ones.
 */
const ENDING_REDUCTION = 1e-8;

/** The speculation's rounds and the workspaces of the points they foresee (apart from the iteration's own). */
export class Foresight {
  /** The finite differences' points of a Jacobian at a point the iteration may move to, with their kinds, steps and first rows. */
  readonly aheadPoints: Float64Array;
  readonly aheadKind: Int8Array;
  readonly aheadStep: Float64Array;
  readonly aheadFirst: Int32Array;
  /** The pair of points of a correction along the bias direction at such a point. */
  readonly aheadPlus: Float64Array;
  readonly aheadMinus: Float64Array;
  /** The columns a switch to central differences would choose there, and the bias terms they come from. */
  readonly aheadColumns: Uint8Array;
  readonly aheadTerms: Float64Array;
  /** The next trial point after a refusal: its step, point, step taken, scaled step and the solver's scratch. */
  readonly nextStep: Float64Array;
  readonly nextX: Float64Array;
  readonly nextActual: Float64Array;
  readonly nextScaled: Float64Array;
  readonly nextWork: LmStepWork;
  /** The line search's longest extension (see {@link longestExtension}). */
  readonly longestAt: Float64Array;
  /** J times the trial step, for its predicted reduction. */
  readonly jsAhead: Float64Array;

  /** For `n` parameters. */
  constructor(
    readonly speculation: LmSpeculation,
    n: number,
  ) {
    this.aheadPoints = new Float64Array(2 * n * n);
    this.aheadKind = new Int8Array(n);
    this.aheadStep = new Float64Array(2 * n);
    this.aheadFirst = new Int32Array(n);
    this.aheadPlus = new Float64Array(n);
    this.aheadMinus = new Float64Array(n);
    this.aheadColumns = new Uint8Array(n);
    this.aheadTerms = new Float64Array(n * n);
    this.nextStep = new Float64Array(n);
    this.nextX = new Float64Array(n);
    this.nextActual = new Float64Array(n);
    this.nextScaled = new Float64Array(n);
    this.nextWork = new LmStepWork(n);
    this.longestAt = new Float64Array(n);
    this.jsAhead = new Float64Array(n);
  }
}

/** The residuals at `at` into `out` and their norm (see `residualNorm`), through the speculation's rounds. */
export async function speculatedNorm(
  s: LmState,
  f: Foresight,
  at: Float64Array,
  out: Float64Array,
  ahead: AheadOfNeed,
): Promise<number> {
  await f.speculation.residuals(at, 1, out, ahead);
  return normOf(s, at, out);
}

/** The trial point's ‖f‖ (see {@link speculatedNorm}), its round filled with what {@link trialAhead} foresees. */
export function speculatedTrialNorm(s: LmState, f: Foresight): Promise<number> {
  const predicted = (jacobianTimes(s, s.wa, f.jsAhead) / s.fnorm) ** 2;
  return speculatedNorm(s, f, s.xtrial, s.ftrial, trialAhead(s, f, s.xtrial, s.pnorm, predicted));
}

/**
 * Offers the finite differences' points of a Jacobian at `at` (central in `columns`, see
 * `jacobianPoints`); false when `offer` refused one (the round is full).
 */
function offerJacobianPoints(
  s: LmState,
  f: Foresight,
  at: Float64Array,
  offer: (point: Float64Array) => boolean,
  columns: Uint8Array | undefined = s.columnsInUse(),
): boolean {
  const n = s.n;
  const count = jacobianPoints(s, at, f.aheadPoints, f.aheadKind, f.aheadStep, f.aheadFirst, columns);
  for (let k = 0; k < count; k++) if (!offer(f.aheadPoints.subarray(k * n, k * n + n))) return false;
  return true;
}

/**
 * What the iteration asks for after evaluating `at` when it moves there: the Jacobian's points
 * at `at` (none when the last Jacobian was the problem's analytic one: the next will be too; none
 * when the next is a secant update), in the central phase with the pair that corrects it along
 * the direction of largest bias (see `biasDirection`; the factorization it is found from is
 * the one the Jacobian at `at` will find it from).
 */
export function jacobianAhead(s: LmState, f: Foresight, at: Float64Array): AheadOfNeed {
  return (offer) => {
    if (s.analyticUsed || secantNext(s)) return;
    if (!offerJacobianPoints(s, f, at, offer) || !s.central || !s.directional) return;
    if (biasDirection(s, at, f.aheadPlus, f.aheadMinus) && offer(f.aheadPlus)) offer(f.aheadMinus);
  };
}

/**
 * What the iteration asks for when the forward phase ends on moving to `at` (the tests that switch
 * to central differences there, after a step that reduces ‖f‖² by little): the central Jacobian's
 * points at `at` beyond the forward Jacobian's there (offered already): the pair that corrects it
 * along the direction of largest bias, or where that direction does not serve, the columns
 * `chooseCentralColumns` picks from the bias bound there (with ‖f‖ the iteration's, which
 * such a step hardly changes). A wrong foresight costs only idle places.
 */
function centralAhead(s: LmState, f: Foresight, at: Float64Array): AheadOfNeed {
  return (offer) => {
    if (!s.auto || s.central || s.analyticUsed) return;
    if (!(forwardBias(s, at, s.fnorm, f.aheadTerms) > BIAS_TOL)) return;
    chooseCentralColumns(s, f.aheadColumns, f.aheadTerms);
    if (s.directional && pairPays(s, f.aheadColumns) && biasDirection(s, at, f.aheadPlus, f.aheadMinus)) {
      if (offer(f.aheadPlus)) offer(f.aheadMinus);
      return;
    }
    offerJacobianPoints(s, f, at, offer, f.aheadColumns);
  };
}

/**
 * What the iteration asks for after evaluating the trial point `at` (scaled step length
 * `stepNorm`): the Jacobian's points there (the step accepted); then the line search's longest
 * extension (see {@link longestExtension}); then, should the step be
 * refused for a sum of squares ten times larger or not finite (the refusals NIST's runs see),
 * the next trial point, from the radius and λ the refusal sets, and the Jacobian's points there;
 * then, when the step is predicted to reduce ‖f‖² by at most the fraction STEP_SETTLED
 * (`predicted`; the tests that end the forward phase ask for less), the central Jacobian's points
 * at `at`, should the forward phase end there (see {@link centralAhead}). Those come after the
 * refusal's (offered first, they displaced points a refusal needed on three NIST runs and gained
 * nothing on the others), except at the forward phase's end (ENDING_REDUCTION), where they come
 * first, before the forward Jacobian's when a round cannot hold both (on the NIST runs: one round
 * fewer on 10, more on none). A refused step on a secant Jacobian is followed by a Jacobian
 * measured where the iteration stands: its points instead. Geodesic acceleration evaluates a
 * probe before each trial point, so its next one is not foreseen.
 */
function trialAhead(s: LmState, f: Foresight, at: Float64Array, stepNorm: number, predicted: number): AheadOfNeed {
  return (offer) => {
    let open = true;
    const keep = (point: Float64Array): boolean => (open = offer(point));
    const ending = predicted < SWITCH_REDUCTION && s.lastReduction <= ENDING_REDUCTION;
    if (ending) centralAhead(s, f, at)(keep);
    if (open) jacobianAhead(s, f, at)(keep);
    // Not on secant iterations, which run where workers are few.
    if (open && !s.secant) longestExtension(s, f, keep);
    if (!open || s.accel) return;
    if (s.secant) {
      offerJacobianPoints(s, f, s.x, offer);
      return;
    }
    refusalAhead(s, f, stepNorm)(keep);
    if (open && !ending && predicted <= STEP_SETTLED) centralAhead(s, f, at)(offer);
  };
}

/**
 * The point the line search evaluates after the step to the trial point (in `wa`) is accepted,
 * when the minimiser it interpolates lies beyond EXTEND_MAX steps (then capped there): the one
 * extension known before the trial's value is. Where it fails, as on most such steps, its own
 * round is spared (on the NIST runs on 8 workers: one or two fewer on five, more on none).
 */
function longestExtension(s: LmState, f: Foresight, offer: (point: Float64Array) => boolean): void {
  if (!s.extend) return;
  const { n, x, wa, lower, upper } = s;
  const longestAt = f.longestAt;
  for (let j = 0; j < n; j++) {
    const v = x[j] + EXTEND_MAX * wa[j];
    if (!(v >= lower[j] && v <= upper[j])) return;
    longestAt[j] = v;
  }
  offer(longestAt);
}

/** The next trial point after a refusal of a step of scaled length `stepNorm` (see {@link trialAhead}), and the Jacobian's points there. */
function refusalAhead(s: LmState, f: Foresight, stepNorm: number): AheadOfNeed {
  return (offer) => {
    const radius = shrunkRadius(0.1, s.delta, stepNorm);
    if (!(radius > 0)) return;
    const next = lmParameter(s.n, s.r, s.ipvt, s.diag, s.qtf, radius, s.par / 0.1, f.nextStep, f.nextWork);
    if (!Number.isFinite(next) || firstNonFinite(f.nextStep) >= 0) return;
    project(s, f.nextStep, f.nextX, f.nextActual, f.nextScaled);
    if (offer(f.nextX)) jacobianAhead(s, f, f.nextX)(offer);
  };
}
