/**
 * DREAM and SMC as fit methods (`fit(problem, { method: "dream" | "smc" })`): run the sampler
 * with the fit's seeded generator and progress hooks, then build a {@link SampledFitResult}.
 */
import type { FitMethod, MethodContext } from "../methods.js";
import type { FitOptions, Problem } from "../types.js";
import { runDream, type DreamOptions, type SamplerHooks } from "./dream.js";
import { sampledResult, type SampledFitResult } from "./sampled-result.js";
import { runSmc, type SmcOptions } from "./smc.js";
import { NonFiniteLog, nothingFinite } from "../non-finite.js";
import { checkChains, finiteDrawsMoved } from "./stuck-chains.js";

function hooksOf(context: MethodContext): SamplerHooks {
  return { rng: context.rng, report: (s, x, f) => context.report(s, x, f), breathe: () => context.breathe() };
}

/**
 * Evaluations made outside the counted problem (worker threads, other nodes) are added to the
 * fit's counter so that `evaluations` means the same whatever the evaluator.
 */
function countElsewhere(context: MethodContext, before: number, total: number): void {
  const seen = context.evaluations.count - before;
  if (total > seen) context.evaluations.add(total - seen);
}

/** DREAM (options: {@link DreamOptions} plus `parallel`, `modelFile`, `evaluator`). */
export const dream: FitMethod = {
  name: "dream",
  description: "DREAM MCMC (Vrugt 2009, as in bumps): posterior draws, intervals and convergence diagnostics",
  async run(problem: Problem, options: FitOptions, context: MethodContext): Promise<SampledFitResult> {
    const before = context.evaluations.count;
    const nonFinite = new NonFiniteLog(problem.labels().length);
    const run = await runDream(problem, { ...options, nonFinite } as DreamOptions, hooksOf(context));
    countElsewhere(context, before, run.samples.evaluations);
    const s = run.samples;
    if (!run.stopped && nonFinite.count > 0 && !finiteDrawsMoved(s)) {
      // Every proposal was refused for a non-finite model: the draws are the start, repeated.
      throw nothingFinite("dream", problem, nonFinite, "the chains proposed");
    }
    const chains = run.stopped ? { stuck: 0, note: "" } : checkChains("dream", problem, s);
    return sampledResult(problem, s, run.bestX, {
      evaluations: s.evaluations,
      converged: !run.stopped && s.summary().warnings.length === 0 && chains.stuck === 0,
      message: run.stopped
        ? `stopped by the user after ${s.generations} generations`
        : `${s.generations} generations, ${s.size} kept draws` +
          (s.summary().warnings.length ? `; ${s.summary().warnings.length} convergence warning(s)` : "") +
          chains.note,
    });
  },
};

/** SMC (options: {@link SmcOptions} plus `parallel`, `modelFile`, `evaluator`). */
export const smc: FitMethod = {
  name: "smc",
  description: "Sequential Monte Carlo with likelihood tempering; samples constraint-defined regions",
  async run(problem: Problem, options: FitOptions, context: MethodContext): Promise<SampledFitResult> {
    const before = context.evaluations.count;
    const run = await runSmc(problem, options as SmcOptions, hooksOf(context));
    countElsewhere(context, before, run.samples.evaluations);
    const s = run.samples;
    return sampledResult(problem, s, run.bestX, {
      evaluations: s.evaluations,
      converged: !run.stopped,
      message: run.stopped
        ? `stopped by the user after ${run.stages} tempering stages`
        : `${run.stages} tempering stages, ${s.nchains} particles`,
    });
  },
};
