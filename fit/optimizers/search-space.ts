/**
 * The space the derivative-free and quasi-Newton optimizers search: each fitted parameter mapped
 * affinely to a unit coordinate, `x = offset + scale * u`, so that a step of 0.1 means a tenth of
 * the parameter's range whatever its units (bumps' amoeba normalises by the bounds the same way).
 * Finite bounds map to [0, 1]; a parameter bounded on one side or not at all is scaled by its
 * starting magnitude. The objective counts its evaluations and treats NaN and ±Infinity as
 * +Infinity so that a model which fails somewhere only repels the search; it notes where.
 */
import type { PopulationEvaluator } from "../samplers/evaluator.js";
import { NonFiniteLog } from "../non-finite.js";
import { readOption } from "../options/check.js";
import type { Problem } from "../types.js";

/** A result within this distance (unit coordinates) of a non-finite point is at its edge. */
const EDGE = 1e-4;

/** What every optimizer in this folder hands back to its registered method. */
export interface OptimizerOutcome {
  /** Best parameter values found (problem space). */
  x: Float64Array;
  /** Negative log-likelihood at `x`. */
  nllf: number;
  /** Objective evaluations used. */
  evaluations: number;
  /** Iterations (generations for DE) used. */
  steps: number;
  /** Whether a convergence test was met (not the step budget, not a stop request). */
  converged: boolean;
  /** Why the run ended, for the report. */
  message: string;
}

/** Progress callback of the optimizers: returns false when the user asked to stop. */
export type ProgressReport = (step: number, x: Float64Array, nllf: number) => boolean;

/** How an optimizer talks to whoever runs it (`fit()` passes its MethodContext's members). */
export interface SearchHooks {
  /** Called once per iteration with the best point so far; returning false stops the search. */
  report?: ProgressReport;
  /**
   * Called once per iteration; lets the event loop run now and then, so that an AbortSignal or
   * a live display gets through during a long search.
   */
  breathe?: () => Promise<void>;
  /**
   * Evaluates a batch of independent points elsewhere (worker threads) for the optimizers that
   * have such batches (`de`'s generations); the results are those of the serial evaluation.
   */
  evaluator?: PopulationEvaluator;
  /** Told how many evaluations the `evaluator` did, which the problem's own counter does not see. */
  evaluatedElsewhere?: (count: number) => void;
}

/** Objective of an optimizer in unit coordinates, with bounds and an evaluation counter. */
export class SearchSpace {
  /** Number of fitted parameters. */
  readonly n: number;
  /** Lower bounds in unit coordinates (-Infinity where the parameter has none). */
  readonly lower: Float64Array;
  /** Upper bounds in unit coordinates (+Infinity where the parameter has none). */
  readonly upper: Float64Array;
  /** Objective evaluations so far. */
  evaluations = 0;
  /** Points where the objective was NaN or ±Infinity (within the bounds or not). */
  readonly nonFinite: NonFiniteLog;
  private readonly offset: Float64Array;
  private readonly scale: Float64Array;
  private readonly work: Float64Array;
  private batch = new Float64Array(0);

  /**
   * @param problem the problem whose `nllf` is minimised
   * @param start starting values (problem space); they set the scale of unbounded parameters
   */
  constructor(
    private readonly problem: Problem,
    start: ArrayLike<number>,
  ) {
    const { lower, upper } = problem.bounds();
    const n = lower.length;
    this.n = n;
    this.offset = new Float64Array(n);
    this.scale = new Float64Array(n);
    this.lower = new Float64Array(n);
    this.upper = new Float64Array(n);
    this.work = new Float64Array(n);
    this.nonFinite = new NonFiniteLog(n);
    for (let i = 0; i < n; i++) {
      const lo = lower[i];
      const hi = upper[i];
      if (Number.isFinite(lo) && Number.isFinite(hi) && hi > lo) {
        this.offset[i] = lo;
        this.scale[i] = hi - lo;
      } else {
        const magnitude = Math.abs(start[i]);
        this.offset[i] = 0;
        this.scale[i] = magnitude > 0 && Number.isFinite(magnitude) ? magnitude : 1;
      }
      this.lower[i] = (lo - this.offset[i]) / this.scale[i];
      this.upper[i] = (hi - this.offset[i]) / this.scale[i];
      if (Number.isNaN(this.lower[i])) this.lower[i] = -Infinity;
      if (Number.isNaN(this.upper[i])) this.upper[i] = Infinity;
    }
  }

  /** Unit coordinates of the problem-space point `x`, written into `out`. */
  toUnit(x: ArrayLike<number>, out: Float64Array = new Float64Array(this.n)): Float64Array {
    for (let i = 0; i < this.n; i++) out[i] = (x[i] - this.offset[i]) / this.scale[i];
    return out;
  }

  /** Problem-space point of the unit coordinates `u`, written into `out`. */
  toProblem(u: ArrayLike<number>, out: Float64Array = new Float64Array(this.n)): Float64Array {
    for (let i = 0; i < this.n; i++) {
      // Pin exact bounds so rounding in the affine map cannot step outside them.
      const v = this.offset[i] + this.scale[i] * u[i];
      out[i] =
        u[i] <= this.lower[i]
          ? this.offset[i] + this.scale[i] * this.lower[i]
          : u[i] >= this.upper[i]
            ? this.offset[i] + this.scale[i] * this.upper[i]
            : v;
    }
    return out;
  }

