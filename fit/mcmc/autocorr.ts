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
export function integratedTime(
  nchains: number,
  ndraws: number,
  series: (chain: number, t: number) => number,
  c = 5,
): number {
  if (ndraws < 2 || nchains < 1) return Number.NaN;
  const m = nextPow2(2 * ndraws);
  const re = new Float64Array(m);
  const im = new Float64Array(m);
  const acf = new Float64Array(ndraws);
  let used = 0;
  for (let ch = 0; ch < nchains; ch++) {
    let mean = 0;
    for (let t = 0; t < ndraws; t++) mean += series(ch, t);
    mean /= ndraws;
    re.fill(0);
    im.fill(0);
    for (let t = 0; t < ndraws; t++) re[t] = series(ch, t) - mean;
    fft(re, im);
    for (let k = 0; k < m; k++) {
      re[k] = re[k] * re[k] + im[k] * im[k];
      im[k] = 0;
    }
    fft(re, im, true);
    const a0 = re[0];
    if (!(a0 > 0)) continue; // a constant chain carries no autocorrelation information
    for (let t = 0; t < ndraws; t++) acf[t] += re[t] / a0;
    used++;
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
