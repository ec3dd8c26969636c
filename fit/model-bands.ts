/**
 * The model's uncertainty band from a sampler's draws: the model curve is evaluated on its plot
 * grid at a thinned set of posterior draws, and at each grid point the central 68% and 95%
 * intervals of those values are kept (the fit bundle's `curve.bands`, schema/fit.ts). The spread
 * of the parameters becomes the spread of the model, correlations included, which the parameter
 * table alone cannot show. A model slow enough for the evaluations to be felt is evaluated on the
 * sampler's workers (its `evaluator` when that can evaluate curves: worker threads, or the srun'd
 * workers of a spread fit; else a pool for its `parallel` option when the model comes from a
 * file); without workers, on fewer draws when all would take long.
 */
import type { FitBundleBands, FitBundleModel } from "../schema/fit.js";
import { McmcSamples } from "./mcmc/samples.js";
import { P68, P95, quantileSorted } from "./mcmc/stats.js";
import type { Model } from "./model.js";
import type { FitResult } from "./result.js";
import type { Problem } from "./types.js";
import { parallelEvaluatorFactory, type PopulationEvaluator } from "./samplers/evaluator.js";

/** Posterior draws at which the model is evaluated for its band (evenly spread over all kept draws). */
export const BAND_DRAWS = 300;

/**
 * When evaluating the band serially is estimated to take longer than this (milliseconds, from the
 * time of one draw) and the fit ran with `parallel` on a model file, the worker threads do it.
 */
export const SLOW_BAND_MS = 300;

/**
 * A band takes about this long at most (milliseconds of wall time), or {@link BAND_SHARE} of the
 * fit's own time when that is longer: a model too slow for {@link BAND_DRAWS} draws in that time,
 * on the threads or workers at hand, gets fewer, but never fewer than {@link MIN_BAND_DRAWS}. The
 * bundle's `bands.draws` says how many were used.
 */
export const BAND_BUDGET_MS = 2000;

/**
 * The share of the fit's time a band may take beyond {@link BAND_BUDGET_MS}: a band is a picture
 * of the draws, and should not keep a long fit's user waiting much longer than the draws did
 * (a curve grid is much denser than the data, so one draw's curve can cost many evaluations).
 */
export const BAND_SHARE = 0.1;

/** Fewest draws a band is made of (the 95% band's ends are then the 3rd and 98th of 100 values). */
export const MIN_BAND_DRAWS = 100;

/** Where one model's curve is evaluated, and where its values sit in a draw's row of values. */
export interface BandGrid {
  /** Index of the model in the problem (and in the fit bundle's `models`). */
  model: number;
  /** The curve's abscissae (the same grid as the bundle's `curve.x`). */
  x: Float64Array;
  /** Responses per abscissa. */
  responses: number;
  /** Offset of this model's values in a row; they take `x.length × responses` entries, response-major. */
  offset: number;
}

/** What the band needs of a problem: its models and a way to set the fitted parameters. */
export interface BandSource {
  /** The problem's models, in order. */
  readonly models: readonly Model[];
  /** Sets the fitted parameters. */
  setValues(x: ArrayLike<number>): void;
}

/** True when `problem` exposes its models (a FitProblem does). */
export function isBandSource(problem: unknown): problem is BandSource {
  if (typeof problem !== "object" || problem === null) return false;
  const p = problem as Partial<BandSource>;
  return Array.isArray(p.models) && typeof p.setValues === "function";
}

/** The grids of every model that draws a curve and can evaluate itself on it; empty when none does. */
export function bandGrids(problem: BandSource): BandGrid[] {
  const grids: BandGrid[] = [];
  let offset = 0;
  problem.models.forEach((m, model) => {
    if (typeof m.curveGrid !== "function" || typeof m.evaluateAt !== "function") return;
    const grid = m.curveGrid();
    if (grid === null || grid.x.length === 0) return;
    grids.push({ model, x: grid.x, responses: grid.responses, offset });
    offset += grid.x.length * grid.responses;
  });
  return grids;
}

/** Number of values in one draw's row (all grids together). */
export function bandWidth(grids: readonly BandGrid[]): number {
  const last = grids.at(-1);
  return last === undefined ? 0 : last.offset + last.x.length * last.responses;
}

/**
 * Writes every grid's model values at the fitted point `x` into `out` (length {@link bandWidth}).
 * A model that throws at `x` leaves NaN in its part: one draw the model cannot evaluate must not
 * lose the band.
 */
