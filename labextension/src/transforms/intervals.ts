/**
 * Quantiles, central credible intervals and histograms of posterior draws, for the marginal
 * plots. Quantiles use linear interpolation between order statistics (Hyndman & Fan 1996,
 * definition 7, the default of numpy and R), the same definition the sampler's stats use.
 */

/** Sorted copy of `values` without non-finite entries. */
export function sortedFinite(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[j++] = values[i];
  return out.sort();
}

/** The `q`-quantile (0 ≤ q ≤ 1) of already sorted values (Hyndman & Fan type 7). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** The central credible interval holding `level` (e.g. 0.68, 0.95) of the draws. */
export function centralInterval(sorted: Float64Array, level: number): [number, number] {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  const tail = (1 - level) / 2;
  return [quantileSorted(sorted, tail), quantileSorted(sorted, 1 - tail)];
}

/** A histogram: `edges` has one more entry than `counts`; `density` integrates to 1. */
export interface Histogram {
  edges: Float64Array;
  counts: Float64Array;
  density: Float64Array;
}

/**
 * Number of bins by the Freedman–Diaconis rule (bin width 2 IQR n^(-1/3); Freedman & Diaconis
 * 1981), clamped to [5, maxBins]; falls back to sqrt(n) when the IQR is zero.
 */
export function binCount(sorted: Float64Array, maxBins = 80): number {
  const n = sorted.length;
  if (n < 2) return 1;
  const range = sorted[n - 1] - sorted[0];
  const iqr = quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
  const raw = iqr > 0 && range > 0 ? range / (2 * iqr * Math.cbrt(1 / n)) : Math.sqrt(n);
  return Math.max(5, Math.min(maxBins, Math.ceil(raw)));
}

/** Histogram of `values` with `bins` equal bins over `[lo, hi]` (default: the data's range). */
export function histogram(values: ArrayLike<number>, bins: number, lo?: number, hi?: number): Histogram {
  if (!(Number.isInteger(bins) && bins >= 1)) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  let min = lo ?? Infinity;
  let max = hi ?? -Infinity;
  if (lo === undefined || hi === undefined) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (lo === undefined && v < min) min = v;
      if (hi === undefined && v > max) max = v;
    }
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    min = 0;
    max = 1;
  }
  if (max === min) {
    // All draws equal (a fixed-looking parameter): one visible bin around the value.
    const half = Math.abs(min) * 1e-6 || 0.5;
    min -= half;
    max += half;
  }
  const width = (max - min) / bins;
  const edges = new Float64Array(bins + 1);
  for (let b = 0; b <= bins; b++) edges[b] = min + b * width;
  const counts = new Float64Array(bins);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= min && v <= max)) continue;
    const b = v === max ? bins - 1 : Math.floor((v - min) / width);
    counts[b]++;
    total++;
  }
  const density = new Float64Array(bins);
  if (total > 0) for (let b = 0; b < bins; b++) density[b] = counts[b] / (total * width);
  return { edges, counts, density };
}
