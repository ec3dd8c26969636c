/**
 * How a run ends: its message and whether it converged, the Jacobian measured once more at the
 * optimum for the error bars when the last one is too far (and its polish), and the outcome. The
 * residuals at the optimum are returned (evaluated, or predicted by the polish), from which the
 * result reads the nllf where the problem can (no evaluation either); the outcome says where the
 * evaluations went (`spent`). When no step from the start could be taken at all (the model not
 * finite wherever one leads) the run throws a {@link NonFiniteError}.
 */
import { nothingFinite, rejectedNote } from "../../non-finite.js";
import { DRIFT_GAIN, DRIFT_STEPS } from "./drift.js";
import { closingJacobianDue, jacobianForErrorBars } from "./error-bars.js";
import { jacobian, jacobianBatched } from "./jacobian.js";
import { closingPolish } from "./polish.js";
import type { LmState } from "./state.js";
import type { LmOutcome } from "./types.js";

const MESSAGES: Record<number, string> = {
  0: "stopped by the user",
  1: "relative reduction of the sum of squares is at most ftol",
  2: "relative change of the parameters is at most xtol",
  3: "relative reduction of the sum of squares is at most ftol and relative change of the parameters at most xtol",
  4: "the residuals are orthogonal to the Jacobian's columns within gtol",
  5: "reached the maximum number of steps",
  6: "no further reduction of the sum of squares is possible in double precision",
  7: "no further improvement of the parameters is possible in double precision",
  8: "the residuals are orthogonal to the Jacobian's columns in double precision",
  9: "the residuals are not finite at the starting point",
  10: "the trust region shrank to nothing: the steps tried led where the model is not finite",
  11: "the Jacobian is not finite in the direction of any parameter",
  12: "the last Gauss–Newton steps shrink fast enough that the remaining ones change no parameter by more than 2e-7 relative",
  13: "gave up: no progress",
  14: "a Gauss–Newton step of at most 1e-6 relative, predicted to reduce the sum of squares by at most 1e-8 relative, failed: the sum of squares is at its rounding floor",
};

/** The outcome of a run whose start has residuals that are not finite (info 9): the problem left at the start. */
export function notFiniteAtStart(s: LmState): LmOutcome {
  s.problem.setValues(s.x);
  return {
    x: s.x,
    sumsq: Infinity,
    residuals: s.fvec,
    converged: false,
    message: MESSAGES[9],
    info: 9,
    iterations: 0,
    spent: s.spent,
  };
}

/**
 * The outcome of a run that ended with `info`: the problem left at x, the final state reported,
 * the error bars' Jacobian.
 * @throws NonFiniteError when not one step from the start could be taken
 */
export async function finish(s: LmState): Promise<LmOutcome> {
  const { problem, x, info, context, nonFinite } = s;
  if ((info === 10 || info === 11) && s.iter === 1) {
    // Not one step was taken: nothing finite around the start to move to.
    const error = nothingFinite("lm", problem, nonFinite, "a step from the start leads to");
    problem.setValues(x);
    throw error;
  }
  let converged = info >= 1 && info <= 4 ? true : (info >= 6 && info <= 8) || info === 12 || info === 14;
  let message = MESSAGES[info];
  if (info === 13)
    message += `: ${problem.labels()[s.drifted]} changed by more than a factor of 2 over the last ${DRIFT_STEPS} steps while the sum of squares fell by less than ${DRIFT_GAIN} relative (a flat valley away from the data; try another start)`;
  const unusableColumns = s.unusableColumns;
  if (converged && unusableColumns > 0) {
    // Parameters held for a non-finite Jacobian were not optimised.
    converged = false;
    message += `, with ${unusableColumns} parameter${unusableColumns === 1 ? "" : "s"} held because the Jacobian was not finite there`;
  }
  if (!converged && info !== 0) message += rejectedNote(problem, nonFinite);
  else if (s.walls > 0) {
    const names = problem.labels().filter((_, j) => s.wall[j] === 1);
    message += `, with ${names.join(", ")} held at the edge of a region where the model is not finite (last: ${nonFinite.describe(problem)})`;
  }
  problem.setValues(x);
  // The last iteration ended inside the loop; report the final state once more.
  if (context && info !== 0) context.report(s.iterations, x, 0.5 * s.fnorm * s.fnorm);
  // An analytic Jacobian is better taken afresh at the optimum by the error bars: it costs no
  // residual evaluation there.
  const analyticElsewhere = s.analyticUsed && s.jkeepAt.some((v, j) => v !== x[j]);
  if (closingJacobianDue(s, converged)) {
    const unusableAtEnd = s.batch ? await jacobianBatched(s, s.batch) : jacobian(s);
    s.spent.jacobians++;
    if (unusableAtEnd === 0) {
      s.jkeep.set(s.fjac);
      s.jkeepAt.set(x);
      closingPolish(s);
    } else s.keepAccurate = false;
  }
  const jacobianOut = jacobianForErrorBars(s, analyticElsewhere);
  const speculative = s.foresight?.speculation.unusedAhead();
  return {
    x,
    sumsq: s.fnorm * s.fnorm,
    residuals: s.fvec,
    converged,
    message,
    info,
    iterations: s.iterations,
    spent: s.spent,
    jacobian: jacobianOut,
    speculative,
  };
}
