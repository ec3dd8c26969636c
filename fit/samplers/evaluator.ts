/**
 * One interface through which population samplers (DREAM, SMC, DE) evaluate a whole population:
 * serially here, on worker threads in `fit/node/parallel.ts`, across nodes in a ZeroMQ evaluator.
 * Samplers draw every random number in the calling thread and only hand points out for
 * evaluation, so serial and parallel runs give bit-identical chains.
 */
import type { NonFiniteLog } from "../non-finite.js";
import type { Problem } from "../types.js";
import { optionalOption } from "../options/check.js";
import type { MethodOptions } from "../options/types.js";
import { PriorGateEvaluator } from "./prior-gate.js";

/** Evaluates the negative log-likelihood of many points at once. */
export interface PopulationEvaluator {
  /**
   * Writes `nllf(points[i])` into `out[i]` for `i < count`; `points` is row-major
   * `count × nparams`. Resolves when every value is written.
   */
  evaluatePopulation(points: Float64Array, count: number, out: Float64Array): Promise<void>;
  /**
   * Writes the residual vector of `points[i]` into `out[i·m, (i+1)·m)` for `i < count` (m the
   * problem's residual count), when the evaluator can (`lm`'s Jacobian columns need it).
   */
  evaluateResiduals?(points: Float64Array, count: number, out: Float64Array): Promise<void>;
  /**
   * Optional (worker threads): writes the model curves of every point (`count × nparams`, row-major)
   * on the problem's band grids (see `fit/model-bands.ts`) into `out`, `width` values per point.
   */
  evaluateCurves?(points: Float64Array, count: number, width: number, out: Float64Array): Promise<void>;
  /**
   * How many points it evaluates at once (its workers), when known: a method that can guess which
   * points it will need next fills its rounds up to this many (see `fit/optimizers/lm/speculation.ts`).
   */
  readonly concurrency?: number;
  /** Releases workers or connections. Idempotent. */
  close(): Promise<void>;
}

