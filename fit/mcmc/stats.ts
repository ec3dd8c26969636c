/**
 * Marginal statistics of posterior draws: mean, standard deviation, quantiles (linear
 * interpolation between order statistics, Hyndman & Fan 1996 type 7) and correlations.
 */

/** Lower and upper probabilities of the central 68.27% interval (±1σ of a normal). */
export const P68: readonly [number, number] = [0.15865525393145707, 0.8413447460685429];
/** Lower and upper probabilities of the central 95% interval. */
export const P95: readonly [number, number] = [0.025, 0.975];

/** Quantile `p` of ascending `sorted` values (type 7). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** False when `x` holds a NaN or an infinity. */
export function allFinite(x: ArrayLike<number>): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/** Mean and (population) standard deviation of `x`. */
export function meanStd(x: ArrayLike<number>): { mean: number; std: number } {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / n) };
}

/**
 * Covariance matrix (row-major `p × p`, divided by n - 1) of `n` row-major points of length `p`.
 */
export function covariance(points: Float64Array, n: number, p: number): Float64Array {
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) mean[k] += points[i * p + k];
  for (let k = 0; k < p; k++) mean[k] /= n;
  const cov = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    const o = i * p;
    for (let a = 0; a < p; a++) {
      const da = points[o + a] - mean[a];
      for (let b = 0; b <= a; b++) cov[a * p + b] += da * (points[o + b] - mean[b]);
    }
  }
  const d = Math.max(n - 1, 1);
  for (let a = 0; a < p; a++)
    for (let b = 0; b <= a; b++) {
      cov[a * p + b] /= d;
      cov[b * p + a] = cov[a * p + b];
    }
  return cov;
}

/** Correlation matrix from a covariance matrix (0 where a variance is 0). */
export function correlation(cov: Float64Array, p: number): Float64Array {
  const corr = new Float64Array(p * p);
  for (let a = 0; a < p; a++)
    for (let b = 0; b < p; b++) {
      const d = Math.sqrt(cov[a * p + a] * cov[b * p + b]);
      corr[a * p + b] = a === b ? 1 : d > 0 ? cov[a * p + b] / d : 0;
    }
  return corr;
}
