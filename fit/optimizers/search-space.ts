/**
 * The space the derivative-free and quasi-Newton optimizers search: each fitted parameter mapped
 * affinely to a unit coordinate, `x = offset + scale * u`, so that a step of 0.1 means a tenth of
 * the parameter's range whatever its units (bumps' amoeba normalises by the bounds the same way).
 * Finite bounds map to [0, 1]; a parameter bounded on one side or not at all is scaled by its
 * starting magnitude. The objective counts its evaluations and treats NaN as +Infinity so that a
 * model which fails somewhere only repels the search.
 */
import type { Problem } from "../types.js";

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
  private readonly offset: Float64Array;
  private readonly scale: Float64Array;
  private readonly work: Float64Array;

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
      out[i] = u[i] <= this.lower[i] ? this.offset[i] + this.scale[i] * this.lower[i] : u[i] >= this.upper[i] ? this.offset[i] + this.scale[i] * this.upper[i] : v;
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

  /** The objective (the problem's nllf) at unit coordinates `u`; NaN counts as +Infinity. */
  value(u: ArrayLike<number>): number {
    this.evaluations++;
    const f = this.problem.nllf(this.toProblem(u, this.work));
    return Number.isNaN(f) ? Infinity : f;
  }
}

/**
 * Reads a numeric option, checking it is a finite number in range.
 * @throws RangeError naming the option when the value is not acceptable
 */
export function numberOption(
  options: Record<string, unknown>,
  name: string,
  fallback: number,
  check: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const raw = options[name];
  if (raw === undefined || raw === null) return fallback;
  const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(`option ${name} must be a finite number, got ${JSON.stringify(raw)}`);
  }
  if (check.integer && !Number.isInteger(value)) throw new RangeError(`option ${name} must be an integer, got ${value}`);
  if (check.min !== undefined && value < check.min) throw new RangeError(`option ${name} must be >= ${check.min}, got ${value}`);
  if (check.max !== undefined && value > check.max) throw new RangeError(`option ${name} must be <= ${check.max}, got ${value}`);
  return value;
}
