/**
 * The draws of a sampler run and everything derived from them: per-parameter statistics,
 * convergence diagnostics and plain-language warnings. A `FitResult` from DREAM or SMC carries
 * one as `samples`; the store writes and reads it in bumps' file formats.
 */
import { integratedTime } from "./autocorr.js";
import { iqrOutliers } from "./outliers.js";
import { splitRhat } from "./rhat.js";
import { correlation, covariance, meanStd, P68, P95, quantileSorted } from "./stats.js";
import type { McmcDiagnostics, McmcParameterStats } from "../../schema/mcmc.js";

/** An outlier chain replaced during burn-in (bumps records the same triple). */
export interface OutlierReplacement {
  /** Generation at which the chain was replaced. */
  generation: number;
  /** Chain that was an outlier. */
  removed: number;
  /** Chain whose state it took. */
  replacement: number;
}

/** The raw record of a sampler run (what the store saves). */
export interface McmcSamplesData {
  /** Sampler name ("dream", "smc"). */
  sampler: string;
  /** Parameter names. */
  labels: string[];
  /** Number of chains (SMC: particles). */
  nchains: number;
  /** Kept (thinned, post-burn) draws per chain. */
  nthin: number;
  /** Generations per kept draw. */
  thin: number;
  /** Burn-in generations (SMC: tempering stages). */
  burn: number;
  /** Total generations run. */
  generations: number;
  /** Total model evaluations. */
  evaluations: number;
  /** Kept draws, `points[(t * nchains + c) * nparams + k]`. */
  points: Float64Array;
  /** Log-posterior (`-nllf`) of each kept draw, `logp[t * nchains + c]`. */
  logp: Float64Array;
  /** Cumulative evaluations at the end of each generation (length `generations`). */
  genDraws: Float64Array;
  /** Acceptance rate of each generation. */
  genAcceptance: Float64Array;
  /** Log-posterior of each chain at each generation, `genLogp[g * nchains + c]`. */
  genLogp: Float64Array;
  /** Number of crossover values adapted by DREAM (0 for SMC). */
  ncr: number;
  /** Cumulative evaluations at each crossover update. */
  crDraws: Float64Array;
  /** Crossover selection weights at each update, `crWeights[u * ncr + m]`. */
  crWeights: Float64Array;
  /** Outlier chains replaced during burn-in. */
  outliers: OutlierReplacement[];
  /** Effective sample size of weighted particles (SMC); undefined for chain samplers. */
  particleEss?: number;
}

/** Statistics, diagnostics and warnings computed once from a {@link McmcSamples}. */
export interface McmcSummary {
  /** Per-parameter statistics. */
  stats: McmcParameterStats[];
  /** Diagnostics, non-finite values as null (JSON-ready). */
  diagnostics: McmcDiagnostics;
  /** Plain-language warnings when the chains should not be trusted. */
  warnings: string[];
}

const RHAT_LIMIT = 1.05;
const TAU_MULTIPLE = 50;

/** Sampler draws with lazily computed summary. */
export class McmcSamples implements McmcSamplesData {
  /** @inheritDoc */ sampler: string;
  /** @inheritDoc */ labels: string[];
  /** @inheritDoc */ nchains: number;
  /** @inheritDoc */ nthin: number;
  /** @inheritDoc */ thin: number;
  /** @inheritDoc */ burn: number;
  /** @inheritDoc */ generations: number;
  /** @inheritDoc */ evaluations: number;
  /** @inheritDoc */ points: Float64Array;
  /** @inheritDoc */ logp: Float64Array;
  /** @inheritDoc */ genDraws: Float64Array;
  /** @inheritDoc */ genAcceptance: Float64Array;
  /** @inheritDoc */ genLogp: Float64Array;
  /** @inheritDoc */ ncr: number;
  /** @inheritDoc */ crDraws: Float64Array;
  /** @inheritDoc */ crWeights: Float64Array;
  /** @inheritDoc */ outliers: OutlierReplacement[];
  /** @inheritDoc */ particleEss?: number;
  private cached?: McmcSummary;

  /** Wraps a run's record; checks that the array sizes agree. */
  constructor(data: McmcSamplesData) {
    this.sampler = data.sampler;
    this.labels = data.labels.slice();
    this.nchains = data.nchains;
    this.nthin = data.nthin;
    this.thin = data.thin;
    this.burn = data.burn;
    this.generations = data.generations;
    this.evaluations = data.evaluations;
    this.points = data.points;
    this.logp = data.logp;
    this.genDraws = data.genDraws;
    this.genAcceptance = data.genAcceptance;
    this.genLogp = data.genLogp;
    this.ncr = data.ncr;
    this.crDraws = data.crDraws;
    this.crWeights = data.crWeights;
    this.outliers = data.outliers.slice();
    this.particleEss = data.particleEss;
    const p = this.labels.length;
    const n = this.nthin * this.nchains;
    if (this.points.length !== n * p) throw new Error(`McmcSamples: points has ${this.points.length} values, expected ${n * p}`);
    if (this.logp.length !== n) throw new Error(`McmcSamples: logp has ${this.logp.length} values, expected ${n}`);
    if (this.genLogp.length !== this.genAcceptance.length * this.nchains)
      throw new Error("McmcSamples: genLogp does not match generations × chains");
  }

  /** Number of parameters. */
  get nparams(): number {
    return this.labels.length;
  }

  /** Total kept draws (nthin × nchains). */
  get size(): number {
    return this.nthin * this.nchains;
  }

