/**
 * The `lm` fit method: Levenberg–Marquardt least squares with bounds (see `run.ts`), on worker
 * threads or a given evaluator for the finite differences when asked.
 */
import type { FitMethod, MethodContext } from "../../methods.js";
import { optionalOption } from "../../options/check.js";
import { FitResult } from "../../result.js";
import { parallelEvaluator, wantsWorkers, type PopulationEvaluator } from "../../samplers/evaluator.js";
import type { FitOptions, Problem } from "../../types.js";
import { lmRun } from "./run.js";
import type { LmOptions, LmOutcome } from "./types.js";

/**
 * Minimises ‖f(x)‖² for the problem's residuals from its current values. Leaves the problem at
 * the best point.
 * @throws NonFiniteError when the model is not finite wherever a first step from the start leads
 */
export async function levenbergMarquardt(problem: Problem, options: LmOptions = {}, context?: MethodContext): Promise<LmOutcome> {
  const workers = optionalOption("lm", options, "parallel");
  const modelFile = optionalOption("lm", options, "modelFile");
  // An evaluator from outside (a fit job's srun'd workers) takes the Jacobian's points; its owner closes it.
  const given = optionalOption("lm", options, "evaluator");
  if (given !== undefined && typeof given.evaluateResiduals !== "function")
    throw new Error("lm: the evaluator given must evaluate residual vectors (evaluateResiduals) for the Jacobian's columns");
  let evaluator: PopulationEvaluator | undefined;
  const choose = async (startMs: number): Promise<PopulationEvaluator | undefined> => {
    if (given !== undefined) return given;
    // "auto": worker threads only for a model slow enough to gain from them, and only when they can load it.
    if (!wantsWorkers(workers, startMs, modelFile) || workers === undefined || workers === false) return undefined;
    evaluator = await parallelEvaluator(problem, workers, modelFile);
    return evaluator;
  };
  try {
    return await lmRun(problem, options, context, choose);
  } finally {
    await evaluator?.close();
  }
}

/**
 * Whether `lm` with these options evaluates the start itself (see {@link FitMethod.ownsStart}):
 * when it runs on several workers known before the start is evaluated (an evaluator given that
 * says so, or worker threads by count), the start's round also evaluates the first Jacobian's
 * points, one round fewer than evaluating the start alone first. Not for a start outside the
 * priors: fit() checks that one as it checks any other method's.
 */
export function lmOwnsStart(problem: Problem, options: FitOptions): boolean {
  const prior = problem.priorNllf?.(problem.getValues());
  if (prior === undefined || !Number.isFinite(prior)) return false;
  const given = optionalOption("lm", options, "evaluator");
  if (given !== undefined) return typeof given.evaluateResiduals === "function" && (given.concurrency ?? 1) > 1;
  const workers = optionalOption("lm", options, "parallel");
  return typeof workers === "number" && workers > 1 && optionalOption("lm", options, "modelFile") !== undefined;
}

/** The `lm` fit method (default for problems with residuals). */
export const lm: FitMethod = {
  name: "lm",
  description: "Levenberg–Marquardt least squares with bounds (MINPACK-style trust region)",
  needsResiduals: true,
  ownsStart: lmOwnsStart,
  async run(problem: Problem, options: FitOptions, context: MethodContext): Promise<FitResult> {
    const out = await levenbergMarquardt(problem, options, context);
    return FitResult.fromProblem(problem, {
      method: "lm",
      x: out.x,
      jacobian: out.jacobian,
      evaluations: context.evaluations.count,
      converged: out.converged,
      message: out.message,
      // ‖f‖² at x as the iteration has it (evaluated, or predicted by the polish): the result's chisq costs no further evaluation.
      sumsq: Number.isFinite(out.sumsq) ? out.sumsq : undefined,
      // And its nllf, where the problem can read it off the residuals exactly.
      residuals: Number.isFinite(out.sumsq) ? out.residuals : undefined,
      speculative: out.speculative,
    });
  },
};
