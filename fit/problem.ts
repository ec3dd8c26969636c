/**
 * `FitProblem`: one model, or several sharing parameters (a simultaneous fit), seen by the fit
 * methods as a vector of free parameters mapped to an nllf and residuals (the `Problem` contract
 * of `types.ts`).
 */
import type { FitBundleModel } from "../schema/fit.js";
import { VARIABLE_NAME } from "../schema/display.js";
import { isModel, nllfBundle, type Model } from "./model.js";
import type { Parameter } from "./parameter.js";
import type { Random } from "./random.js";
import type { Problem } from "./types.js";

/** An inequality constraint: satisfied when it returns a value >= 0 (read parameters' `.value`). */
export type Constraint = () => number;

/** Options of a {@link FitProblem}. */
export interface FitProblemOptions {
  /** Weight of each model's nllf (residuals are scaled by sqrt(weight)); default 1 each. */
  weights?: number[];
  /** Inequality constraints; outside them nllf is Infinity, residuals are Infinity, and no model is evaluated. */
  constraints?: Constraint[];
  /** Name of the problem (file names in stores, titles). */
  name?: string;
}

/** The name of a problem the user did not name (store file names need one). */
const DEFAULT_PROBLEM_NAME = "problem";

/**
 * A fit problem over one or several models.
 *
 * - nllf = Σ weight·model.nllf + Σ −log prior(p) over the free parameters; Infinity outside the
 *   bounds or the constraints.
 * - residuals = the models' residuals `(f(x) − y)/dy` (each times sqrt(weight)), followed by one
 *   residual `(p − mean)/σ` per free parameter with a Gaussian prior (`dev`), so that half their
 *   sum of squares is the nllf up to a constant and least squares honours the priors.
 * - dof = number of residuals (data points when the problem has no residuals) − free parameters.
 */
export class FitProblem implements Problem {
  /** The models, in the order given. */
  readonly models: Model[];
  /** Problem name ("problem" unless given). */
  name: string;
  /** Name of the notebook variable the problem was first declared as (set by the kernel). */
  variableName?: string;
  private readonly weights: Float64Array;
  private readonly constraints: Constraint[];
  private free: Parameter[] = [];
  private all: Parameter[] = [];
  private priorRows: number[] = [];
  private modelOffsets: number[] = [];
  private nres = 0;
  private npoints = 0;
  private names: string[] = [];

  /** A problem from one model or a list of models (see {@link FitProblemOptions}). */
  constructor(models: Model | Model[], options: FitProblemOptions = {}) {
    const list = Array.isArray(models) ? models : [models];
    if (list.length === 0) throw new Error("FitProblem: give at least one model");
    list.forEach((m, i) => {
      if (!isModel(m))
        throw new TypeError(
          `FitProblem: model ${i} is not a model (Curve, PoissonCurve, Fitness, or an object with parameters(), nllf(), residuals())`,
        );
    });
    this.models = list;
    this.name = options.name ?? DEFAULT_PROBLEM_NAME;
    const w = options.weights ?? list.map(() => 1);
    if (w.length !== list.length) throw new RangeError(`FitProblem: ${w.length} weights for ${list.length} models`);
    w.forEach((v, i) => {
      if (!(v >= 0) || !Number.isFinite(v))
        throw new RangeError(`FitProblem: weights[${i}] = ${v}; weights must be finite and >= 0`);
    });
    this.weights = Float64Array.from(w);
    this.constraints = options.constraints ?? [];
    this.constraints.forEach((c, i) => {
      if (typeof c !== "function")
        throw new TypeError(`FitProblem: constraints[${i}] must be a function returning >= 0 when satisfied`);
    });
    this.refresh();
  }

  /** Remembers the first notebook variable this was declared as (the kernel calls it; see schema/display.ts). */
  [VARIABLE_NAME](name: string): void {
    if (this.variableName === undefined) this.variableName = name;
  }

