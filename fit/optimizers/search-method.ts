/**
 * The fit method around a search of this folder (`amoeba`, `newton`, `de`): where its batches of
 * independent points are evaluated (worker threads with `parallel`), how it reports, and the
 * result built at its best point.
 */
import type { FitMethod, MethodContext } from "../methods.js";
import type { Random } from "../random.js";
import { FitResult } from "../result.js";
import { optionalOption } from "../options/check.js";
import { parallelEvaluator, wantsWorkers, type PopulationEvaluator } from "../samplers/evaluator.js";
import type { FitOptions, Problem } from "../types.js";
import type { OptimizerOutcome, SearchHooks, SearchName } from "./search-space.js";

/** A search from `start` (problem space) with the fit's generator, options and hooks. */
export type Search = (
  problem: Problem,
  start: Float64Array,
  rng: Random,
  options: FitOptions & Record<string, unknown>,
  hooks: SearchHooks,
) => Promise<OptimizerOutcome>;

/**
 * Where a search's batches are evaluated: the `evaluator` option's (other processes or nodes),
 * else worker threads under `parallel` (owned: the search closes them), else undefined (here,
 * one point at a time). With `parallel: "auto"` only a model whose evaluation costs at least the
 * threshold of {@link wantsWorkers} gets threads, and only when a model file says what they load.
 */
async function batchEvaluator(
  name: SearchName,
  problem: Problem,
  options: FitOptions,
  context: MethodContext,
): Promise<{ evaluator: PopulationEvaluator; owned: boolean } | undefined> {
  const given = name === "newton" ? undefined : optionalOption(name, options, "evaluator");
  if (given !== undefined) return { evaluator: given, owned: false };
  const workers = optionalOption(name, options, "parallel");
  const modelFile = optionalOption(name, options, "modelFile");
  if (!wantsWorkers(workers, context.modelCostMs, modelFile) || workers === undefined || workers === false) return undefined;
  return { evaluator: await parallelEvaluator(problem, workers, modelFile), owned: true };
}

/**
 * The fit method `name` running `search` from the problem's values. With `batches`, the search's
 * independent points (a simplex's vertices, a generation) go to worker threads together under
 * `parallel`; the points and the order of their results are those of the serial run, so the
 * result is bit-identical.
 */
export function searchMethod(name: SearchName, description: string, batches: boolean, search: Search): FitMethod {
  return {
    name,
    description,
    async run(problem, options, context) {
      // An evaluator given in the options is its owner's to close.
      const { evaluator, owned } = (batches ? await batchEvaluator(name, problem, options, context) : undefined) ?? {
        evaluator: undefined,
        owned: false,
      };
      const hooks: SearchHooks = {
        report: context.report,
        breathe: context.breathe,
        evaluator,
        evaluatedElsewhere: (count) => context.evaluations.add(count),
      };
      let outcome: OptimizerOutcome;
      try {
        outcome = await search(problem, problem.getValues(), context.rng, options, hooks);
      } finally {
        if (owned) await evaluator?.close();
      }
      return FitResult.fromProblem(problem, {
        method: name,
        x: outcome.x,
        evaluations: context.evaluations.count,
        converged: outcome.converged,
        message: outcome.message,
      });
    },
  };
}