export function curvesAt(problem: BandSource, grids: readonly BandGrid[], x: ArrayLike<number>, out: Float64Array): void {
  problem.setValues(x);
  for (const g of grids) {
    const part = out.subarray(g.offset, g.offset + g.x.length * g.responses);
    try {
      problem.models[g.model].evaluateAt!(g.x, part);
    } catch {
      part.fill(Number.NaN);
    }
  }
}

/**
 * `count` draws (all when there are fewer) spread evenly over the kept draws in their stored
 * order (draw-major, chains inside), so every chain and every part of the run contribute.
 */
export function thinnedDraws(samples: McmcSamples, count: number = BAND_DRAWS): { points: Float64Array; count: number } {
  const total = samples.size;
  const n = Math.min(count, total);
  const p = samples.nparams;
  const points = new Float64Array(n * p);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(((k + 0.5) * total) / n);
    points.set(samples.points.subarray(i * p, i * p + p), k * p);
  }
  return { points, count: n };
}

/**
 * The bands of each grid from the model values of `draws` draws (`values[d * width + j]`): at
 * each column the quantiles of its finite values; null where fewer than half are finite.
 */
export function bandsFrom(values: Float64Array, draws: number, grids: readonly BandGrid[]): FitBundleBands[] {
  const width = bandWidth(grids);
  const column = new Float64Array(draws);
  const lo68 = new Float64Array(width);
  const hi68 = new Float64Array(width);
  const lo95 = new Float64Array(width);
  const hi95 = new Float64Array(width);
  for (let j = 0; j < width; j++) {
    let n = 0;
    for (let d = 0; d < draws; d++) {
      const v = values[d * width + j];
      if (Number.isFinite(v)) column[n++] = v;
    }
    if (n === 0 || 2 * n < draws) {
      lo68[j] = hi68[j] = lo95[j] = hi95[j] = Number.NaN;
      continue;
    }
    const sorted = column.subarray(0, n).sort();
    lo68[j] = quantileSorted(sorted, P68[0]);
    hi68[j] = quantileSorted(sorted, P68[1]);
    lo95[j] = quantileSorted(sorted, P95[0]);
    hi95[j] = quantileSorted(sorted, P95[1]);
  }
  return grids.map((g) => {
    const rows = (a: Float64Array): (number | null)[][] =>
      Array.from({ length: g.responses }, (_, r) =>
        Array.from(a.subarray(g.offset + r * g.x.length, g.offset + (r + 1) * g.x.length), (v) =>
          Number.isFinite(v) ? v : null,
        ),
      );
    return { draws, lower68: rows(lo68), upper68: rows(hi68), lower95: rows(lo95), upper95: rows(hi95) };
  });
}

/** How the band of a sampler's result may be evaluated. */
export interface BandOptions {
  /** The sampler's `parallel` option: worker threads the band may use for a slow model. */
  parallel?: number | "auto" | false;
  /** The module the workers load (they need it to have the model). */
  modelFile?: string;
  /** Draws to evaluate (default {@link BAND_DRAWS}). */
  draws?: number;
  /** Evaluate on workers whatever the model's cost (when they can be used at all). */
  forceWorkers?: boolean;
  /** How long the fit took before its band (milliseconds): the band's budget grows with it. */
  fitMs?: number;
  /** The band's wall-time budget in milliseconds (default: {@link BAND_BUDGET_MS}, or {@link BAND_SHARE} of `fitMs` when longer). */
  budgetMs?: number;
  /**
   * The sampler's own evaluator (the caller's, left open): used for a slow model when it can
   * evaluate curves (a worker-thread pool, the ZeroMQ workers of a spread fit), instead of starting a pool.
   */
  evaluator?: PopulationEvaluator;
}

/** What {@link addModelBands} did: how many draws, whether workers evaluated them, and how long it took. */
export interface BandOutcome {
  /** Draws evaluated (0: no band was made). */
  draws: number;
  /** Whether the evaluations ran on workers (threads, or the nodes of a spread fit). */
  workers: boolean;
  /** The estimated serial cost of the evaluations, in milliseconds, from the first draw. */
  estimatedMs: number;
  /** Wall-clock seconds the band took, from the draws' thinning to the quantiles. */
  seconds: number;
}

