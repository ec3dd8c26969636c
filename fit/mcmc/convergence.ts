/**
 * Convergence diagnostics of MCMC chains as Vehtari, Gelman, Simpson, Carpenter & Bürkner define
 * them ("Rank-normalization, folding, and localization: an improved R̂ for assessing convergence
 * of MCMC", Bayesian Analysis 16(2), 2021): every chain is split in half, the draws are replaced
 * by the normal scores of their pooled ranks, and
 * - R̂ is the larger of the split-R̂ of the rank-normalized draws (bulk) and of the
 *   rank-normalized distances to the median (folded, which sees chains that differ in scale);
 * - bulk-ESS is the effective sample size of the rank-normalized draws, tail-ESS the smaller of
 *   the effective sample sizes of the indicators `x <= q05` and `x <= q95`;
 * - the effective sample size of a series is Geyer's initial monotone sequence estimator (Geyer
 *   1992, "Practical Markov chain Monte Carlo", Stat. Sci. 7) applied to the multi-chain
 *   autocorrelation of Stan's reference manual (§ "Effective sample size");
 * - the Monte Carlo standard error of the mean is sd / √ESS(mean), that of a quantile the half
 *   width of the ±1σ interval of its order statistic under a Beta(ESS·p + 1, ESS·(1 − p) + 1)
 *   (the paper's § 4.3).
 *
 * Draws are given chain-major: `x[c * ndraws + t]` is chain `c` at draw `t`.
 */
import { DIAGNOSTIC_LIMITS } from "../../schema/mcmc.js";
import { meanAutocovariance } from "./autocovariance.js";
import { betaQuantile } from "./quantile-functions.js";
import { ascendingOrder, foldedAbout, gather, normalScores } from "./ranks.js";
import { allFinite, quantileSorted } from "./stats.js";

/** R̂ above this means the chains have not mixed (the paper's recommendation). */
export const RHAT_LIMIT: number = DIAGNOSTIC_LIMITS.rhat;
/** Bulk- or tail-ESS below this is too few draws for reliable intervals (the paper's recommendation). */
export const ESS_LIMIT: number = DIAGNOSTIC_LIMITS.ess;

/** Fewest draws per chain the diagnostics are defined for (two per half chain). */
const MIN_DRAWS = 4;

/** The diagnostics of one parameter; NaN where undefined (too few draws or chains). */
export interface ParameterConvergence {
  /** max(rhatBulk, rhatFolded). */
  rhat: number;
  /** Split-R̂ of the rank-normalized draws. */
  rhatBulk: number;
  /** Split-R̂ of the rank-normalized absolute deviations from the median. */
  rhatFolded: number;
  /** Effective sample size of the rank-normalized split chains. */
  essBulk: number;
  /** min(ESS of x <= q05, ESS of x <= q95). */
  essTail: number;
  /** Effective sample size of the split chains as they are (the one the mean's error uses). */
  essMean: number;
  /** Monte Carlo standard error of the mean. */
  mcseMean: number;
  /** Monte Carlo standard error of the 5% quantile. */
  mcseQ05: number;
  /** Monte Carlo standard error of the 95% quantile. */
  mcseQ95: number;
}

/** Chains of equal length, chain-major. */
interface Chains {
  x: Float64Array;
  m: number;
  n: number;
}

/** Each chain cut into its first and last halves (the middle draw of an odd length is left out). */
export function splitChains(x: Float64Array, nchains: number, ndraws: number): Chains {
  const half = Math.floor(ndraws / 2);
  const out = new Float64Array(2 * nchains * half);
  for (let c = 0; c < nchains; c++) {
    const o = c * ndraws;
    out.set(x.subarray(o, o + half), 2 * c * half);
    out.set(x.subarray(o + ndraws - half, o + ndraws), (2 * c + 1) * half);
  }
  return { x: out, m: 2 * nchains, n: half };
}

