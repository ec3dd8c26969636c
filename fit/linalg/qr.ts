/**
 * Householder QR factorization with column pivoting of a column-major m × n matrix, in the form
 * MINPACK's QRFAC uses it (Moré, Garbow & Hillstrom, "User guide for MINPACK-1", ANL-80-74, 1980;
 * Businger & Golub, "Linear least squares solutions by Householder transformations", 1965):
 * `A P = Q R`, with the Householder vectors kept in the lower trapezoid of `a`, R's strict
 * upper triangle in the upper part of `a` and R's diagonal in `rdiag`.
 */

const EPS = 2.220446049250313e-16;

/** Euclidean norm of `a[from .. from+len)` without overflow or destructive underflow. */
export function norm2(a: Float64Array, from: number, len: number): number {
  // Fast path: the plain sum of squares, kept when it neither overflowed nor came near the
  // underflow range (then it is as accurate as the scaled sum); otherwise the scaled sum of
  // MINPACK's ENORM idea (one running scale, no per-element overflow).
  let sum = 0;
  for (let i = from; i < from + len; i++) sum += a[i] * a[i];
  if (sum < 1e300 && sum > 1e-280) return Math.sqrt(sum);
  if (sum === 0) {
    let any = false;
    for (let i = from; i < from + len && !any; i++) any = a[i] !== 0;
    if (!any) return 0;
  }
  if (Number.isNaN(sum)) return NaN;
  let scale = 0;
  let ssq = 1;
  for (let i = from; i < from + len; i++) {
    const v = a[i];
    if (v !== 0) {
      const av = Math.abs(v);
      if (scale < av) {
        const r = scale / av;
        ssq = 1 + ssq * r * r;
        scale = av;
      } else {
        const r = av / scale;
        ssq += r * r;
      }
    }
  }
  return scale * Math.sqrt(ssq);
}

/**
 * Factors `a` (m × n, column-major, m >= n) in place.
 * @param ipvt out: column j of R corresponds to column ipvt[j] of A
 * @param rdiag out: the diagonal of R
 * @param acnorm out: the norms of A's columns
 * @param wa workspace of length n
 */
export function qrFactor(
  a: Float64Array,
  m: number,
  n: number,
  pivot: boolean,
  ipvt: Int32Array,
  rdiag: Float64Array,
  acnorm: Float64Array,
  wa: Float64Array,
): void {
  for (let j = 0; j < n; j++) {
    acnorm[j] = norm2(a, j * m, m);
    rdiag[j] = acnorm[j];
    wa[j] = rdiag[j];
    ipvt[j] = j;
  }
  const minmn = Math.min(m, n);
  for (let j = 0; j < minmn; j++) {
    if (pivot) {
      let kmax = j;
      for (let k = j; k < n; k++) if (rdiag[k] > rdiag[kmax]) kmax = k;
      if (kmax !== j) {
        const cj = j * m;
        const ck = kmax * m;
        for (let i = 0; i < m; i++) {
          const t = a[cj + i];
          a[cj + i] = a[ck + i];
          a[ck + i] = t;
        }
        rdiag[kmax] = rdiag[j];
        wa[kmax] = wa[j];
        const t = ipvt[j];
        ipvt[j] = ipvt[kmax];
        ipvt[kmax] = t;
      }
    }
    const cj = j * m;
    let ajnorm = norm2(a, cj + j, m - j);
    if (ajnorm !== 0) {
      if (a[cj + j] < 0) ajnorm = -ajnorm;
      for (let i = j; i < m; i++) a[cj + i] /= ajnorm;
      a[cj + j] += 1;
      // Apply the reflection to the remaining columns and update their norms (downdating,
      // recomputed when cancellation makes the downdate inaccurate).
      for (let k = j + 1; k < n; k++) {
        const ck = k * m;
        let sum = 0;
        for (let i = j; i < m; i++) sum += a[cj + i] * a[ck + i];
        const temp = sum / a[cj + j];
        for (let i = j; i < m; i++) a[ck + i] -= temp * a[cj + i];
        if (pivot && rdiag[k] !== 0) {
          const t = a[ck + j] / rdiag[k];
          rdiag[k] *= Math.sqrt(Math.max(0, 1 - t * t));
          const ratio = rdiag[k] / wa[k];
          if (0.05 * ratio * ratio <= EPS) {
            rdiag[k] = norm2(a, ck + j + 1, m - j - 1);
            wa[k] = rdiag[k];
          }
        }
      }
    }
    rdiag[j] = -ajnorm;
  }
}

/** Overwrites `b` (length m) with Qᵀ b, using the Householder vectors left in `a` by {@link qrFactor}. */
export function applyQt(a: Float64Array, m: number, n: number, b: Float64Array): void {
  const minmn = Math.min(m, n);
  for (let j = 0; j < minmn; j++) {
    const cj = j * m;
    const ajj = a[cj + j];
    if (ajj !== 0) {
      let sum = 0;
      for (let i = j; i < m; i++) sum += a[cj + i] * b[i];
      const temp = -sum / ajj;
      for (let i = j; i < m; i++) b[i] += a[cj + i] * temp;
    }
  }
}