  /**
   * Re-reads which parameters are free. `labels()`, `getValues()`, `bounds()`, `parameters()`
   * and `residualCount()` call it, so ranges, `fixed` and ties changed after the problem was made
   * are seen by the next fit; the hot paths (`nllf`, `residuals`, `setValues`) do not.
   */
  refresh(): void {
    const seen = new Set<Parameter>();
    this.all = [];
    for (const m of this.models) {
      for (const p of m.parameters()) {
        if (!seen.has(p)) {
          seen.add(p);
          this.all.push(p);
        }
      }
    }
    this.free = this.all.filter((p) => !p.fixed);
    this.modelOffsets = [];
    let off = 0;
    let points = 0;
    const withResiduals = this.models.filter((m) => m.residualCount() > 0).length;
    for (const m of this.models) {
      this.modelOffsets.push(off);
      off += m.residualCount();
      points += m.pointCount();
    }
    // A problem has residuals only when every model has them.
    const hasResiduals = withResiduals === this.models.length;
    this.priorRows = [];
    if (hasResiduals) {
      this.free.forEach((p, j) => {
        if (p.prior.kind === "normal") this.priorRows.push(j);
      });
      this.nres = off + this.priorRows.length;
    } else this.nres = 0;
    this.npoints = points;
    this.names = this.makeLabels();
  }

  /** The free parameters (the vector the methods see), in order. */
  parameters(): Parameter[] {
    this.refresh();
    return this.free.slice();
  }

  /** Every parameter of every model (fixed, free and tied), each once. */
  allParameters(): Parameter[] {
    return this.all.slice();
  }

  /** Names of the free parameters; duplicates across models are prefixed with the model name. */
  labels(): string[] {
    this.refresh();
    return this.names.slice();
  }

  /** Current values of the free parameters. */
  getValues(): Float64Array {
    this.refresh();
    return Float64Array.from(this.free, (p) => p.value);
  }

  /** Sets the free parameters (tied ones follow through their expressions). */
  setValues(x: ArrayLike<number>): void {
    if (x.length !== this.free.length)
      throw new RangeError(`FitProblem: ${x.length} values for ${this.free.length} free parameters (${this.names.join(", ")})`);
    for (let j = 0; j < x.length; j++) this.free[j].value = x[j];
  }

  /** Bounds of the free parameters. */
  bounds(): { lower: Float64Array; upper: Float64Array } {
    this.refresh();
    return {
      lower: Float64Array.from(this.free, (p) => p.lower),
      upper: Float64Array.from(this.free, (p) => p.upper),
    };
  }

  /** Whether every model was given uncertainties. */
  hasUncertainties(): boolean {
    return this.models.every((m) => m.hasUncertainties());
  }

  /** Data points over all models. */
  pointCount(): number {
    return this.npoints;
  }

  /** Residuals (models, then Gaussian priors); 0 when some model defines only an nllf. */
  residualCount(): number {
    this.refresh();
    return this.nres;
  }

  /** Degrees of freedom: residuals (or data points) minus free parameters. */
  dof(): number {
    return (this.nres > 0 ? this.nres : this.npoints) - this.free.length;
  }

  /** True when `x` (default: current values) is within the bounds and satisfies the constraints. */
  feasible(x?: ArrayLike<number>): boolean {
    if (x !== undefined) this.setValues(x);
    return this.inBounds() && this.constraintsHold();
  }

  /**
   * Negative log-likelihood (see the class); Infinity outside bounds or constraints, and where a
   * model's nllf is NaN or ±Infinity.
   */
  nllf(x?: ArrayLike<number>): number {
    if (x !== undefined) this.setValues(x);
    let s = 0;
    for (const p of this.free) s += p.nllf();
    if (!Number.isFinite(s)) return Infinity;
    if (!this.constraintsHold()) return Infinity;
    for (let i = 0; i < this.models.length; i++) {
      const w = this.weights[i];
      if (w === 0) continue;
      s += w * this.models[i].nllf();
    }
    // −Infinity (a likelihood that diverges) is no more a minimum than NaN is: both reject the point.
    return Number.isFinite(s) ? s : Infinity;
  }