/** The classic potential scale reduction of chains (no splitting, no ranks). */
export function basicRhat({ x, m, n }: Chains): number {
  if (m < 2 || n < 2) return Number.NaN;
  const means = new Float64Array(m);
  let within = 0;
  for (let c = 0; c < m; c++) {
    let mean = 0;
    for (let t = 0; t < n; t++) mean += x[c * n + t];
    mean /= n;
    means[c] = mean;
    let v = 0;
    for (let t = 0; t < n; t++) v += (x[c * n + t] - mean) ** 2;
    within += v / (n - 1);
  }
  within /= m;
  const between = n * sampleVariance(means);
  return Math.sqrt((between / within + n - 1) / n);
}

/** Variance with divisor length − 1. */
function sampleVariance(v: Float64Array): number {
  let mean = 0;
  for (const a of v) mean += a;
  mean /= v.length;
  let s = 0;
  for (const a of v) s += (a - mean) ** 2;
  return s / (v.length - 1);
}

/**
 * Effective sample size of chains: m·n / τ with τ = −1 + 2 Σ ρ̂_t over Geyer's initial positive
 * sequence of pair sums, made monotone, and τ at least 1/log10(m·n). All-equal draws count as
 * independent (their mean is exact).
 */
export function effectiveSize(chains: Chains): number {
  const { x, m, n } = chains;
  if (n < 2 || m < 1) return Number.NaN;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (Number.isNaN(v)) return Number.NaN;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi - lo < 1e-15) return m * n;
  const acov = meanAutocovariance(x, m, n);
  const means = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    let s = 0;
    for (let t = 0; t < n; t++) s += x[c * n + t];
    means[c] = s / n;
  }
  const meanVar = (acov[0] * n) / (n - 1);
  let varPlus = (meanVar * (n - 1)) / n;
  if (m > 1) varPlus += sampleVariance(means);
  const rho = new Float64Array(n);
  const rhoAt = (t: number): number => 1 - (meanVar - acov[t]) / varPlus;
  let even = 1;
  let odd = rhoAt(1);
  rho[0] = even;
  rho[1] = odd;
  let t = 1;
  while (t < n - 3 && even + odd > 0) {
    even = rhoAt(t + 1);
    odd = rhoAt(t + 2);
    if (even + odd >= 0) {
      rho[t + 1] = even;
      rho[t + 2] = odd;
    }
    t += 2;
  }
  const maxT = t - 2;
  if (even > 0) rho[maxT + 1] = even;
  for (t = 1; t <= maxT - 2; t += 2) {
    if (rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]) {
      rho[t + 1] = (rho[t - 1] + rho[t]) / 2;
      rho[t + 2] = rho[t + 1];
    }
  }
  let sum = 0;
  for (let k = 0; k <= maxT; k++) sum += rho[k];
  let tau = -1 + 2 * sum + (maxT + 1 < n ? rho[maxT + 1] : 0);
  const total = m * n;
  tau = Math.max(tau, 1 / Math.log10(total));
  for (const r of rho) if (Number.isNaN(r)) return Number.NaN;
  return total / tau;
}

/** ESS of the indicator `x <= q_p` of split chains (q_p the type-7 quantile of all draws). */
function quantileEss(split: Chains, q: number): number {
  const ind = new Float64Array(split.x.length);
  for (let i = 0; i < ind.length; i++) ind[i] = split.x[i] <= q ? 1 : 0;
  return effectiveSize({ ...split, x: ind });
}

/** Monte Carlo standard error of quantile `p` whose indicator has `ess` effective draws. */
function quantileMcse(sorted: Float64Array, p: number, ess: number): number {
  if (!Number.isFinite(ess)) return Number.NaN;
  const size = sorted.length;
  const lo = betaQuantile(0.1586553, ess * p + 1, ess * (1 - p) + 1) * size - 1;
  const hi = betaQuantile(0.8413447, ess * p + 1, ess * (1 - p) + 1) * size - 1;
  const a = sorted[Math.floor(Math.max(lo, 0))];
  const b = sorted[Math.ceil(Math.min(hi, size - 1))];
  return (b - a) / 2;
}

