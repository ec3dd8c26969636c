/**
 * The autocovariance of chains at every lag, averaged over the chains, by FFT: the inverse
 * transform of the power spectrum of each centred chain, zero-padded to at least twice its length
 * so that no lag wraps around (Wiener–Khinchin).
 *
 * A sampler's result asks for this four times per parameter (bulk, tail ×2, mean ESS) over dozens
 * of chains, so it is arranged to cost few transforms: two real chains share one complex
 * transform (one as the real part, the other as the imaginary part), and since the inverse
 * transform is linear, the chains' power spectra are summed first and inverted once. m chains take
 * ⌈m/2⌉ + 1 transforms instead of 2m. The buffers are kept between calls of the same length.
 */
import { fft, nextPow2 } from "./fft.js";

/** Work buffers of one transform length, kept for the next call of that length. */
interface Workspace {
  size: number;
  re: Float64Array;
  im: Float64Array;
  power: Float64Array;
}

let kept: Workspace = { size: 0, re: new Float64Array(0), im: new Float64Array(0), power: new Float64Array(0) };

function workspace(size: number): Workspace {
  if (kept.size !== size) kept = { size, re: new Float64Array(size), im: new Float64Array(size), power: new Float64Array(size) };
  return kept;
}

/** Mean of chain `c` (draws `x[c * n .. c * n + n)`). */
function chainMean(x: Float64Array, c: number, n: number): number {
  let mean = 0;
  for (let t = 0; t < n; t++) mean += x[c * n + t];
  return mean / n;
}

/**
 * `acov[t]`, t < n: the autocovariance at lag t of each of the `m` chains of `x` (chain-major,
 * `x[c * n + t]`; divisor n, the biased estimator), averaged over the chains.
 */
export function meanAutocovariance(x: Float64Array, m: number, n: number): Float64Array {
  const size = nextPow2(2 * n);
  const { re, im, power } = workspace(size);
  power.fill(0);
  for (let c = 0; c < m; c += 2) {
    re.fill(0);
    im.fill(0);
    const a = chainMean(x, c, n);
    for (let t = 0; t < n; t++) re[t] = x[c * n + t] - a;
    if (c + 1 < m) {
      const b = chainMean(x, c + 1, n);
      for (let t = 0; t < n; t++) im[t] = x[(c + 1) * n + t] - b;
    }
    fft(re, im);
    // With Z the transform of a + ib, A_k = (Z_k + conj Z_{N-k}) / 2 and B_k = (Z_k − conj Z_{N-k}) / 2i,
    // so |A_k|² + |B_k|² = (|Z_k|² + |Z_{N-k}|²) / 2 (the parallelogram law): the pair's summed spectrum.
    // A chain alone (b = 0) is real, |Z_k| = |Z_{N-k}|, and the same sum is its own spectrum.
    for (let k = 0; k < size; k++) {
      const j = (size - k) & (size - 1);
      power[k] += (re[k] * re[k] + im[k] * im[k] + re[j] * re[j] + im[j] * im[j]) / 2;
    }
  }
  re.set(power);
  im.fill(0);
  fft(re, im, true);
  const acov = new Float64Array(n);
  const scale = size * n * m;
  for (let t = 0; t < n; t++) acov[t] = re[t] / scale;
  return acov;
}
