/**
 * The reference of the line fits in the tests: weighted linear least squares of y = m x + b,
 * solved in closed form (the normal equations).
 */

/** The weighted least-squares line through (x, y) with errors dy: m, b and their covariance [mm, mb, bm, bb]. */
export function weightedLine(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  dy: ArrayLike<number>,
): { m: number; b: number; cov: number[] } {
  let s = 0,
    sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const w = 1 / (dy[i] * dy[i]);
    s += w;
    sx += w * x[i];
    sy += w * y[i];
    sxx += w * x[i] * x[i];
    sxy += w * x[i] * y[i];
  }
  const det = s * sxx - sx * sx;
  return { m: (s * sxy - sx * sy) / det, b: (sxx * sy - sx * sxy) / det, cov: [s / det, -sx / det, -sx / det, sxx / det] };
}
