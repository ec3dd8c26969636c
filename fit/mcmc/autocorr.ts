/**
 * Integrated autocorrelation time, emcee's estimator (Foreman-Mackey et al. 2013, "emcee: The MCMC
 * Hammer", PASP 125; the averaged-over-chains variant of emcee 3's `integrated_time`): the
 * normalised autocorrelation function of each chain by FFT, averaged over chains, summed up to
 * Sokal's automatic window (Sokal 1997, "Monte Carlo methods in statistical mechanics"), the
 * smallest M with M >= c * tau(M), c = 5.
 */
import { fft, nextPow2 } from "./fft.js";

/**
 * Autocorrelation time of one parameter. `series(c, t)` gives chain `c` at draw `t`.
 * Returns NaN when there are fewer than 2 draws or the chains are constant.
 */
export function integratedTime(nchains: number, ndraws: number, series: (chain: number, t: number) => number, c = 5): number {
  if (ndraws < 2 || nchains < 1) return Number.NaN;
  const m = nextPow2(2 * ndraws);
  const re = new Float64Array(m);
  const im = new Float64Array(m);
  const acf = new Float64Array(ndraws);
  const mean = new Float64Array(nchains);
  for (let ch = 0; ch < nchains; ch++) {
    let m0 = 0;
    for (let t = 0; t < ndraws; t++) m0 += series(ch, t);
    mean[ch] = m0 / ndraws;
  }
  let used = 0;
  // Two real chains per complex transform: chain a in the real part, chain b in the imaginary.
  for (let ch = 0; ch < nchains; ch += 2) {
    const pair = ch + 1 < nchains;
    re.fill(0);
    im.fill(0);
    for (let t = 0; t < ndraws; t++) {
      re[t] = series(ch, t) - mean[ch];
      if (pair) im[t] = series(ch + 1, t) - mean[ch + 1];
    }
    fft(re, im);
    // Split X = A + iB into the spectra of a and b: A_k = (X_k + X*_{m-k})/2, B_k = (X_k - X*_{m-k})/2i;
    // then put |A|^2 in the real part and |B|^2 in the imaginary part for one inverse transform.
    for (let k = 0; k <= m / 2; k++) {
      const j = (m - k) % m;
      const xr = re[k],
        xi = im[k],
        yr = re[j],
        yi = im[j];
      const ar = 0.5 * (xr + yr),
        ai = 0.5 * (xi - yi);
      const br = 0.5 * (xi + yi),
        bi = -0.5 * (xr - yr);
      const pa = ar * ar + ai * ai;
      const pb = br * br + bi * bi;
      re[k] = pa;
      im[k] = pb;
      re[j] = pa;
      im[j] = pb;
    }
    fft(re, im, true);
    for (const [buf, present] of [
      [re, true],
      [im, pair],
    ] as const) {
      if (!present) continue;
      const a0 = buf[0];
      if (!(a0 > 0)) continue; // a constant chain carries no autocorrelation information
      for (let t = 0; t < ndraws; t++) acf[t] += buf[t] / a0;
      used++;
    }
  }
  if (used === 0) return Number.NaN;
  // tau(M) = 2 * sum_{t<=M} rho(t) - 1, window at the first M with M >= c * tau(M).
  let cum = 0;
  let tau = Number.NaN;
  for (let t = 0; t < ndraws; t++) {
    cum += acf[t] / used;
    tau = 2 * cum - 1;
    if (t >= c * tau) return tau;
  }
  return tau;
}
