/**
 * `Fitness`: a model defined by its own negative log-likelihood (and optionally residuals), like
 * bumps' Fitness protocol, for likelihoods that are not a curve through data.
 */
import type { FitBundleModel } from "../schema/fit.js";
import { VARIABLE_NAME } from "../schema/display.js";
import { nllfBundle, type Model } from "./model.js";
import { Parameter, toParameter, type ParameterLike } from "./parameter.js";
import { UserError } from "../util/user-error.js";

/** Parameter values by name, as passed to a fitness's functions. */
export type Values = Readonly<Record<string, number>>;

/** What defines a {@link Fitness}. */
export interface FitnessSpec {
  /** Name in results. */
  name?: string;
  /** The parameters by name: initial values or Parameter objects. */
  parameters: Record<string, ParameterLike>;
  /** The negative log-likelihood at the given values (priors of the parameters are added by the problem). */
  nllf: (p: Values) => number;
  /** Residuals at the given values, when the likelihood is Gaussian in them (enables `lm`). */
  residuals?: (p: Values) => ArrayLike<number>;
  /**
   * Analytic derivatives of the residuals: for each parameter name, ∂r/∂p as one value per
   * residual (used by `lm`, `newton` and the error bars; checked against finite differences when
   * a fit starts). Every parameter needs an entry.
   */
  jacobian?: (p: Values) => Readonly<Record<string, ArrayLike<number>>>;
  /** Number of data points, for degrees of freedom (default: the residuals' length, else 0). */
  points?: number;
  /** Whether the likelihood already carries the data's uncertainties (default true). */
  hasUncertainties?: boolean;
}

/**
 * A model defined by its nllf.
 *
 * ```ts
 * const F = new Fitness({ parameters: { mu: 0, sigma: 1 }, nllf: ({ mu, sigma }) => ... });
 * F.p.mu.range(-5, 5);
 * ```
 */
export class Fitness implements Model {
  /** Name in results. */
  name?: string;
  /** Name of the notebook variable the model was first declared as (titles results when `name` is not given). */
  variableName?: string;
  /** The parameters by name. */
  readonly p: Record<string, Parameter> = {};
  private readonly spec: FitnessSpec;
  private readonly nres: number;
  private readonly values: Record<string, number> = {};

  /** A fitness from its spec (see {@link FitnessSpec}). */
  constructor(spec: FitnessSpec) {
    if (typeof spec?.nllf !== "function") throw new TypeError("Fitness: spec.nllf must be a function of the parameter values");
    this.spec = spec;
    this.name = spec.name;
    for (const [name, v] of Object.entries(spec.parameters ?? {})) this.p[name] = toParameter(v, name);
    if (Object.keys(this.p).length === 0) throw new Error("Fitness: give at least one parameter in spec.parameters");
    this.nres = spec.residuals ? spec.residuals(this.current()).length : 0;
    if (spec.jacobian !== undefined) {
      if (typeof spec.jacobian !== "function")
        throw new UserError("Fitness: spec.jacobian must be a function of the parameter values");
      if (!spec.residuals)
        throw new UserError("Fitness: spec.jacobian is the derivative of the residuals; give spec.residuals too");
    }
  }

  /** Remembers the first notebook variable this was declared as (the kernel calls it; see schema/display.ts). */
  [VARIABLE_NAME](name: string): void {
    if (this.variableName === undefined) this.variableName = name;
  }

  /** The parameters in the order given. */
  parameters(): Parameter[] {
    return Object.values(this.p);
  }

  /** Data points for degrees of freedom. */
  pointCount(): number {
    return this.spec.points ?? this.nres;
  }

  /** Number of residuals (0 without a residuals function). */
  residualCount(): number {
    return this.nres;
  }

  /** The spec's residuals at the current values. */
  residuals(out: Float64Array, offset: number): void {
    if (!this.spec.residuals) throw new Error(`Fitness${this.name ? ` ${this.name}` : ""} defines no residuals`);
    const r = this.spec.residuals(this.current());
    if (r.length !== this.nres) throw new Error(`Fitness: residuals changed length from ${this.nres} to ${r.length}`);
    for (let i = 0; i < r.length; i++) out[offset + i] = r[i];
  }

  /** The spec's Jacobian at the current values into `out` (row-major, `stride` columns); false without one. */
  jacobian(out: Float64Array, offset: number, stride: number, column: Int32Array): boolean {
    if (this.spec.jacobian === undefined) return false;
    const d = this.spec.jacobian(this.current());
    const names = Object.keys(this.p);
    for (let k = 0; k < names.length; k++) {
      const col = column[k];
      if (col < 0) continue;
      const g = d?.[names[k]];
      if (g === undefined || typeof g.length !== "number")
        throw new UserError(`Fitness${this.name ? ` ${this.name}` : ""}: jacobian gave no derivatives for parameter ${names[k]}`);
      if (g.length !== this.nres)
        throw new UserError(
          `Fitness${this.name ? ` ${this.name}` : ""}: jacobian gave ${g.length} derivatives for ${names[k]}, expected one per residual (${this.nres})`,
        );
      for (let i = 0; i < this.nres; i++) out[(offset + i) * stride + col] = g[i];
    }
    return true;
  }

  /** The spec's nllf at the current values (NaN becomes Infinity). */
  nllf(): number {
    const v = this.spec.nllf(this.current());
    return Number.isNaN(v) ? Infinity : v;
  }

  /** As given in the spec (default true). */
  hasUncertainties(): boolean {
    return this.spec.hasUncertainties ?? true;
  }

  /** No data arrays to plot. */
  bundle(): Omit<FitBundleModel, "name"> {
    return nllfBundle(this.hasUncertainties());
  }

  private current(): Values {
    for (const [name, p] of Object.entries(this.p)) this.values[name] = p.value;
    return this.values;
  }
}
