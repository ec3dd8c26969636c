/**
 * The contract between fit problems and fit methods (optimizers and samplers). A method sees only
 * a {@link Problem}: a point in the space of fitted parameters maps to a negative log-likelihood
 * (and, for least-squares problems, to residuals). Methods register in the method registry and
 * are reached through `fit(problem, { method })`.
 */
import type { Random } from "./random.js";

/** What an optimizer or sampler needs from a problem. `FitProblem` implements it. */
export interface Problem {
  /** Names of the fitted (free) parameters, in the order of the vectors below. */
  labels(): string[];
  /** Current values of the fitted parameters. */
  getValues(): Float64Array;
  /** Sets the fitted parameters (and everything tied to them by expressions). */
  setValues(x: ArrayLike<number>): void;
  /** Lower and upper bounds of each fitted parameter (±Infinity where unbounded). */
  bounds(): { lower: Float64Array; upper: Float64Array };
  /**
   * Negative log-likelihood at `x` (default: current values): data misfit, plus the parameters'
   * priors, plus the constraint penalty. `Infinity` outside the bounds or the constraints.
   */
  nllf(x?: ArrayLike<number>): number;
  /**
   * Optional: {@link nllf} at `x` from the residuals at `x` (as {@link residuals} writes them),
   * bit-identical to `nllf(x)` and evaluating no model; undefined when the problem cannot form it
   * exactly (then `nllf(x)` must be evaluated).
   */
  nllfFromResiduals?(x: ArrayLike<number>, residuals: Float64Array): number | undefined;
  /** Number of residuals, 0 when the problem has none (then only `nllf` is defined). */
  residualCount(): number;
  /** Residuals `(f(x) - y) / dy` at `x`, written into `out` when given. */
  residuals(x?: ArrayLike<number>, out?: Float64Array): Float64Array;
  /**
   * Jacobian of the residuals (row-major, residualCount × nparams) when the models give one
   * analytically; undefined otherwise (the method then differentiates numerically).
   */
  jacobian?(x: ArrayLike<number>, out?: Float64Array): Float64Array | undefined;
  /**
   * Optional: the priors' part of {@link nllf} at `x` (`-log` prior density, Infinity outside the
   * bounds). SMC tempers only the rest (the likelihood); without it SMC needs finite bounds and
   * takes the prior as uniform within them. Added for the samplers; backward compatible.
   */
  priorNllf?(x: ArrayLike<number>): number;
  /**
   * Whether fitted parameter `index` has a proper prior (a Gaussian, or a uniform over a finite
   * range), so that `randomPoint` draws from it. SMC starts from the prior and needs one.
   */
  properPrior?(index: number): boolean;
  /** Draws a point from the parameters' priors within bounds (for random starts and populations). */
  randomPoint(rng: Random, out?: Float64Array): Float64Array;
  /** Whether the data carried uncertainties (`dy`); when not, stderr is scaled by sqrt(chisq). */
  hasUncertainties(): boolean;
  /** Number of data points (sum over models). */
  pointCount(): number;
  /**
   * Optional: why the nllf or the residuals are not finite at the current values (which model,
   * which data point, the parameter values), undefined when they are finite. Methods use it to
   * say where a model gave NaN or ±Infinity.
   */
  diagnose?(): string | undefined;
}

/** What a fit knows of its run besides the point when it calls the {@link Monitor}. */
export interface MonitorInfo {
  /**
   * Model evaluations so far, every start's together (those on worker threads and srun'd
   * workers included, as their batches return).
   */
  evaluations: number;
  /** The method's status line (lm: the Jacobians' share of the evaluations and of the time), "" when it has none. */
  status: string;
}

/** Called by methods during the run; returning `false` (or aborting the signal) stops it. */
export type Monitor = (step: number, x: Float64Array, nllf: number, info: MonitorInfo) => void | boolean;

/** Where a fit that does not complete leaves the parameters (see {@link FitOptions.onFailure}). */
export type OnFailure = "restore" | "best";

export type { FitOptions, MethodOptions } from "./options/types.js";

/** A parameter's value and standard uncertainty in a result. */
export interface ParameterEstimate {
  name: string;
  value: number;
  stderr: number;
}