  /** Value of parameter `k` in chain `c` at kept draw `t`. */
  value(t: number, c: number, k: number): number {
    return this.points[(t * this.nchains + c) * this.labels.length + k];
  }

  /** Index (into kept draws) of the draw with the highest logp. */
  bestIndex(): number {
    let best = 0;
    for (let i = 1; i < this.logp.length; i++) if (this.logp[i] > this.logp[best]) best = i;
    return best;
  }

  /** Mean acceptance rate over the generations after burn-in (all generations if none). */
  acceptanceRate(): number {
    const g = this.genAcceptance.length;
    const start = this.burn < g ? this.burn : 0;
    let s = 0;
    for (let i = start; i < g; i++) s += this.genAcceptance[i];
    return g > start ? s / (g - start) : Number.NaN;
  }

  /** Statistics, diagnostics and warnings (computed once). */
  summary(): McmcSummary {
    if (!this.cached) this.cached = this.computeSummary();
    return this.cached;
  }

  private computeSummary(): McmcSummary {
    const p = this.labels.length;
    const n = this.size;
    const nc = this.nchains;
    const nt = this.nthin;
    const bestAt = this.bestIndex();
    const column = new Float64Array(n);
    const stats: McmcParameterStats[] = [];
    const rhat: (number | null)[] = [];
    const tau: (number | null)[] = [];
    const ess: (number | null)[] = [];
    const chainSampler = this.particleEss === undefined;
    for (let k = 0; k < p; k++) {
      for (let i = 0; i < n; i++) column[i] = this.points[i * p + k];
      const { mean, std } = meanStd(column);
      column.sort();
      stats.push({
        name: this.labels[k],
        mean,
        median: quantileSorted(column, 0.5),
        best: this.points[bestAt * p + k],
        std,
        p68: [quantileSorted(column, P68[0]), quantileSorted(column, P68[1])],
        p95: [quantileSorted(column, P95[0]), quantileSorted(column, P95[1])],
      });
      const series = (c: number, t: number): number => this.points[(t * nc + c) * p + k];
      if (chainSampler) {
        const r = splitRhat(nc, nt, series);
        const a = integratedTime(nc, nt, series);
        rhat.push(finiteOrNull(r));
        tau.push(finiteOrNull(a));
        ess.push(Number.isFinite(a) && a > 0 ? finiteOrNull(n / Math.max(a, 1)) : null);
      } else {
        rhat.push(null);
        tau.push(null);
        ess.push(finiteOrNull(this.particleEss ?? Number.NaN));
      }
    }
    const corr = correlation(covariance(this.points, n, p), p);
    const outlierChains = chainSampler && nt > 1 ? this.keptOutliers() : [];
    const diagnostics: McmcDiagnostics = {
      rhat,
      tau,
      ess,
      acceptanceRate: finiteOrZero(this.acceptanceRate()),
      outlierChains,
      correlation: Array.from(corr, (v) => (Number.isFinite(v) ? v : 0)),
    };
    return { stats, diagnostics, warnings: this.warningsFor(diagnostics) };
  }

  /**
   * Outlier chains among the kept draws: the IQR test alone flags chains of a well-mixed run by
   * chance (chain means are close, so the IQR is tiny), so a chain must also average more than one
   * posterior standard deviation of logp (sqrt(p/2) for a Gaussian posterior, at least 1) below
   * the median chain: then it is not sampling the same distribution.
   */
  private keptOutliers(): number[] {
    const means = this.chainMeanLogp();
    const sorted = Float64Array.from(means).sort();
    const median = quantileSorted(sorted, 0.5);
    const gap = Math.max(1, Math.sqrt(this.labels.length / 2));
    return iqrOutliers(means).filter((c) => !(median - means[c] <= gap));
  }

  private chainMeanLogp(): Float64Array {
    const m = new Float64Array(this.nchains);
    for (let t = 0; t < this.nthin; t++) for (let c = 0; c < this.nchains; c++) m[c] += this.logp[t * this.nchains + c];
    for (let c = 0; c < this.nchains; c++) m[c] /= this.nthin;
    return m;
  }

  private warningsFor(d: McmcDiagnostics): string[] {
    const w: string[] = [];
    const bad = this.labels.filter((_, k) => d.rhat[k] !== null && d.rhat[k] > RHAT_LIMIT);
    if (bad.length > 0)
      w.push(
        `R-hat above ${RHAT_LIMIT} for ${bad.join(", ")}: the chains have not converged to one distribution; run longer (more burn-in or samples).`,
      );
    const short = this.labels.filter((_, k) => d.tau[k] !== null && this.nthin < TAU_MULTIPLE * d.tau[k]);
    if (short.length > 0)
      w.push(
        `The chains are shorter than ${TAU_MULTIPLE} autocorrelation times for ${short.join(", ")}: the intervals are uncertain; draw more samples.`,
      );
    if (this.particleEss === undefined && this.nthin > 1 && this.labels.some((_, k) => d.tau[k] === null))
      w.push("The autocorrelation time could not be estimated (a parameter did not move); the chains may be stuck.");
    if (d.outlierChains.length > 0)
      w.push(
        `Outlier chains after burn-in (${d.outlierChains.join(", ")}): some chains sit in a region of much lower probability; increase burn-in.`,
      );
    if (this.particleEss !== undefined && this.particleEss < 0.1 * this.nchains)
      w.push(`Effective sample size of the particles is only ${this.particleEss.toFixed(0)}: use more particles.`);
    return w;
  }
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function finiteOrZero(v: number): number {
  return Number.isFinite(v) ? v : 0;
}
