/**
 * Axis ranges of the MCMC plots. Burn-in is not in the bundle's draws, and its log-posterior
 * starts far below where the chains settle: drawn to scale, it takes most of a trace's x axis
 * and squeezes the sampled log-posterior into a flat line. The default view is the kept draws;
 * burn-in is marked at the edge (traces) or shown on request (log-posterior).
 */

/** Fraction of a range added above and below it so lines do not touch the frame. */
const PAD = 0.05;

/**
 * The generation range of the kept draws, `[burn, last generation]`, for the traces' x axis:
 * kept draw `t` is at generation `burn + (t + 1) · thin · displayStride`.
 */
export function keptGenerationRange(burn: number, thin: number, displayStride: number, keptDraws: number): [number, number] {
  const step = Math.max(1, thin) * Math.max(1, displayStride);
  const last = burn + Math.max(1, keptDraws) * step;
  return [burn, last];
}

/**
 * The y range that shows the log-posterior of generations at or after `burn` (all chains),
 * padded by 5%; null when no finite value is there (then the plot autoscales).
 */
export function keptLogpRange(
  generationLogp: readonly (readonly (number | null)[])[],
  generationIndex: readonly number[],
  burn: number,
): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let g = 0; g < generationLogp.length; g++) {
    const generation = generationIndex[g] ?? g;
    if (generation < burn) continue;
    for (const v of generationLogp[g]) {
      if (v === null || !Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  const span = hi - lo || Math.max(Math.abs(hi) * 1e-3, 1e-3);
  return [lo - PAD * span, hi + PAD * span];
}

/** The x range of the log-posterior plot from the first generation at or after `burn` to the last. */
export function keptLogpGenerations(generationIndex: readonly number[], burn: number): [number, number] | null {
  let first = -1;
  for (let g = 0; g < generationIndex.length; g++) {
    if (generationIndex[g] >= burn) {
      first = g;
      break;
    }
  }
  if (first < 0) return null;
  const last = generationIndex[generationIndex.length - 1];
  return last > generationIndex[first] ? [generationIndex[first], last] : null;
}
