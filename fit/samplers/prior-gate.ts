/**
 * Points the prior refuses are decided where the sampler runs, before a population is handed to
 * workers: a point outside the bounds or the constraints has nllf Infinity without a model call
 * (`Problem.nllf`), so sending it out only makes the slice that holds it look as costly as the
 * others while it takes no time. The gate keeps those points home and gives the evaluator it wraps
 * only the points that need the model, packed together, so its even split is even in real cost.
 * The numbers are the ones a serial run gets: Infinity for a refused point, the model's nllf for
 * the others.
 */
import type { PopulationEvaluator } from "./evaluator.js";
import type { Problem } from "../types.js";

/** Wraps an evaluator that spreads work (threads, nodes) so that it never sees a refused point. */
export class PriorGateEvaluator implements PopulationEvaluator {
  private readonly p: number;
  private readonly lower: Float64Array;
  private readonly upper: Float64Array;
  // Reused between populations: the inner evaluator holds the packed points only until it resolves.
  private packed = new Float64Array(0);
  private packedOut = new Float64Array(0);
  private index = new Int32Array(0);
  /** One point's coordinates, copied for the prior (no view per point). */
  private readonly x: Float64Array;
  /** Points refused here so far (none of them reached the inner evaluator). */
  refused = 0;

  /**
   * @param problem the sampler's problem, whose prior (or bounds, without one) decides refusals
   * @param inner the evaluator that evaluates the points that need the model
   */
  constructor(
    private readonly problem: Problem,
    private readonly inner: PopulationEvaluator,
  ) {
    this.p = problem.labels().length;
    this.x = new Float64Array(this.p);
    const { lower, upper } = problem.bounds();
    this.lower = lower;
    this.upper = upper;
  }

  /** Whether the nllf at `x` is Infinity by the prior alone. */
  private refuses(x: Float64Array): boolean {
    if (this.problem.priorNllf) return this.problem.priorNllf(x) === Infinity;
    for (let k = 0; k < this.p; k++) if (!(x[k] >= this.lower[k] && x[k] <= this.upper[k])) return true;
    return false;
  }

  /** @inheritDoc */
  async evaluatePopulation(points: Float64Array, count: number, out: Float64Array): Promise<void> {
    const p = this.p;
    if (this.index.length < count) {
      this.packed = new Float64Array(count * p);
      this.packedOut = new Float64Array(count);
      this.index = new Int32Array(count);
    }
    const { x, packed } = this;
    let m = 0;
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < p; k++) x[k] = points[i * p + k];
      if (this.refuses(x)) {
        out[i] = Infinity;
        continue;
      }
      packed.set(x, m * p);
      this.index[m++] = i;
    }
    this.refused += count - m;
    if (m === count) return this.inner.evaluatePopulation(points, count, out);
    if (m === 0) return;
    await this.inner.evaluatePopulation(this.packed.subarray(0, m * p), m, this.packedOut);
    for (let k = 0; k < m; k++) out[this.index[k]] = this.packedOut[k];
  }

  /** @inheritDoc */
  close(): Promise<void> {
    return this.inner.close();
  }
}
