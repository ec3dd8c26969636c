/**
 * DREAM and SMC as fit methods (`fit(problem, { method: "dream" | "smc" })`): run the sampler
 * with the fit's seeded generator and progress hooks, then build a {@link SampledFitResult}.
 * While a sampler runs, the fit can also build a result from its draws so far at any moment
 * (see {@link MethodContext.keepPartial}), so that an interrupted cell still shows them.
 */
import type { McmcSamples } from "../mcmc/samples.js";
import { untilText } from "../mcmc/report.js";
import { getMethod, type FitMethod, type MethodContext } from "../methods.js";
import { UserError } from "../../util/user-error.js";
import { stopWords, type StopReason } from "../stop-reason.js";
import type { FitOptions, Problem } from "../types.js";
import { runDream } from "./dream.js";
import { sampledResult, type SampledFitResult } from "./sampled-result.js";
import { runSmcUntil } from "./smc-until.js";
import { NonFiniteLog, nothingFinite } from "../non-finite.js";
import type { SamplerHooks, SamplerProgress } from "./stopping.js";
import { checkChains, finiteDrawsMoved } from "./stuck-chains.js";

/** A sampler's draws so far, or at its end. */
interface Drawn {
  samples: McmcSamples;
  bestX: Float64Array;
}

/** Turns a sampler's draws into the fit's result; `stopped` says why it ended early, if it did. */
type Describe = (drawn: Drawn, stopped: StopReason | undefined) => { converged: boolean; message: string };

function hooksOf(problem: Problem, context: MethodContext, before: number, describe: Describe): SamplerHooks {
  return {
    rng: context.rng,
    report: (s, x, f) => context.report(s, x, f),
    breathe: () => context.breathe(),
    stopReason: () => context.stopReason?.(),
    progress: (drawn: SamplerProgress) =>
      context.keepPartial?.((reason) => resultOf(problem, context, before, drawn(), reason, describe)),
    status: (text) => context.status?.(text),
  };
}

/** Counts the evaluations done on workers as their populations return, so that the live rate follows them. */
function elsewhere(context: MethodContext): (count: number) => void {
  return (count) => context.evaluations.add(count);
}

/**
 * The fit's result from a sampler's draws. Evaluations made outside the counted problem (worker
 * threads, other nodes) are added to the fit's counter so that `evaluations` means the same
 * whatever the evaluator.
 */
function resultOf(
  problem: Problem,
  context: MethodContext,
  before: number,
  drawn: Drawn,
  stopped: StopReason | undefined,
  describe: Describe,
): SampledFitResult {
  const s = drawn.samples;
  const seen = context.evaluations.count - before;
  if (s.evaluations > seen) context.evaluations.add(s.evaluations - seen);
  return sampledResult(problem, s, drawn.bestX, { evaluations: s.evaluations, stopped, ...describe(drawn, stopped) });
}

/** `result` with {@link SampledFitResult.summarySeconds} counted from `since` (a `performance.now()`). */
function timed(result: SampledFitResult, since: number): SampledFitResult {
  result.summarySeconds = (performance.now() - since) / 1000;
  return result;
}

/** "<reason> after N generations; K draws kept": diagnostics describe only those draws. */
function stoppedMessage(reason: StopReason, s: McmcSamples, unit: string): string {
  return `${stopWords(reason)} after ${s.generations} ${unit}; ${s.size} draws kept (statistics and diagnostics are of these)`;
}

/**
 * Where `init: "fit"` starts DREAM (the default when `from` is given): the best point and
 * covariance of `from`, after checking that it fits the same parameters, or of a fit made now
 * (lm with residuals, else amoeba). Leaves the problem at that point. Undefined for other inits.
 */
