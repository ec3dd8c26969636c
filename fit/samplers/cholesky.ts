/**
 * Cholesky factorisation for drawing correlated normal vectors (population initialisation from a
 * covariance, SMC move proposals).
 */
import { choleskyInto } from "../linalg/cholesky.js";

/**
 * Lower-triangular `L` with `L L^T = a` (row-major p × p), or undefined when `a` is not positive
 * definite. A tiny diagonal jitter relative to the trace is tried before giving up, because
 * sample covariances of nearly degenerate populations are often semi-definite.
 */
export function cholesky(a: Float64Array, p: number): Float64Array | undefined {
  let trace = 0;
  for (let k = 0; k < p; k++) trace += Math.abs(a[k * p + k]);
  for (const jitter of [0, 1e-12, 1e-9, 1e-6]) {
    const l = tryCholesky(a, p, (jitter * trace) / Math.max(p, 1));
    if (l) return l;
  }
  return undefined;
}

function tryCholesky(a: Float64Array, p: number, jitter: number): Float64Array | undefined {
  const l = new Float64Array(p * p);
  return choleskyInto(a, p, jitter, 0, l) ? l : undefined;
}

/**
 * Writes `mean + scale * L z` into `out` at offset `o`, with `z` standard normal from `normal()`;
 * the mean is read from `mean` at offset `mo`, so that a row of a population needs no view of its own.
 */
export function correlatedNormal(
  l: Float64Array,
  p: number,
  mean: ArrayLike<number>,
  scale: number,
  normal: () => number,
  z: Float64Array,
  out: Float64Array,
  o: number,
  mo = 0,
): void {
  for (let k = 0; k < p; k++) z[k] = normal();
  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let k = 0; k <= i; k++) s += l[i * p + k] * z[k];
    out[o + i] = mean[mo + i] + scale * s;
  }
}

/** Inverse of a symmetric positive-definite matrix through its Cholesky factor, or undefined. */
export function inverseSpd(a: Float64Array, p: number): Float64Array | undefined {
  const l = tryCholesky(a, p, 0);
  if (!l) return undefined;
  // Invert L, then A^-1 = L^-T L^-1.
  const li = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    li[i * p + i] = 1 / l[i * p + i];
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[i * p + k] * li[k * p + j];
      li[i * p + j] = s / l[i * p + i];
    }
  }
  const inv = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < p; k++) s += li[k * p + i] * li[k * p + j];
      inv[i * p + j] = s;
      inv[j * p + i] = s;
    }
  return inv;
}
