/**
 * The contract between a `FitProblem` and its models (`Curve`, `PoissonCurve`, `Fitness`, or a
 * user's own class). A model reads its parameters' current values; the problem sets them.
 */
import type { FitBundleModel } from "../schema/fit.js";
import type { Parameter } from "./parameter.js";

/** A model of data: its parameters, its misfit (nllf) and, for least squares, its residuals. */
export interface Model {
  /** Name shown in results and plots (optional). */
  name?: string;
  /** Name of the notebook variable the model was first declared as (set by the kernel; see schema/display.ts). */
  variableName?: string;
  /** Every parameter the model depends on (fixed, free or tied). */
  parameters(): Parameter[];
  /** Number of data points (used for degrees of freedom). */
  pointCount(): number;
  /** Number of residuals this model writes (0 when it defines only an nllf). */
  residualCount(): number;
  /**
   * Writes the residuals `(f(x) - y) / dy` at the current parameter values into
   * `out[offset .. offset + residualCount())`.
   */
  residuals(out: Float64Array, offset: number): void;
  /** Negative log-likelihood of the data at the current parameter values (priors excluded). */
  nllf(): number;
  /**
   * Optional: {@link nllf} computed from the residuals that {@link residuals} wrote at the same
   * parameter values into `residuals[offset ..]`, without evaluating the model. A model gives it
   * only where the value is bit-identical to `nllf()`'s: a fit's result then reads the nllf at the
   * optimum off the residuals its method already has. Undefined when it cannot.
   */
  nllfFromResiduals?(residuals: Float64Array, offset: number): number | undefined;
  /** Whether the user gave uncertainties (`dy`); false means unit weights. */
  hasUncertainties(): boolean;
  /**
   * Analytic Jacobian of the residuals with respect to the model's own parameters (in the order of
   * {@link Model.parameters}) at the current values: writes `d r_i / d p_k` into
   * `out[(offset + i) * stride + column[k]]` for each `k` with `column[k] >= 0`. Returns false when
   * the model has no analytic derivatives.
   */
  jacobian?(out: Float64Array, offset: number, stride: number, column: Int32Array): boolean;
  /** The model's data and fit for the `application/vnd.hpcfit.fit+json` bundle, at the current values. */
  bundle?(): Omit<FitBundleModel, "name">;
  /**
   * The abscissae of the dense curve in {@link bundle} and the number of responses per abscissa,
   * or null when the model draws no curve. Models that give it and {@link evaluateAt} get an
   * uncertainty band from a sampler's draws.
   */
  curveGrid?(): { x: Float64Array; responses: number } | null;
  /** The model at other abscissae `xs`, at the current values, response-major (`xs.length × responses`). */
  evaluateAt?(xs: Float64Array, out?: Float64Array): Float64Array;
}

/** True when `value` looks like a {@link Model}. */
export function isModel(value: unknown): value is Model {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Partial<Model>;
  return (
    typeof m.parameters === "function" &&
    typeof m.nllf === "function" &&
    typeof m.residualCount === "function" &&
    typeof m.residuals === "function" &&
    typeof m.pointCount === "function"
  );
}

/** The bundle of a model with no data arrays to plot (a bare nllf): only its kind and uncertainty flag. */
export function nllfBundle(hasUncertainties: boolean): Omit<FitBundleModel, "name"> {
  return { kind: "nllf", x: null, y: [], dy: [], fx: [], residuals: [], curve: null, hasUncertainties };
}
