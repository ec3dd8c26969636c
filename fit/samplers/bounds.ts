/**
 * Keeping proposals within bounds by reflection (Vrugt et al. 2009, §2.2: a proposal outside the
 * box is mirrored back, which keeps the proposal symmetric so the Metropolis ratio stays valid).
 */

/**
 * Reflects `x` (length p, at offset `o`) into `[lower, upper]` in place. A jump of more than one
 * width folds back and forth (the reflection is periodic). Infinite bounds reflect at the finite
 * side only.
 */
export function reflectInto(x: Float64Array, o: number, p: number, lower: Float64Array, upper: Float64Array): void {
  for (let k = 0; k < p; k++) {
    const lo = lower[k];
    const hi = upper[k];
    let v = x[o + k];
    if (v >= lo && v <= hi) continue;
    if (Number.isFinite(lo) && Number.isFinite(hi)) {
      const w = hi - lo;
      if (w <= 0) {
        v = lo;
      } else {
        let y = (v - lo) % (2 * w);
        if (y < 0) y += 2 * w;
        v = y <= w ? lo + y : lo + 2 * w - y;
      }
    } else if (v < lo) {
      v = 2 * lo - v;
    } else if (v > hi) {
      v = 2 * hi - v;
    }
    x[o + k] = v;
  }
}
