/**
 * The LM iteration, of MINPACK quality: J. J. Moré, "The Levenberg–Marquardt algorithm:
 * implementation and theory", Numerical Analysis (Dundee 1977), Lecture Notes in Mathematics 630,
 * Springer 1978, pp. 105–116 — a trust region of radius Δ in the norm scaled by the Jacobian's
 * column norms (adaptively increased, `trust-region.ts`), the step from a column-pivoted QR of J
 * (`factor.ts`) and the Moré–Hebden iteration on the LM parameter (`step.ts`), Δ updated from the
 * ratio of actual to predicted reduction (`trial.ts`), and the stopping tests of MINPACK's
 * LMDIF/LMDER (`stopping.ts`).
 *
 * Additions, each in its file: an analytic Jacobian when the problem gives one, else finite
 * differences (`jacobian.ts`), forward, and central near the optimum only where the forward
 * differences' error could move it by more than 5e-7 relative (`forward-bias.ts`), or a forward
 * Jacobian corrected along the one direction that error moves it most (`bias-direction.ts`);
 * the step test (`step-test.ts`); the polish (`polish.ts`); the extrapolation of linearly
 * converging steps (`extrapolation.ts`); bounds by an active set and projection (`factor.ts`,
 * `box.ts`); the line search (`line-search.ts`); secant updates on long runs (`secant.ts`); walls
 * of non-finite regions (`walls.ts`); the error bars from the last Jacobian (`error-bars.ts`); on
 * several workers, rounds that also evaluate what the iteration will ask next (`foresight.ts`,
 * `speculation.ts`); the stop of a drifting start (`drift.ts`). The run's state is an
 * {@link LmState} (`state.ts`).
 */
import type { MethodContext } from "../../methods.js";
import type { PopulationEvaluator } from "../../samplers/evaluator.js";
import type { Problem } from "../../types.js";
import { factorJacobian, scaledGradientNorm } from "./factor.js";
import { speculatedNorm, speculatedTrialNorm, jacobianAhead } from "./foresight.js";
import { jacobian, jacobianBatched } from "./jacobian.js";
import { extensionPoint, extensionTaken } from "./line-search.js";
import { finish, notFiniteAtStart } from "./outcome.js";
import { polishOrCentral } from "./polish.js";
import { residualNorm } from "./residuals.js";
import { broydenUpdate, secantDue, secantUpdates } from "./secant.js";
import { evaluateStart } from "./start.js";
import { LmState } from "./state.js";
import { afterTrial } from "./stopping.js";
import { acceptStep, judgeTrial, lmStep, repeatsRejected, trialPoint } from "./trial.js";
import { growScaling, initialScaling } from "./trust-region.js";
import type { LmOptions, LmOutcome } from "./types.js";

/** The LM iteration; `choose` picks where the finite differences are evaluated, given the cost of the first evaluation. */
export async function lmRun(
  problem: Problem,
  options: LmOptions,
  context: MethodContext | undefined,
  choose: (startMs: number) => Promise<PopulationEvaluator | undefined>,
): Promise<LmOutcome> {
  const s = new LmState(problem, options, context);
  if (!(await evaluateStart(s, choose))) return notFiniteAtStart(s);
  s.broyden = secantUpdates(s, options);
  const { n } = s;
  outer: for (;;) {
    s.iterations++;
    const update = secantDue(s) ? s.broyden : undefined;
    s.secant = update !== undefined;
    if (update !== undefined) {
      broydenUpdate(s, update);
      s.fjac.set(update.jcur);
    } else {
      s.needFull = false;
      // Only a Jacobian of forward columns alone teaches the curvature (see curvature.ts).
      const forwardOnly = !s.central && !s.forwardKept && !s.analyticUsed;
      const jacobianStart = performance.now();
      s.unusableColumns = s.batch ? await jacobianBatched(s, s.batch) : jacobian(s);
      s.jacobianMs += performance.now() - jacobianStart;
      s.spent.jacobians++;
      if (s.unusableColumns === n) {
        s.info = 11;
        break;
      }
      s.keepAccurate = s.unusableColumns === 0;
      // Beside a region where the model is not finite its curvature changes abruptly: the
      // textbook steps from then on (a wall test in non-finite.test.ts).
      if (s.nonFinite.count > 0) s.curvature.forget();
      else if (forwardOnly && s.keepAccurate) s.curvature.learn(s.x, s.fjac, s.fvec, s.lastReduction, s.lastRate);
      else s.curvature.breakPair();
      if (s.keepAccurate) {
        s.jkeep.set(s.fjac);
        s.jkeepAt.set(s.x);
      }
      s.broyden?.jcur.set(s.fjac);
    }
    if (s.broyden) {
      s.broyden.from.set(s.x);
      s.broyden.residuals.set(s.fvec);
    }
    factorJacobian(s);
    if (s.iter === 1) initialScaling(s);
    s.gnorm = scaledGradientNorm(s);
    if (s.gnorm <= s.gtol) {
      if (s.secant) {
        s.needFull = true;
        continue;
      }
      s.info = 4;
      break;
    }
    if (!s.secant) growScaling(s);

    for (;;) {
      if (!lmStep(s)) break outer;
      trialPoint(s);
      const polished = polishOrCentral(s);
      if (polished === "stop") break outer;
      if (polished === "remeasure") continue outer;
      const repeated = repeatsRejected(s);
      const fnorm1: number = repeated
        ? s.rejectedNorm
        : s.foresight
          ? await speculatedTrialNorm(s, s.foresight)
          : residualNorm(s, s.xtrial, s.ftrial);
      judgeTrial(s, fnorm1, repeated);
      s.stepStop = false;
      if (s.ratio >= 1e-4) {
        s.lastReduction = s.actred;
        let fnormNew = fnorm1;
        if (extensionPoint(s)) {
          const fnormExt = s.foresight
            ? await speculatedNorm(s, s.foresight, s.xext, s.fext, jacobianAhead(s, s.foresight, s.xext))
            : residualNorm(s, s.xext, s.fext);
          fnormNew = extensionTaken(s, fnormExt);
        }
        acceptStep(s, fnormNew);
      }
      const next = afterTrial(s);
      if (next === "stop") break outer;
      if (next === "measure") break;
    }
    if (context) {
      const { spent } = s;
      const jacobianEvaluations = spent.forward + spent.central + spent.analytic;
      const all = jacobianEvaluations + spent.start + spent.trials + spent.lineSearch + spent.walls;
      // The share of the time tells whether spreading the Jacobian over workers pays: with an
      // expensive model it follows the share of the evaluations, with a cheap one it does not.
      const timeShare = Math.round((100 * s.jacobianMs) / Math.max(performance.now() - s.t0, 1e-9));
      context.status?.(`Jacobians ${Math.round((100 * jacobianEvaluations) / all)}% of them, ${timeShare}% of the time`);
      if (!context.report(s.iterations, s.x, 0.5 * s.fnorm * s.fnorm)) {
        s.info = 0;
        break;
      }
      await context.breathe();
      if (context.stopped()) {
        s.info = 0;
        break;
      }
    }
  }
  return finish(s);
}