/** Evaluates in the calling thread. */
export class SerialEvaluator implements PopulationEvaluator {
  private readonly p: number;
  /** Evaluates `problem.nllf` point by point. */
  constructor(private readonly problem: Problem) {
    this.p = problem.labels().length;
  }
  /** @inheritDoc */
  evaluatePopulation(points: Float64Array, count: number, out: Float64Array): Promise<void> {
    const p = this.p;
    for (let i = 0; i < count; i++) out[i] = this.problem.nllf(points.subarray(i * p, i * p + p));
    return Promise.resolve();
  }
  /** @inheritDoc */
  evaluateResiduals(points: Float64Array, count: number, out: Float64Array): Promise<void> {
    const p = this.p;
    const m = this.problem.residualCount();
    for (let i = 0; i < count; i++) this.problem.residuals(points.subarray(i * p, i * p + p), out.subarray(i * m, i * m + m));
    return Promise.resolve();
  }
  /** @inheritDoc */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Options of population samplers that choose how points are evaluated. */
export interface EvaluationOptions {
  /** Worker threads: a count, or "auto" for the CPUs this process may use. Default serial. */
  parallel?: number | "auto";
  /** Path or URL of the module that exports the problem; workers load it (needed for `parallel`). */
  modelFile?: string;
  /** An evaluator to use instead (e.g. across nodes); the caller closes it. */
  evaluator?: PopulationEvaluator;
  /** Where the evaluator notes the points whose nllf was NaN or ±Infinity (for messages). */
  nonFinite?: NonFiniteLog;
}

/**
 * What every sampler's evaluator hands back: NaN and ±Infinity become +Infinity (zero posterior
 * density), so a proposal where the model is not finite is refused — a −Infinity nllf would
 * otherwise be an infinitely likely point that every chain jumps to and never leaves — and the
 * last such point is noted. Wraps whichever evaluator does the work (serial, threads, nodes).
 */
class FiniteEvaluator implements PopulationEvaluator {
  /**
   * @param inner the evaluator doing the work
   * @param p number of parameters per point
   * @param log where non-finite points are noted (optional)
   */
  constructor(
    private readonly inner: PopulationEvaluator,
    private readonly p: number,
    private readonly log: NonFiniteLog | undefined,
    private readonly elsewhere: ((count: number) => void) | undefined,
  ) {}
  /** @inheritDoc */
  async evaluatePopulation(points: Float64Array, count: number, out: Float64Array): Promise<void> {
    await this.inner.evaluatePopulation(points, count, out);
    this.elsewhere?.(count);
    const p = this.p;
    for (let i = 0; i < count; i++) {
      const f = out[i];
      if (Number.isFinite(f)) continue;
      this.log?.note("nllf", points.subarray(i * p, i * p + p), f);
      out[i] = Infinity;
    }
  }
  /** @inheritDoc */
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** With `parallel: "auto"`, a model whose evaluation takes at least this long (ms) is worth worker threads. */
export const AUTO_PARALLEL_MS = 1;

/**
 * Whether the option `parallel` asks for worker threads: a count above 1, or "auto" for a model
 * whose measured evaluation (`costMs`, unknown when undefined) takes at least
 * {@link AUTO_PARALLEL_MS} and that the threads can load (`modelFile`). A cheap model gains
 * nothing from threads: handing points over costs more than evaluating them.
 */
export function wantsWorkers(
  parallel: number | "auto" | false | undefined,
  costMs: number | undefined,
  modelFile: string | undefined,
): boolean {
  if (parallel === undefined || parallel === false) return false;
  if (parallel === "auto") return modelFile !== undefined && costMs !== undefined && costMs >= AUTO_PARALLEL_MS;
  return parallel > 1;
}

/** Makes a parallel evaluator; registered by the Node adapter (`fit/node/parallel.ts`). */
export type ParallelEvaluatorFactory = (
  problem: Problem,
  workers: number | "auto",
  modelFile: string | undefined,
) => Promise<PopulationEvaluator>;

let parallelFactory: ParallelEvaluatorFactory | undefined;

/**
 * A pool of `workers` evaluators for `problem` (worker threads that load `modelFile`), through
 * the registered factory.
 */
export function parallelEvaluator(
  problem: Problem,
  workers: number | "auto",
  modelFile: string | undefined,
): Promise<PopulationEvaluator> {
  if (!parallelFactory) throw new Error("parallel evaluation needs Node worker threads: import it from 'hpcfit' under Node");
  return parallelFactory(problem, workers, modelFile);
}

/** Registers how `parallel` is honoured (the Node adapter calls this when it is loaded). */
export function setParallelEvaluatorFactory(factory: ParallelEvaluatorFactory): void {
  parallelFactory = factory;
}

/** The registered factory of parallel evaluators, undefined where there are no worker threads. */
export function parallelEvaluatorFactory(): ParallelEvaluatorFactory | undefined {
  return parallelFactory;
}

/**
 * What a population sampler's options say about where it evaluates (`parallel`, `modelFile`,
 * `evaluator`), and where it notes non-finite points (`nonFinite`, set by the fit methods).
 */
export type SamplerRunOptions = Pick<MethodOptions<"dream">, "parallel" | "modelFile" | "evaluator"> & {
  nonFinite?: NonFiniteLog;
  /** The covariance `init: "fit"` draws the initial population from (the sampler method's fit). */
  fitCovariance?: Float64Array;
  /**
   * Told how many points each population evaluated on worker threads or another evaluator held
   * (the serial evaluator's go through the problem, which counts them itself), as the population
   * returns: a running fit's count of evaluations then follows the work wherever it is done.
   */
  evaluatedElsewhere?: (count: number) => void;
};

/**
 * The evaluator for a sampler run and whether the sampler owns it (and must close it):
 * `options.evaluator` if given, a worker pool when `options.parallel` asks for one, else serial;
 * in every case seen through {@link FiniteEvaluator}. The first two see only the points the prior
 * does not refuse (see {@link PriorGateEvaluator}); the serial one refuses them itself.
 */
export async function evaluatorFor(
  problem: Problem,
  options: SamplerRunOptions,
): Promise<{ evaluator: PopulationEvaluator; owned: boolean }> {
  const { evaluator, owned } = await chooseEvaluator(problem, options);
  const log = options.nonFinite;
  const elsewhere = evaluator instanceof SerialEvaluator ? undefined : options.evaluatedElsewhere;
  return { evaluator: new FiniteEvaluator(evaluator, problem.labels().length, log, elsewhere), owned };
}

async function chooseEvaluator(
  problem: Problem,
  options: SamplerRunOptions,
): Promise<{ evaluator: PopulationEvaluator; owned: boolean }> {
  const given = optionalOption("dream", options, "evaluator");
  if (given !== undefined) return { evaluator: new PriorGateEvaluator(problem, given), owned: false };
  const parallel = optionalOption("dream", options, "parallel");
  if (parallel === undefined || parallel === 1 || parallel === 0 || parallel === false) {
    return { evaluator: new SerialEvaluator(problem), owned: true };
  }
  if (!parallelFactory) throw new Error("parallel evaluation needs Node worker threads: import it from 'hpcfit' under Node");
  const modelFile = optionalOption("dream", options, "modelFile");
  return { evaluator: new PriorGateEvaluator(problem, await parallelFactory(problem, parallel, modelFile)), owned: true };
}
