/**
 * In-place iterative radix-2 complex FFT (Cooley & Tukey 1965, "An algorithm for the machine
 * calculation of complex Fourier series", Math. Comp. 19), used for autocorrelation functions.
 */

/** Smallest power of two that is at least `n`. */
export function nextPow2(n: number): number {
  let m = 1;
  while (m < n) m *= 2;
  return m;
}

/**
 * Transforms `(re, im)` in place. Length must be a power of two. `inverse` computes the
 * unnormalised inverse transform (divide by the length yourself).
 */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n !== im.length || (n & (n - 1)) !== 0) throw new Error(`fft: length ${n} is not a power of two`);
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  const { cos, sin } = twiddles(n);
  const sign = inverse ? 1 : -1;
  let len = 2;
  // An odd number of stages starts with one alone (its twiddle is 1); the rest go two at a time.
  if ((Math.log2(n) & 1) === 1) {
    for (let i = 0; i < n; i += 2) butterfly(re, im, i, i + 1, cos[0], sign * sin[0]);
    len = 4;
  }
  // Stages len and 2·len fused: each group of four points goes through both while it is at hand,
  // with the twiddles the two stages have apart, so the numbers are theirs and the data is read
  // half as often.
  for (; len < n; len <<= 2) {
    const half = len >> 1;
    const step1 = n / len;
    const step2 = step1 >> 1;
    for (let i = 0; i < n; i += 2 * len) {
      for (let k = 0; k < half; k++) {
        const a0 = i + k;
        const a1 = a0 + half;
        const a2 = a0 + len;
        const a3 = a2 + half;
        const c1 = cos[k * step1];
        const s1 = sign * sin[k * step1];
        butterfly(re, im, a0, a1, c1, s1);
        butterfly(re, im, a2, a3, c1, s1);
        butterfly(re, im, a0, a2, cos[k * step2], sign * sin[k * step2]);
        butterfly(re, im, a1, a3, cos[(k + half) * step2], sign * sin[(k + half) * step2]);
      }
    }
  }
}

/** One radix-2 butterfly: (a, b) ← (a + w·b, a − w·b) with w = cr + i·ci. */
function butterfly(re: Float64Array, im: Float64Array, a: number, b: number, cr: number, ci: number): void {
  const xr = re[b] * cr - im[b] * ci;
  const xi = re[b] * ci + im[b] * cr;
  re[b] = re[a] - xr;
  im[b] = im[a] - xi;
  re[a] += xr;
  im[a] += xi;
}

let cachedN = 0;
let cachedCos = new Float64Array(0);
let cachedSin = new Float64Array(0);

/** cos and sin of 2πk/n for k < n/2, computed once per length (exact, no recurrence drift). */
function twiddles(n: number): { cos: Float64Array; sin: Float64Array } {
  if (n !== cachedN) {
    cachedN = n;
    cachedCos = new Float64Array(n >> 1);
    cachedSin = new Float64Array(n >> 1);
    for (let k = 0; k < n >> 1; k++) {
      cachedCos[k] = Math.cos((2 * Math.PI * k) / n);
      cachedSin[k] = Math.sin((2 * Math.PI * k) / n);
    }
  }
  return { cos: cachedCos, sin: cachedSin };
}
