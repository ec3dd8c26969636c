/**
 * Speculative evaluation for `lm` on a parallel evaluator. A serial LM iteration waits twice on
 * the model: for the trial point, then (when the step is accepted) for the Jacobian's points at it.
 * The Jacobian's points are fully determined by the trial point, so they can be evaluated in the
 * same round as the trial point, on otherwise idle workers, before the acceptance is known.
 *
 * Exactness does not rest on predicting right: the LM iteration runs its serial code unchanged
 * and asks this cache for every residual vector it needs. A point evaluated ahead is served only
 * when the iteration asks for exactly that point (the same bits), and the evaluator computes the
 * same residuals as the serial path, so the accepted path, every value and the result are the
 * serial fit's. A wrong guess costs only idle workers' time. The iteration's evaluation count is
 * the serial one; the points evaluated ahead and never asked for are counted apart.
 */
import type { EvaluationCounter } from "../../methods.js";
import type { PopulationEvaluator } from "../../samplers/evaluator.js";

/**
 * The points the iteration will probably ask for next, most likely first: it calls `offer` with
 * each (the point is copied) and stops when `offer` returns false (the round is full).
 */
export type AheadOfNeed = (offer: (point: Float64Array) => boolean) => void;

/** One evaluated point in the cache. */
interface Entry {
  readonly residuals: Float64Array;
  /** The round that evaluated it (old entries are dropped). */
  readonly round: number;
  /** Evaluated ahead of need (a speculation), not because the iteration asked. */
  readonly ahead: boolean;
  /** Whether the iteration has asked for it. */
  served: boolean;
}

/** Rounds an entry stays cached: a line-search point can be refused and the trial point's Jacobian then asked for. */
const KEEP_ROUNDS = 3;

/** Residual vectors for an LM iteration, evaluated in rounds that also carry the points it will probably need next. */
export class LmSpeculation {
  private readonly cache = new Map<string, Entry>();
  private readonly key = new Float64Array(1);
  private readonly keyWords = new Uint16Array(this.key.buffer);
  private points = new Float64Array(0);
  private out = new Float64Array(0);
  private round = 0;
  private unused = 0;

  /**
   * @param evaluator evaluates residual vectors of many points at once (`evaluateResiduals`);
   *   rounds are filled up to a multiple of its `concurrency` (read each round: workers come and go)
   * @param n parameters per point
   * @param m residuals per point
   * @param counter counts the evaluations the iteration asks for, as the serial path counts them
   * @param local evaluates one needed point per round in this thread while the workers evaluate
   *   the others (the serial path's own evaluation, counted by the problem as the serial path's is)
   */
  constructor(
    private readonly evaluator: PopulationEvaluator,
    private readonly n: number,
    private readonly m: number,
    private readonly counter: EvaluationCounter | undefined,
    private readonly local?: (at: Float64Array, out: Float64Array) => void,
  ) {
    if (typeof evaluator.evaluateResiduals !== "function")
      throw new Error("lm: speculative evaluation needs an evaluator of residual vectors (evaluateResiduals)");
  }

  /**
   * Writes the residuals of the `count` points (row-major `count × n`) into `out` (`count × m`).
   * Points not evaluated yet are evaluated in one round together with what `ahead` offers, up to
   * the round's free places.
   */
  async residuals(points: Float64Array, count: number, out: Float64Array, ahead?: AheadOfNeed): Promise<void> {
    const { n, m } = this;
    const missing: number[] = [];
    const keys: string[] = [];
    const hits = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const k = this.keyOf(points, i * n);
      keys.push(k);
      const hit = this.cache.get(k);
      if (hit === undefined) {
        if (!missing.some((j) => keys[j] === k)) missing.push(i);
        continue;
      }
      hits[i] = 1;
      hit.served = true;
      out.set(hit.residuals, i * m);
    }
    // The point evaluated in this thread is counted by the problem, as on the serial path.
    if (this.counter) this.counter.count += count - (missing.length > 0 && this.local ? 1 : 0);
    if (missing.length > 0) {
      await this.evaluate(points, missing, keys, ahead);
      // Only the points that missed: the round may have dropped old entries that were hits (already copied).
      for (let i = 0; i < count; i++) {
        if (hits[i]) continue;
        const entry = this.cache.get(keys[i])!;
        entry.served = true;
        out.set(entry.residuals, i * m);
      }
    }
  }

  /** Points evaluated ahead of need whose residuals the iteration never asked for (so far). */
  unusedAhead(): number {
    let open = 0;
    for (const e of this.cache.values()) if (e.ahead && !e.served) open++;
    return this.unused + open;
  }

  /** Evaluates the missing rows of `points` and what `ahead` offers in one round; caches them all. */
  private async evaluate(points: Float64Array, missing: number[], keys: string[], ahead: AheadOfNeed | undefined): Promise<void> {
    const { n, m } = this;
    const needed = missing.length;
    // This thread takes the first needed point; the workers' part is filled up to whole rounds.
    const here = this.local ? 1 : 0;
    const width = Math.max(1, this.evaluator.concurrency ?? 1);
    const room = ahead === undefined ? needed : here + Math.max(1, Math.ceil((needed - here) / width)) * width;
    if (this.points.length < room * n) {
      this.points = new Float64Array(room * n);
      this.out = new Float64Array(room * m);
    }
    const batch = this.points;
    const batchKeys: string[] = [];
    for (const i of missing) {
      batch.set(points.subarray(i * n, i * n + n), batchKeys.length * n);
      batchKeys.push(keys[i]);
    }
    if (ahead !== undefined && room > needed) {
      ahead((point) => {
        if (batchKeys.length >= room) return false;
        const k = this.keyOf(point, 0);
        if (!this.cache.has(k) && !batchKeys.includes(k)) {
          batch.set(point.subarray(0, n), batchKeys.length * n);
          batchKeys.push(k);
        }
        return batchKeys.length < room;
      });
    }
    let count = batchKeys.length;
    const workers = (upTo: number): Promise<void> | undefined =>
      upTo > here
        ? this.evaluator.evaluateResiduals!(batch.subarray(here * n), upTo - here, this.out.subarray(here * m))
        : undefined;
    // The workers get their points before this thread evaluates its own.
    const pending = workers(count);
    try {
      if (this.local) this.local(batch.subarray(0, n), this.out.subarray(0, m));
    } catch (error) {
      await pending?.catch(() => undefined);
      throw error;
    }
    try {
      await pending;
    } catch (error) {
      // A point evaluated ahead may be one where the model throws, which the serial iteration
      // would never have evaluated: only the needed points' own failure is the fit's.
      if (count === needed) throw error;
      count = needed;
      await workers(count);
    }
    this.round++;
    for (const [k, e] of this.cache) {
      if (e.round > this.round - KEEP_ROUNDS) continue;
      if (e.ahead && !e.served) this.unused++;
      this.cache.delete(k);
    }
    for (let b = 0; b < count; b++) {
      const residuals = this.out.slice(b * m, b * m + m);
      this.cache.set(batchKeys[b], { residuals, round: this.round, ahead: b >= needed, served: false });
    }
  }

  /** The exact bits of the point at `points[offset, offset + n)` as a string. */
  private keyOf(points: Float64Array, offset: number): string {
    let s = "";
    for (let j = 0; j < this.n; j++) {
      this.key[0] = points[offset + j];
      const w = this.keyWords;
      s += String.fromCharCode(w[0], w[1], w[2], w[3]);
    }
    return s;
  }
}