  /**
   * The nllf at `x` from the residuals there (see Problem): the same sums in the same order as
   * {@link nllf}, each model's part read off its residuals. Only when every model can (a Gaussian
   * misfit) and every weight is 1: a residual scaled by √w squares to w·r² only up to rounding.
   */
  nllfFromResiduals(x: ArrayLike<number>, residuals: Float64Array): number | undefined {
    this.refresh();
    if (residuals.length !== this.nres) return undefined;
    const parts = new Float64Array(this.models.length);
    for (let i = 0; i < this.models.length; i++) {
      const part = this.weights[i] === 1 ? this.models[i].nllfFromResiduals?.(residuals, this.modelOffsets[i]) : undefined;
      if (part === undefined) return undefined;
      parts[i] = part;
    }
    this.setValues(x);
    let s = 0;
    for (const p of this.free) s += p.nllf();
    if (!Number.isFinite(s)) return Infinity;
    if (!this.constraintsHold()) return Infinity;
    for (let i = 0; i < this.models.length; i++) s += this.weights[i] * parts[i];
    return Number.isFinite(s) ? s : Infinity;
  }

  /**
   * The priors' part of the nllf at `x`: Σ −log prior(p) over the free parameters; Infinity
   * outside the bounds or the constraints (where the model is not evaluated either).
   */
  priorNllf(x: ArrayLike<number>): number {
    this.setValues(x);
    let s = 0;
    for (const p of this.free) s += p.nllf();
    return Number.isFinite(s) && this.constraintsHold() ? s : Infinity;
  }

  /** True when free parameter `index` has a Gaussian prior or a finite range (see Problem). */
  properPrior(index: number): boolean {
    const p = this.free[index];
    if (p === undefined) throw new RangeError(`FitProblem: no fitted parameter ${index}`);
    return p.prior.kind === "normal" || (Number.isFinite(p.lower) && Number.isFinite(p.upper));
  }

  /** Residuals at `x` (default current values); all Infinity when a constraint fails. */
  residuals(x?: ArrayLike<number>, out?: Float64Array): Float64Array {
    if (this.nres === 0)
      throw new Error(
        "FitProblem: this problem has no residuals (a model defines only an nllf); use an nllf method such as amoeba",
      );
    if (x !== undefined) this.setValues(x);
    const r = out ?? new Float64Array(this.nres);
    if (!this.constraintsHold()) {
      r.fill(Infinity);
      return r;
    }
    for (let i = 0; i < this.models.length; i++) {
      const m = this.models[i];
      const off = this.modelOffsets[i];
      m.residuals(r, off);
      const w = this.weights[i];
      if (w !== 1) {
        const sw = Math.sqrt(w);
        for (let k = off; k < off + m.residualCount(); k++) r[k] *= sw;
      }
    }
    let row = this.nres - this.priorRows.length;
    for (const j of this.priorRows) {
      const p = this.free[j];
      const prior = p.prior as { mean: number; sigma: number };
      r[row++] = (p.value - prior.mean) / prior.sigma;
    }
    return r;
  }

  /**
   * Analytic Jacobian of the residuals (row-major, residuals × free parameters) when every model
   * provides one and no model parameter is tied; undefined otherwise.
   */
  jacobian(x: ArrayLike<number>, out?: Float64Array): Float64Array | undefined {
    if (this.nres === 0) return undefined;
    this.setValues(x);
    if (!this.constraintsHold()) return undefined;
    const np = this.free.length;
    const J = out ?? new Float64Array(this.nres * np);
    J.fill(0);
    for (let i = 0; i < this.models.length; i++) {
      const m = this.models[i];
      if (typeof m.jacobian !== "function") return undefined;
      const params = m.parameters();
      const column = new Int32Array(params.length);
      for (let k = 0; k < params.length; k++) {
        if (params[k].tied) return undefined;
        column[k] = this.free.indexOf(params[k]);
      }
      if (!m.jacobian(J, this.modelOffsets[i], np, column)) return undefined;
      const w = this.weights[i];
      if (w !== 1) {
        const sw = Math.sqrt(w);
        const off = this.modelOffsets[i];
        for (let k = off * np; k < (off + m.residualCount()) * np; k++) J[k] *= sw;
      }
    }
    let row = this.nres - this.priorRows.length;
    for (const j of this.priorRows) {
      const prior = this.free[j].prior as { sigma: number };
      J[row++ * np + j] = 1 / prior.sigma;
    }
    return J;
  }

  /** Reduced chi-square at the current values: Σ r² / dof (2·nllf / dof without residuals). */
  chisq(): number {
    const dof = Math.max(1, this.dof());
    if (this.nres === 0) return (2 * this.nllf()) / dof;
    const r = this.residuals();
    let s = 0;
    for (let i = 0; i < r.length; i++) s += r[i] * r[i];
    return s / dof;
  }

