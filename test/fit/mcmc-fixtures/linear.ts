// A straight-line problem with wide uniform priors, written against the `Problem` contract so the
// posterior is exactly Gaussian: mean = least-squares solution, covariance = (J^T J)^-1.
import type { Problem } from "../../../fit/types.js";
import { Random } from "../../../fit/random.js";

export interface LinearData {
  x: Float64Array;
  y: Float64Array;
  dy: Float64Array;
}

/** Synthetic data y = a + b x + noise with known dy. */
export function syntheticLine(rng: Random, n = 12, a = 1.5, b = -0.7): LinearData {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const dy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = (i / (n - 1)) * 4 - 1;
    dy[i] = 0.2 + 0.1 * (i % 3);
    y[i] = a + b * x[i] + dy[i] * rng.normal();
  }
  return { x, y, dy };
}

/** Least-squares solution and covariance (J^T J)^-1 of the line fit, closed form. */
export function leastSquares(d: LinearData): { mean: [number, number]; cov: [number, number, number, number] } {
  let s = 0,
    sx = 0,
    sxx = 0,
    sy = 0,
    sxy = 0;
  for (let i = 0; i < d.x.length; i++) {
    const w = 1 / (d.dy[i] * d.dy[i]);
    s += w;
    sx += w * d.x[i];
    sxx += w * d.x[i] * d.x[i];
    sy += w * d.y[i];
    sxy += w * d.x[i] * d.y[i];
  }
  const det = s * sxx - sx * sx;
  const a = (sxx * sy - sx * sxy) / det;
  const b = (s * sxy - sx * sy) / det;
  return { mean: [a, b], cov: [sxx / det, -sx / det, -sx / det, s / det] };
}

/** The line as a Problem with uniform priors on [-lim, lim]. */
export function lineProblem(d: LinearData, lim = 50): Problem {
  const n = d.x.length;
  let cur = new Float64Array([0, 0]);
  const lower = new Float64Array([-lim, -lim]);
  const upper = new Float64Array([lim, lim]);
  const res = (p: ArrayLike<number>, out: Float64Array = new Float64Array(n)): Float64Array => {
    for (let i = 0; i < n; i++) out[i] = (p[0] + p[1] * d.x[i] - d.y[i]) / d.dy[i];
    return out;
  };
  const buf = new Float64Array(n);
  return {
    labels: () => ["a", "b"],
    getValues: () => cur.slice(),
    setValues: (p) => {
      cur = Float64Array.from(p);
    },
    bounds: () => ({ lower: lower.slice(), upper: upper.slice() }),
    nllf: (p = cur) => {
      for (let k = 0; k < 2; k++) if (!(p[k] >= lower[k] && p[k] <= upper[k])) return Infinity;
      res(p, buf);
      let s = 0;
      for (let i = 0; i < n; i++) s += buf[i] * buf[i];
      return 0.5 * s;
    },
    residualCount: () => n,
    residuals: (p = cur, out) => res(p, out),
    randomPoint: (rng, out = new Float64Array(2)) => {
      out[0] = rng.between(-lim, lim);
      out[1] = rng.between(-lim, lim);
      return out;
    },
    hasUncertainties: () => true,
    pointCount: () => n,
  };
}
