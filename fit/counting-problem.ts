/**
 * A view of a problem that counts evaluations, so every method reports evaluations the same way
 * without counting by hand.
 */
import type { FitBundleModel } from "../schema/fit.js";
import type { EvaluationCounter } from "./methods.js";
import type { Random } from "./random.js";
import type { Problem } from "./types.js";

/** Delegates to `inner`, adding one to `counter` per nllf, residuals or analytic jacobian call. */
export class CountingProblem implements Problem {
  /** The problem being counted. */
  readonly inner: Problem;
  private readonly counter: EvaluationCounter;

  /** Counts `inner`'s evaluations in `counter`. */
  constructor(inner: Problem, counter: EvaluationCounter) {
    this.inner = inner;
    this.counter = counter;
    if (typeof inner.jacobian !== "function") this.jacobian = undefined;
    if (typeof inner.priorNllf !== "function") this.priorNllf = undefined;
    if (typeof inner.properPrior !== "function") this.properPrior = undefined;
    if (typeof inner.diagnose !== "function") this.diagnose = undefined;
    if (typeof inner.nllfFromResiduals !== "function") this.nllfFromResiduals = undefined;
  }

  /** See Problem (not counted: it evaluates no model). */
  priorNllf?: (x: ArrayLike<number>) => number = (x) => this.inner.priorNllf!(x);
  /** See Problem (not counted: it evaluates no model). */
  nllfFromResiduals?: (x: ArrayLike<number>, residuals: Float64Array) => number | undefined = (x, residuals) =>
    this.inner.nllfFromResiduals!(x, residuals);
  /** See Problem (not counted: it explains, it does not search). */
  diagnose?: () => string | undefined = () => this.inner.diagnose!();
  /** See Problem. */
  properPrior?: (index: number) => boolean = (index) => this.inner.properPrior!(index);

  /** See Problem. */
  labels(): string[] {
    return this.inner.labels();
  }
  /** See Problem. */
  getValues(): Float64Array {
    return this.inner.getValues();
  }
  /** See Problem. */
  setValues(x: ArrayLike<number>): void {
    this.inner.setValues(x);
  }
  /** See Problem. */
  bounds(): { lower: Float64Array; upper: Float64Array } {
    return this.inner.bounds();
  }
  /** See Problem (counted). */
  nllf(x?: ArrayLike<number>): number {
    this.counter.count++;
    return this.inner.nllf(x);
  }
  /** See Problem. */
  residualCount(): number {
    return this.inner.residualCount();
  }
  /** See Problem (counted). */
  residuals(x?: ArrayLike<number>, out?: Float64Array): Float64Array {
    this.counter.count++;
    return this.inner.residuals(x, out);
  }
  /** See Problem (counted when analytic). */
  jacobian?: (x: ArrayLike<number>, out?: Float64Array) => Float64Array | undefined = (x, out) => {
    const J = this.inner.jacobian?.(x, out);
    if (J !== undefined) this.counter.count++;
    return J;
  };
  /** See Problem. */
  randomPoint(rng: Random, out?: Float64Array): Float64Array {
    return this.inner.randomPoint(rng, out);
  }
  /** See Problem. */
  hasUncertainties(): boolean {
    return this.inner.hasUncertainties();
  }
  /** See Problem. */
  pointCount(): number {
    return this.inner.pointCount();
  }
  /** The inner problem's plot data, when it has some. */
  bundleModels(): FitBundleModel[] {
    const p = this.inner as Partial<{ bundleModels(): FitBundleModel[] }>;
    return typeof p.bundleModels === "function" ? p.bundleModels.call(this.inner) : [];
  }
}