async function startingFit(
  problem: Problem,
  options: FitOptions & { method: "dream" },
  context: MethodContext,
): Promise<{ cov: Float64Array; note: string } | undefined> {
  const init = options.init ?? (options.from !== undefined ? "fit" : undefined);
  if (init !== "fit") return undefined;
  const labels = problem.labels();
  const from = options.from;
  if (from !== undefined) {
    if (from.labels.join("\0") !== labels.join("\0"))
      throw new UserError(`dream: option from is a fit of ${from.labels.join(", ")}, but the problem fits ${labels.join(", ")}`);
    problem.setValues(from.x);
    return { cov: from.cov, note: `; started from the given ${from.method} fit` };
  }
  const name = problem.residualCount() > 0 ? "lm" : "amoeba";
  const before = context.evaluations.count;
  const fitted = await getMethod(name).run(problem, { method: name }, context);
  problem.setValues(fitted.x);
  return {
    cov: fitted.cov,
    note: `; started from an ${name} fit (${context.evaluations.count - before} evaluations, not counted above)`,
  };
}

/** DREAM (its options are the fit options table's for `dream`). */
export const dream: FitMethod = {
  name: "dream",
  description: "DREAM MCMC (Vrugt 2009, as in bumps): posterior draws, intervals and convergence diagnostics",
  async run(problem: Problem, options: FitOptions, context: MethodContext): Promise<SampledFitResult> {
    const start = await startingFit(problem, options as FitOptions & { method: "dream" }, context);
    const before = context.evaluations.count;
    const nonFinite = new NonFiniteLog(problem.labels().length);
    const describe: Describe = ({ samples: s }, stopped) => {
      const until = (s.until === undefined ? "" : `; ${untilText(s.until)}`) + (start?.note ?? "");
      if (stopped !== undefined) return { converged: false, message: stoppedMessage(stopped, s, "generations") + until };
      const warnings = s.summary().warnings.length;
      const chains = checkChains("dream", problem, s);
      return {
        converged: warnings === 0 && chains.stuck === 0 && (s.until === undefined || s.until.met),
        message:
          `${s.generations} generations, ${s.size} kept draws` +
          until +
          (warnings ? `; ${warnings} convergence warning(s)` : "") +
          chains.note,
      };
    };
    const run = await runDream(
      problem,
      {
        ...options,
        nonFinite,
        evaluatedElsewhere: elsewhere(context),
        ...(start !== undefined ? { init: "fit" as const, fitCovariance: start.cov } : {}),
      },
      hooksOf(problem, context, before, describe),
    );
    const sampled = performance.now();
    if (!run.stopped && nonFinite.count > 0 && !finiteDrawsMoved(run.samples)) {
      // Every proposal was refused for a non-finite model: the draws are the start, repeated.
      throw nothingFinite("dream", problem, nonFinite, "the chains proposed");
    }
    return timed(resultOf(problem, context, before, run, run.stopped, describe), sampled);
  },
};

/** SMC (its options are the fit options table's for `smc`). */
export const smc: FitMethod = {
  name: "smc",
  description: "Sequential Monte Carlo with likelihood tempering; samples constraint-defined regions",
  // Its particles come from the prior: no start to evaluate first.
  ownsStart: () => true,
  async run(problem: Problem, options: FitOptions, context: MethodContext): Promise<SampledFitResult> {
    const before = context.evaluations.count;
    const describe: Describe = ({ samples: s }, stopped) => {
      const until = s.until === undefined ? "" : `; ${untilText(s.until)}`;
      return {
        converged: stopped === undefined && (s.until === undefined || s.until.met),
        message:
          (stopped !== undefined
            ? `${stoppedMessage(stopped, s, "tempering stages")}, before the particles reached the posterior`
            : `${s.generations} tempering stages, ${s.nchains} particles`) + until,
      };
    };
    const nonFinite = new NonFiniteLog(problem.labels().length);
    const run = await runSmcUntil(
      problem,
      { ...options, nonFinite, evaluatedElsewhere: elsewhere(context) },
      hooksOf(problem, context, before, describe),
    );
    const sampled = performance.now();
    return timed(resultOf(problem, context, before, run, run.stopped, describe), sampled);
  },
};
