/**
 * Decimation for display: a plot of 20 chains × 10,000 draws must stay responsive, so traces are
 * thinned to a point budget before they reach plotly. Min–max decimation keeps, per bucket, the
 * smallest and largest value in their original order, so spikes and stuck chains stay visible
 * where plain striding would hide them (the "min/max" downsampling used by oscilloscopes; see
 * S. Steinarsson, "Downsampling Time Series for Visual Representation", 2013, §3).
 */

/** A decimated series: abscissae (original indices, scaled) and values. */
export interface Series {
  x: Float64Array;
  y: Float64Array;
}

/**
 * Min–max decimation of `values` into at most `maxPoints` points (two per bucket). Returns the
 * series unchanged (as copies) when it already fits. `xScale`/`xOffset` map an index `i` to the
 * abscissa `xOffset + i * xScale` (e.g. the generation number of a thinned draw).
 */
export function minMaxDecimate(values: ArrayLike<number>, maxPoints: number, xScale = 1, xOffset = 0): Series {
  const n = values.length;
  if (maxPoints < 2) throw new RangeError(`maxPoints must be at least 2, got ${maxPoints}`);
  if (n <= maxPoints) {
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = xOffset + i * xScale;
      y[i] = values[i];
    }
    return { x, y };
  }
  const buckets = Math.floor(maxPoints / 2);
  const x = new Float64Array(buckets * 2);
  const y = new Float64Array(buckets * 2);
  let out = 0;
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets);
    // Start from the bucket's first finite value: NaN loses every comparison, so starting
    // from a NaN would keep it and hide the bucket's real extremes.
    let first = start;
    while (first < end - 1 && !Number.isFinite(values[first])) first++;
    let iMin = first;
    let iMax = first;
    for (let i = first + 1; i < end; i++) {
      const v = values[i];
      if (v < values[iMin]) iMin = i;
      if (v > values[iMax]) iMax = i;
    }
    const lower = Math.min(iMin, iMax);
    const second = Math.max(iMin, iMax);
    x[out] = xOffset + lower * xScale;
    y[out++] = values[lower];
    x[out] = xOffset + second * xScale;
    y[out++] = values[second];
  }
  return { x, y };
}

/**
 * The point budget per chain so that `chains` traces together carry about `totalBudget` points
 * (at least 64 per chain so each trace keeps its shape).
 */
export function perChainBudget(chains: number, totalBudget: number): number {
  if (chains <= 0) return totalBudget;
  return Math.max(64, Math.floor(totalBudget / chains));
}

/** The stride that brings `n` items down to at most `maxItems` (1 when they already fit). */
export function strideFor(n: number, maxItems: number): number {
  return n <= maxItems ? 1 : Math.ceil(n / maxItems);
}