  /**
   * A point drawn from the priors within bounds: uniform on finite ranges, the Gaussian for
   * `dev`, and for (half-)infinite ranges the current value plus a normal deviate of scale
   * max(|value|, 1), reflected into the range.
   */
  randomPoint(rng: Random, out?: Float64Array): Float64Array {
    const x = out ?? new Float64Array(this.free.length);
    this.free.forEach((p, j) => {
      const lo = p.lower;
      const hi = p.upper;
      let v: number;
      if (p.prior.kind === "normal") {
        let tries = 0;
        do v = p.prior.mean + p.prior.sigma * rng.normal();
        while ((v < lo || v > hi) && ++tries < 1000);
        if (v < lo || v > hi) v = Math.min(hi, Math.max(lo, p.prior.mean));
      } else if (Number.isFinite(lo) && Number.isFinite(hi)) {
        v = rng.between(lo, hi);
      } else {
        const scale = Math.max(Math.abs(p.value), 1);
        v = p.value + scale * rng.normal();
        if (v < lo) v = lo + (lo - v);
        if (v > hi) v = hi - (v - hi);
      }
      x[j] = v;
    });
    return x;
  }

  /**
   * Explains why the nllf or the residuals are not finite at the current values (a parameter out
   * of bounds, a failed constraint, a model returning NaN or ±Infinity at a given point), or
   * undefined when they are finite.
   */
  diagnose(): string | undefined {
    for (const p of this.free) {
      if (!(p.value >= p.lower && p.value <= p.upper))
        return `parameter ${p.name} = ${p.value} is outside its range [${p.lower}, ${p.upper}]`;
    }
    for (let i = 0; i < this.constraints.length; i++) {
      const c = this.constraints[i]();
      if (!(c >= 0)) return `constraint ${i} is not satisfied (it returned ${c})`;
    }
    for (let i = 0; i < this.models.length; i++) {
      const m = this.models[i];
      const label = m.name ?? `model ${i}`;
      if (m.residualCount() > 0) {
        const r = new Float64Array(m.residualCount());
        m.residuals(r, 0);
        for (let k = 0; k < r.length; k++) {
          if (!Number.isFinite(r[k])) return `${label} gives ${r[k]} at point ${k} with ${this.describeValues()}`;
        }
      }
      const v = m.nllf();
      if (!Number.isFinite(v)) return `${label} gives nllf = ${v} with ${this.describeValues()}`;
    }
    return undefined;
  }

  /**
   * The title of model `i` in plots: its own name, else the notebook variable it was declared as;
   * a problem's only model then takes the problem's name or variable, and otherwise it is "model"
   * ("model 1", "model 2", ... when there are several).
   */
  modelTitle(i: number): string {
    const m = this.models[i];
    const own = m.name ?? m.variableName;
    if (own !== undefined && own !== "") return own;
    if (this.models.length > 1) return `model ${i + 1}`;
    if (this.name !== DEFAULT_PROBLEM_NAME && this.name !== "") return this.name;
    return this.variableName ?? "model";
  }

  /** The models' data and fit at the current values, for the fit bundle. */
  bundleModels(): FitBundleModel[] {
    return this.models.map((m, i) => {
      const name = this.modelTitle(i);
      return { name, ...(typeof m.bundle === "function" ? m.bundle() : nllfBundle(m.hasUncertainties())) };
    });
  }

  private describeValues(): string {
    return this.free.map((p, j) => `${this.names[j]} = ${p.value}`).join(", ");
  }

  private inBounds(): boolean {
    for (const p of this.free) if (!(p.value >= p.lower && p.value <= p.upper)) return false;
    return true;
  }

  private constraintsHold(): boolean {
    for (const c of this.constraints) if (!(c() >= 0)) return false;
    return true;
  }

  private makeLabels(): string[] {
    const count = new Map<string, number>();
    for (const p of this.free) count.set(p.name, (count.get(p.name) ?? 0) + 1);
    return this.free.map((p) => {
      if ((count.get(p.name) ?? 0) < 2) return p.name;
      const i = this.models.findIndex((m) => m.parameters().includes(p));
      return `${this.models[i].name ?? `M${i}`}.${p.name}`;
    });
  }
}