  /** Clips `u` into the bounds in place and returns it. */
  clip(u: Float64Array): Float64Array {
    for (let i = 0; i < this.n; i++) {
      if (u[i] < this.lower[i]) u[i] = this.lower[i];
      else if (u[i] > this.upper[i]) u[i] = this.upper[i];
    }
    return u;
  }

  /**
   * For a result at `u` (unit coordinates): a note that it lies at the edge of a region where
   * the model is not finite (within {@link EDGE} of the last such point met), naming that point
   * and the model; empty otherwise. A minimum found there may be the wall's, not the model's.
   */
  edgeNote(u: ArrayLike<number>): string {
    if (this.nonFinite.count === 0) return "";
    const p = this.toUnit(this.nonFinite.point, this.work);
    let distance = 0;
    for (let i = 0; i < this.n; i++) distance = Math.max(distance, Math.abs(p[i] - u[i]));
    if (!(distance <= EDGE)) return "";
    return `; the best point is at the edge of a region where the model is not finite (${this.nonFinite.describe(this.problem)})`;
  }

  /** Whether some evaluation besides the first (the start) gave a finite objective. */
  foundFiniteBeyondStart(): boolean {
    return this.evaluations - this.nonFinite.count > 1;
  }

  /**
   * The objective's gradient at `u` from the problem's analytic Jacobian: `Jᵀr` in unit
   * coordinates, which is the nllf's gradient when the nllf is ½‖r‖² plus constants (as for
   * curves, weights and Gaussian priors; a `Fitness` with its own nllf may differ, so callers
   * check it once against {@link finiteGradient}). False when there is no analytic Jacobian or
   * the result is not finite. Counts two evaluations (residuals and Jacobian).
   */
  analyticGradient(u: ArrayLike<number>, grad: Float64Array): boolean {
    const m = this.problem.residualCount();
    if (m === 0 || typeof this.problem.jacobian !== "function") return false;
    const x = this.toProblem(u, this.work);
    const J = this.problem.jacobian(x);
    if (J === undefined) return false;
    const r = this.problem.residuals(x);
    this.evaluations += 2;
    const n = this.n;
    for (let j = 0; j < n; j++) {
      let g = 0;
      for (let i = 0; i < m; i++) g += J[i * n + j] * r[i];
      grad[j] = g * this.scale[j];
      if (!Number.isFinite(grad[j])) return false;
    }
    return true;
  }

  /**
   * {@link value} of `count` points (unit coordinates, row-major) into `out`: through `evaluator`
   * in one batch when given, else one by one. Either way the same points are evaluated and the
   * same non-finite values noted, so the results are identical.
   */
  async values(
    points: Float64Array,
    count: number,
    out: Float64Array,
    evaluator?: PopulationEvaluator,
    elsewhere?: (count: number) => void,
  ): Promise<void> {
    const n = this.n;
    if (evaluator === undefined) {
      for (let k = 0; k < count; k++) out[k] = this.value(points.subarray(k * n, k * n + n));
      return;
    }
    if (this.batch.length < count * n) this.batch = new Float64Array(count * n);
    for (let k = 0; k < count; k++) this.toProblem(points.subarray(k * n, k * n + n), this.batch.subarray(k * n, k * n + n));
    await evaluator.evaluatePopulation(this.batch, count, out);
    this.evaluations += count;
    elsewhere?.(count);
    for (let k = 0; k < count; k++) {
      if (Number.isFinite(out[k])) continue;
      this.nonFinite.note("nllf", this.batch.subarray(k * n, k * n + n), out[k]);
      out[k] = Infinity;
    }
  }

  /**
   * The objective (the problem's nllf) at unit coordinates `u`. NaN and ±Infinity count as
   * +Infinity (a diverging likelihood is no minimum either) and are noted in {@link nonFinite}.
   */
  value(u: ArrayLike<number>): number {
    this.evaluations++;
    const x = this.toProblem(u, this.work);
    const f = this.problem.nllf(x);
    if (Number.isFinite(f)) return f;
    this.nonFinite.note("nllf", x, f);
    return Infinity;
  }
}

/** The searches of this folder that run in a {@link SearchSpace}. */
export type SearchName = "amoeba" | "newton" | "de";

/** What every search in a {@link SearchSpace} starts from: its hooks, its space and its budget. */
export interface SearchStart {
  /** The progress report (always true when the caller gave none). */
  report: ProgressReport;
  /** Lets the event loop run, when the caller gave a way. */
  breathe: (() => Promise<void>) | undefined;
  /** The unit-coordinate objective. */
  space: SearchSpace;
  /** Number of fitted parameters. */
  n: number;
  /** Iteration budget (the `steps` option). */
  steps: number;
  /** Relative tolerance on the objective. */
  ftol: number;
  /** Tolerance on the parameters (unit coordinates). */
  xtol: number;
}

/**
 * The space, hooks, budget and tolerances of search `method` from `start`, read from `options`
 * with the method's defaults.
 */
export function beginSearch(
  method: SearchName,
  problem: Problem,
  start: ArrayLike<number>,
  options: object,
  hooks: SearchHooks,
): SearchStart {
  const space = new SearchSpace(problem, start);
  return {
    report: hooks.report ?? (() => true),
    breathe: hooks.breathe,
    space,
    n: space.n,
    steps: readOption(method, options, "steps", space.n),
    ftol: readOption(method, options, "ftol"),
    xtol: readOption(method, options, "xtol"),
  };
}
