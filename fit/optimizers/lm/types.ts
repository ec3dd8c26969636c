/** The public types of `lm`: its options, and what a run returns. */
import type { MethodOptions } from "../../options/types.js";

/** Options of the `lm` method: steps, ftol, xtol, gtol, factor, diff, accel, extend (described in the fit options table). */
export type LmOptions = MethodOptions<"lm">;

/** How an LM run ended. */
export interface LmOutcome {
  x: Float64Array;
  /** ‖f‖² at x (of `residuals`). */
  sumsq: number;
  /**
   * The residuals at x: evaluated there, or after a polish (a last Gauss–Newton step of at most
   * COVARIANCE_REUSE relative, not evaluated, see `polish.ts`) as the Jacobian predicts them.
   */
  residuals: Float64Array;
  converged: boolean;
  message: string;
  /**
   * MINPACK's info code (1–8; 0 when stopped by the user, 9 on non-finite residuals at the start,
   * 10 when the trust region shrank to nothing on non-finite trial points, 11 when the Jacobian
   * is not finite in any direction, 12 when the steps became negligible before MINPACK's tests
   * stopped the run, 13 when it gave up on a start that drifts without progress, see `drift.ts`,
   * 14 when a step failed at the rounding floor of the sum of squares).
   */
  info: number;
  iterations: number;
  /** Where the residual evaluations went. */
  spent: LmEvaluations;
  /**
   * The last Jacobian (analytic or finite differences; row-major, residuals × parameters) and
   * the point it was taken at, when it covers every parameter; the error bars
   * reuse it when that point is the optimum within tolerance (see `covarianceAt`).
   */
  jacobian?: { J: Float64Array; at: Float64Array; within: number };
  /**
   * Evaluations made ahead of need on a parallel evaluator (see `speculation.ts`) whose values
   * the iteration never used: not in `spent` nor in the evaluation count, which are the serial run's.
   */
  speculative?: number;
}

/** Residual evaluations of an LM run, by what they were for. */
export interface LmEvaluations {
  /** The start point. */
  start: number;
  /** Finite-difference Jacobians (forward). */
  forward: number;
  /** Finite-difference Jacobians (central, and the pairs that correct forward ones along one direction). */
  central: number;
  /** Analytic Jacobians (one per call). */
  analytic: number;
  /** Trial points of LM steps (accepted or rejected). */
  trials: number;
  /** Line-search points along accepted steps, and geodesic-acceleration probes. */
  lineSearch: number;
  /** Probes that find which parameters sit at the edge of a non-finite region. */
  walls: number;
  /** Full Jacobians computed. */
  jacobians: number;
}