const UNDEFINED: ParameterConvergence = {
  rhat: Number.NaN,
  rhatBulk: Number.NaN,
  rhatFolded: Number.NaN,
  essBulk: Number.NaN,
  essTail: Number.NaN,
  essMean: Number.NaN,
  mcseMean: Number.NaN,
  mcseQ05: Number.NaN,
  mcseQ95: Number.NaN,
};

/**
 * Every diagnostic of one parameter from its draws `x` (chain-major, `nchains × ndraws`). NaN
 * throughout with fewer than 4 draws per chain or a non-finite draw; R̂ needs 2 chains.
 */
export function parameterConvergence(x: Float64Array, nchains: number, ndraws: number): ParameterConvergence {
  if (ndraws < MIN_DRAWS || nchains < 1 || !allFinite(x)) return { ...UNDEFINED };
  const order = ascendingOrder(x);
  return orderedConvergence(x, nchains, ndraws, order, gather(x, order));
}

/**
 * {@link parameterConvergence} for a caller that has the draws' {@link ascendingOrder} and their
 * values in that order (`sorted`) already, as a sampler's summary has for its quantiles.
 */
export function orderedConvergence(
  x: Float64Array,
  nchains: number,
  ndraws: number,
  order: Uint32Array,
  sorted: Float64Array,
): ParameterConvergence {
  if (ndraws < MIN_DRAWS || nchains < 1 || !allFinite(x)) return { ...UNDEFINED };
  if (order.length !== x.length || sorted.length !== x.length)
    throw new Error(`orderedConvergence: an order of ${order.length} and ${sorted.length} sorted values for ${x.length} draws`);
  // Chains of an even length split into the same draws in the same places (and sort as `x` does).
  const even = ndraws % 2 === 0;
  const split = even ? { x, m: 2 * nchains, n: ndraws / 2 } : splitChains(x, nchains, ndraws);
  const splitOrder = even ? order : ascendingOrder(split.x);
  const splitSorted = even ? sorted : gather(split.x, splitOrder);
  const bulk = { ...split, x: normalScores(splitOrder, splitSorted) };
  const { bulk: rhatBulk, folded: rhatFolded } =
    nchains >= 2 ? splitRhats(split, splitOrder, splitSorted, bulk) : { bulk: Number.NaN, folded: Number.NaN };
  const q05 = quantileSorted(sorted, 0.05);
  const q95 = quantileSorted(sorted, 0.95);
  const ess05 = quantileEss(split, q05);
  const ess95 = quantileEss(split, q95);
  const essMean = effectiveSize(split);
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let ss = 0;
  for (const v of x) ss += (v - mean) ** 2;
  const sd = Math.sqrt(ss / (x.length - 1));
  return {
    rhat: Math.max(rhatBulk, rhatFolded),
    rhatBulk,
    rhatFolded,
    essBulk: effectiveSize(bulk),
    essTail: Math.min(ess05, ess95),
    essMean,
    mcseMean: sd / Math.sqrt(essMean),
    mcseQ05: quantileMcse(sorted, 0.05, ess05),
    mcseQ95: quantileMcse(sorted, 0.95, ess95),
  };
}

/**
 * Bulk and folded R̂ of split chains, given their {@link ascendingOrder}, their values in that
 * order and their rank-normalized draws `bulk`.
 */
function splitRhats(split: Chains, order: Uint32Array, sorted: Float64Array, bulk: Chains): { bulk: number; folded: number } {
  const folded = foldedAbout(split.x, order, sorted, quantileSorted(sorted, 0.5));
  return { bulk: basicRhat(bulk), folded: basicRhat({ ...split, x: normalScores(folded.order, folded.sorted) }) };
}

/** Rank-normalized R̂ (the larger of bulk and folded) of one series, for live displays. */
export function rankRhat(x: Float64Array, nchains: number, ndraws: number): number {
  if (ndraws < MIN_DRAWS || nchains < 2 || !allFinite(x)) return Number.NaN;
  const split = splitChains(x, nchains, ndraws);
  const order = ascendingOrder(split.x);
  const sorted = gather(split.x, order);
  const r = splitRhats(split, order, sorted, { ...split, x: normalScores(order, sorted) });
  return Math.max(r.bulk, r.folded);
}
