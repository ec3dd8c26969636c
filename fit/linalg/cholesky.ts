/**
 * Cholesky factorisation of a symmetric matrix, into a factor the caller owns (so a solve in a
 * hot loop allocates nothing).
 */

/**
 * Writes the lower-triangular `l` with `l lᵀ = a + shift·I` (row-major p × p; `l`'s strict upper
 * triangle is left as it was). With `pivotFloor` > 0 a pivot below it is raised to it, so a
 * regularized system always factors; with 0, a pivot that is not positive stops the
 * factorisation and the result is false.
 */
export function choleskyInto(a: Float64Array, p: number, shift: number, pivotFloor: number, l: Float64Array): boolean {
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j] + (i === j ? shift : 0);
      for (let k = 0; k < j; k++) s -= l[i * p + k] * l[j * p + k];
      if (i === j) {
        if (pivotFloor > 0) s = Math.max(s, pivotFloor);
        else if (!(s > 0)) return false;
        l[i * p + i] = Math.sqrt(s);
      } else {
        l[i * p + j] = s / l[j * p + j];
      }
    }
  }
  return true;
}
