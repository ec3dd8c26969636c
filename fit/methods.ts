/**
 * The method registry: optimizers and samplers register here under a name and are reached
 * through `fit(problem, { method: name })`. A method sees the problem only through the
 * `Problem` contract and talks back through a {@link MethodContext}.
 */
import { closest } from "../util/closest.js";
import { UserError } from "../util/user-error.js";
import type { Random } from "./random.js";
import type { FitResult } from "./result.js";
import type { StopReason } from "./stop-reason.js";
import type { FitOptions, Problem } from "./types.js";

/** Counts model evaluations (nllf or residual vectors) during a fit. */
export class EvaluationCounter {
  /** Evaluations so far. */
  count = 0;

  /** Adds `n` evaluations (default 1), e.g. those done by workers the counter cannot see. */
  add(n = 1): void {
    this.count += n;
  }
}

/** What `fit()` gives a method while it runs. */
export interface MethodContext {
  /** The seeded generator for everything random in the method. */
  readonly rng: Random;
  /**
   * Evaluation counter. The problem passed to `run` already counts its own `nllf`, `residuals`
   * and `jacobian` calls here; add evaluations done elsewhere (other threads, other machines).
   */
  readonly evaluations: EvaluationCounter;
  /** The user's AbortSignal, if any. */
  readonly signal?: AbortSignal;
  /**
   * Reports progress: calls the user's monitor and updates the live display (throttled).
   * Returns false when the method must stop (the monitor returned false or the signal aborted).
   */
  report: (step: number, x: Float64Array, nllf: number) => boolean;
  /** True once the user has asked to stop. */
  stopped(): boolean;
  /** Why the method must stop, once {@link report} has returned false. */
  stopReason?(): StopReason | undefined;
  /**
   * Registers how to build a result from the work done so far (replacing any earlier one): if
   * the notebook cell running the fit is interrupted while the method runs, `fit()` shows that
   * result, marked `stopped: "interrupted"`, and keeps it for `lastFit()`.
   */
  keepPartial?(build: (reason: StopReason) => FitResult): void;
  /**
   * Lets the event loop run (so displays flush and aborts arrive) when enough time has passed
   * since the last time; cheap to call every step.
   */
  breathe: () => Promise<void>;
  /**
   * Sets a short line on how the method stands (a sampler's convergence targets, the share of lm's evaluations spent on Jacobians), which the live
   * display shows beside the step; optional.
   */
  status?(text: string): void;
  /**
   * How long one evaluation of the model took when `fit()` measured it at the start (ms), for
   * methods that choose serial or parallel evaluation by the model's cost (`parallel: "auto"`).
   */
  readonly modelCostMs?: number;
  /**
   * The residuals at the start point `x` that `fit()` evaluated to check the start (first start
   * only): a least-squares method starting exactly there may take them instead of evaluating
   * again, and then adds that evaluation to {@link evaluations} as its own.
   */
  readonly startResiduals?: { readonly x: Float64Array; readonly residuals: Float64Array };
  /**
   * True when `fit()` left the start unevaluated because the method said it checks the start
   * itself ({@link FitMethod.ownsStart}): the method evaluates it (in a round with other
   * points) and throws {@link startNotFinite}'s error where the nllf there is not finite.
   */
  readonly startUnchecked?: boolean;
}

/** A fit method (optimizer or sampler). */
export interface FitMethod {
  /** Name used in `fit(problem, { method })` and `--fit=`. */
  name: string;
  /** One-line description for help texts. */
  description?: string;
  /** True when the method needs residuals (least squares), not only an nllf. */
  needsResiduals?: boolean;
  /**
   * Names of the options a method registered outside the built-in ones reads beyond those of the
   * fit options table; `fit()` refuses any other name. (Built-in methods are described by the table.)
   */
  options?: readonly string[];
  /**
   * Runs from the problem's current values and returns the result, normally built with
   * `FitResult.fromProblem(problem, { method, x, evaluations: context.evaluations.count, converged, message })`.
   */
  run(problem: Problem, options: FitOptions, context: MethodContext): Promise<FitResult>;
  /**
   * Optional: true when `fit()` is to evaluate no model at the start before the method runs,
   * because the method, with these options, evaluates the start itself in a round with other
   * points and checks it there (lm on several workers: with the Jacobian's points; see
   * {@link MethodContext.startUnchecked}), or never starts from it (SMC draws its particles from
   * the prior, so its first population leaves at once and a start outside the constraints is no
   * error).
   */
  ownsStart?(problem: Problem, options: FitOptions): boolean;
}

/** The error of a start where the nllf is `nllf` (not finite), with the problem's own diagnosis when it has one. */
export function startNotFinite(problem: Problem, nllf: number): Error {
  const why = problem.diagnose?.();
  return new Error(`fit: the nllf is ${nllf} at the starting point${why ? `: ${why}` : ""}`);
}

const registry = new Map<string, FitMethod>();

/** Registers `method` under its name (replacing one of the same name). */
export function registerMethod(method: FitMethod): void {
  if (!method || typeof method.name !== "string" || method.name === "" || typeof method.run !== "function") {
    throw new TypeError("registerMethod: a method needs a name and a run(problem, options, context) function");
  }
  registry.set(method.name, method);
}

/** The method called `name`; throws an error listing the known methods otherwise. */
export function getMethod(name: string): FitMethod {
  const m = registry.get(name);
  if (m === undefined) {
    const near = closest(name, methodNames());
    throw new UserError(
      `unknown fit method "${name}"; known methods: ${methodNames().join(", ") || "(none registered)"}${near ? `; did you mean "${near}"?` : ""}`,
    );
  }
  return m;
}

/** Names of the registered methods, sorted. */
export function methodNames(): string[] {
  return [...registry.keys()].sort();
}
