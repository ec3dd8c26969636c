/**
 * Gelman–Rubin potential scale reduction on split chains (Gelman & Rubin 1992, "Inference from
 * iterative simulation using multiple sequences", Stat. Sci. 7; split form as in Gelman et al.,
 * "Bayesian Data Analysis", 3rd ed., §11.4): each chain is cut in two halves so that a drift
 * within a chain shows up as disagreement between half-chains.
 */

/**
 * Split R-hat of one parameter. `series(c, t)` gives chain `c` at draw `t`. NaN when a half
 * chain has fewer than 2 draws; 1 when every draw is identical.
 */
export function splitRhat(nchains: number, ndraws: number, series: (chain: number, t: number) => number): number {
  const n = Math.floor(ndraws / 2);
  if (n < 2 || nchains < 1) return Number.NaN;
  const m = 2 * nchains;
  // The first half starts after an odd leftover draw, so both halves have n draws.
  const offset = ndraws - 2 * n;
  let grand = 0;
  let within = 0;
  const means = new Float64Array(m);
  for (let c = 0; c < nchains; c++) {
    for (let h = 0; h < 2; h++) {
      const start = offset + h * n;
      let mean = 0;
      for (let t = 0; t < n; t++) mean += series(c, start + t);
      mean /= n;
      let v = 0;
      for (let t = 0; t < n; t++) {
        const d = series(c, start + t) - mean;
        v += d * d;
      }
      within += v / (n - 1);
      means[2 * c + h] = mean;
      grand += mean;
    }
  }
  within /= m;
  grand /= m;
  let between = 0;
  for (let j = 0; j < m; j++) between += (means[j] - grand) ** 2;
  between = (n * between) / (m - 1);
  if (within === 0) return between === 0 ? 1 : Number.POSITIVE_INFINITY;
  const varPlus = ((n - 1) / n) * within + between / n;
  return Math.sqrt(varPlus / within);
}
