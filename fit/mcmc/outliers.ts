/**
 * Outlier chains by the interquartile-range test on each chain's mean log-posterior, as DREAM
 * uses during burn-in (Vrugt et al. 2009, §2; ter Braak 2006 discusses why a chain stuck in a
 * local mode must be reset): a chain is an outlier when its mean logp is below Q1 - 2 IQR.
 */
import { quantileSorted } from "./stats.js";

/** Indices of outlier chains given each chain's mean logp. Non-finite means count as outliers. */
export function iqrOutliers(meanLogp: ArrayLike<number>): number[] {
  const n = meanLogp.length;
  const finite: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(meanLogp[i])) finite.push(meanLogp[i]);
  const out: number[] = [];
  if (finite.length < 4) {
    for (let i = 0; i < n; i++) if (!Number.isFinite(meanLogp[i]) && finite.length > 0) out.push(i);
    return out;
  }
  const sorted = Float64Array.from(finite).sort();
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const limit = q1 - 2 * (q3 - q1);
  for (let i = 0; i < n; i++) if (!(meanLogp[i] >= limit)) out.push(i);
  return out;
}