/**
 * Adds `curve.bands` to the plot data of `result` (a sampler's result) from its draws, evaluated
 * with `problem`'s models; leaves the problem at `result.x`. Results without draws, and models
 * without a curve, are left as they are. Never throws for the model's sake: a band is a
 * courtesy, the draws are the result.
 */
export async function addModelBands(result: FitResult, problem: Problem, options: BandOptions = {}): Promise<BandOutcome> {
  const start = performance.now();
  const outcome = await makeBands(result, problem, options);
  return { ...outcome, seconds: (performance.now() - start) / 1000 };
}

/** {@link addModelBands} without its timing. */
async function makeBands(result: FitResult, problem: Problem, options: BandOptions): Promise<Omit<BandOutcome, "seconds">> {
  const none = { draws: 0, workers: false, estimatedMs: 0 };
  const samples = result.samples;
  if (!(samples instanceof McmcSamples) || samples.size === 0 || !isBandSource(problem)) return none;
  const grids = bandGrids(problem);
  const models: FitBundleModel[] = result.models;
  if (grids.length === 0 || models.length !== problem.models.length) return none;
  if (grids.some((g) => models[g.model].curve?.x.length !== g.x.length)) return none;
  const width = bandWidth(grids);
  let { points, count } = thinnedDraws(samples, options.draws ?? BAND_DRAWS);
  const p = samples.nparams;
  let values = new Float64Array(count * width);
  let outcome: Omit<BandOutcome, "seconds">;
  try {
    // The first draw is evaluated here and timed: it says whether the rest is worth sending to
    // workers, and how many draws fit the budget on the threads or workers at hand.
    const start = performance.now();
    curvesAt(problem, grids, points.subarray(0, p), values.subarray(0, width));
    const perDraw = performance.now() - start;
    const estimatedMs = perDraw * count;
    const budgetMs = options.budgetMs ?? Math.max(BAND_BUDGET_MS, BAND_SHARE * (options.fitMs ?? 0));
    const affordable = (workers: number): number =>
      Math.max(MIN_BAND_DRAWS, Math.floor((budgetMs * workers) / Math.max(perDraw, 1e-6)));
    const thinTo = (most: number): void => {
      if (most >= count) return;
      ({ points, count } = thinnedDraws(samples, most));
      values = new Float64Array(count * width);
      curvesAt(problem, grids, points.subarray(0, p), values.subarray(0, width));
    };
    const pool =
      count > 1 && (options.forceWorkers === true || estimatedMs > SLOW_BAND_MS)
        ? await bandWorkers(problem, options).catch(() => undefined)
        : undefined;
    if (pool !== undefined) thinTo(affordable(Math.max(1, pool.evaluator.concurrency ?? 1)));
    // Workers that fail (a model file that no longer loads, a lost thread) leave the band to the calling thread.
    const threaded =
      pool !== undefined &&
      (await pool.evaluator.evaluateCurves!(points.subarray(p), count - 1, width, values.subarray(width))
        .then(() => true)
        .catch(() => false)
        .finally(() => (pool.owned ? pool.evaluator.close() : undefined)));
    if (!threaded) {
      thinTo(affordable(1));
      for (let d = 1; d < count; d++)
        curvesAt(problem, grids, points.subarray(d * p, d * p + p), values.subarray(d * width, (d + 1) * width));
    }
    outcome = { draws: count, workers: threaded, estimatedMs };
  } catch {
    return none;
  } finally {
    problem.setValues(result.x);
  }
  const bands = bandsFrom(values, count, grids);
  grids.forEach((g, i) => {
    const curve = models[g.model].curve;
    if (curve !== null) curve.bands = bands[i];
  });
  return outcome;
}

/**
 * Worker threads that evaluate curves, when the options allow them: the sampler's own evaluator
 * when it can (not ours to close), else a pool started for the band; undefined otherwise.
 */
async function bandWorkers(
  problem: Problem,
  options: BandOptions,
): Promise<{ evaluator: PopulationEvaluator; owned: boolean } | undefined> {
  if (typeof options.evaluator?.evaluateCurves === "function") return { evaluator: options.evaluator, owned: false };
  const factory = parallelEvaluatorFactory();
  const parallel = options.parallel;
  if (factory === undefined || options.modelFile === undefined || parallel === undefined || parallel === false || parallel === 1)
    return undefined;
  const evaluator = await factory(problem, parallel, options.modelFile);
  if (typeof evaluator.evaluateCurves !== "function") {
    await evaluator.close();
    return undefined;
  }
  return { evaluator, owned: true };
}
