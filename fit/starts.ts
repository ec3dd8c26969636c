/**
 * Multi-start fits (`starts: k`): where each start begins and with which generator, decided
 * before any start runs, so that the starts are independent of each other and may run in any
 * order or at once; and the interface through which they run elsewhere (worker threads, see
 * `fit/node/parallel-starts.ts`).
 */
import { Random, type RandomState } from "./random.js";
import type { StopReason } from "./stop-reason.js";
import type { Problem } from "./types.js";

/** Where each start of a fit begins, and the generator its method draws from. */
export interface StartPlan {
  /** Start points, the first the problem's values. */
  points: Float64Array[];
  /** One generator per start. */
  rngs: Random[];
}

/**
 * The plan of `starts` starts from `x0`. A single start draws from `rng` itself. With several,
 * the random start points are drawn first, in order, from `rng` (around `x0` for parameters
 * without finite bounds or prior), then each start gets a generator forked from `rng` in order:
 * what one start draws does not move where the next begins or what it draws.
 */
export function planStarts(problem: Problem, x0: Float64Array, rng: Random, starts: number): StartPlan {
  if (starts <= 1) return { points: [Float64Array.from(x0)], rngs: [rng] };
  problem.setValues(x0);
  const points: Float64Array[] = [Float64Array.from(x0)];
  for (let s = 1; s < starts; s++) points.push(problem.randomPoint(rng));
  const rngs = points.map(() => rng.fork());
  problem.setValues(x0);
  return { points, rngs };
}

/** One start handed to another thread. */
export interface StartTask {
  /** The start's number (0 the first). */
  index: number;
  /** Where it begins. */
  x: Float64Array;
  /** The state of its generator. */
  rng: RandomState;
}

/** What a start that ran elsewhere hands back: enough to rebuild its result at its best point. */
export interface StartOutcome {
  /** The start's number. */
  index: number;
  /** Best values. */
  x: Float64Array;
  /** Covariance at x (row-major p × p). */
  cov: Float64Array;
  /** Negative log-likelihood at x. */
  nllf: number;
  /** Reduced chi-square at x, as the method's result has it (it may come from the method's own last residuals). */
  chisq: number;
  /** The method's evaluations. */
  evaluations: number;
  /** Whether the method's stopping criteria were met. */
  converged: boolean;
  /** Why it stopped. */
  message: string;
  /** Why it stopped early, when it did. */
  stopped?: StopReason;
}

/** A running start's progress. */
export interface StartProgress {
  /** The start's number. */
  index: number;
  /** The method's step. */
  step: number;
  /** Its best point so far. */
  x: Float64Array;
  /** The nllf there (on the method's scale). */
  nllf: number;
  /** Evaluations the start has used so far. */
  evaluations: number;
  /** The method's status line, when it has one. */
  status?: string;
  /** Set on a start's last report, sent when it ended (its step and point are then its last). */
  ended?: boolean;
}

/** What a runner of starts elsewhere is asked to do. */
export interface StartsRequest {
  /** The built-in method every start runs. */
  method: string;
  /** The method's options (plain values only: numbers, strings, booleans). */
  options: Record<string, number | string | boolean>;
  /** The module exporting the problem; each thread loads it. */
  modelFile: string;
  /**
   * How many threads at most (a count, or "auto" for the CPUs this process may use): one start
   * per thread, and with fewer starts, the rest shared among the starts for their batches.
   */
  workers: number | "auto";
  /** The problem's fitted parameters: a thread whose problem fits others is refused. */
  labels: string[];
  /** The starts, run in this order as threads become free. */
  tasks: StartTask[];
  /** One evaluation's cost as measured by the fit (ms), for the methods' own choices. */
  modelCostMs: number;
  /** Aborted: running starts stop at their next step, and no other start begins. */
  signal: AbortSignal;
  /** Called in this thread with each progress report of a running start. */
  progress(report: StartProgress): void;
}

/**
 * Runs the starts of a request elsewhere and resolves with the outcomes of those that ran, by
 * start number; rejects with the first start's error (after the others stopped).
 */
export type StartsRunner = (request: StartsRequest) => Promise<StartOutcome[]>;

let runner: StartsRunner | undefined;

/** Registers how starts run in parallel (the Node adapter calls this when it is loaded). */
export function setStartsRunner(r: StartsRunner): void {
  runner = r;
}

/** The registered runner of parallel starts, undefined where there are no worker threads. */
export function startsRunner(): StartsRunner | undefined {
  return runner;
}

/** Options that stay with the fit (they are not plain values, or concern the starts themselves). */
const FIT_ONLY = new Set(["monitor", "signal", "evaluator", "parallel", "modelFile", "starts", "seed", "onFailure"]);

/**
 * The options a start running elsewhere is given: the plain-valued ones (numbers, strings,
 * booleans) that concern the method, without `parallel` (its threads are the starts' already;
 * the runner gives a start the spare ones for its batches, when there are any).
 */
export function startOptions(options: object): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [name, value] of Object.entries(options)) {
    if (FIT_ONLY.has(name)) continue;
    if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") out[name] = value;
  }
  return out;
}
