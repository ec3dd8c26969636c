/**
 * The draws of a sampler run and everything derived from them: per-parameter statistics,
 * convergence diagnostics and plain-language warnings. A `FitResult` from DREAM or SMC carries
 * one as `samples`; the store writes and reads it in bumps' file formats.
 */
import { ESS_LIMIT, orderedConvergence, parameterConvergence, RHAT_LIMIT } from "./convergence.js";
import { iqrOutliers } from "./outliers.js";
import { ascendingOrder } from "./ranks.js";
import { allFinite, correlation, covariance, meanStd, P68, P95, quantileSorted } from "./stats.js";
import {
  diagnosticLimits,
  judgeDiagnostics,
  type McmcDiagnostics,
  type McmcParameterStats,
  type McmcRun,
  type McmcUntil,
} from "../../schema/mcmc.js";

/** An outlier chain replaced during burn-in (bumps records the same triple). */
export interface OutlierReplacement {
  /** Generation at which the chain was replaced. */
  generation: number;
  /** Chain that was an outlier. */
  removed: number;
  /** Chain whose state it took. */
  replacement: number;
}

/** The raw record of a sampler run (what the store saves): the run, its draws and their history. */
export interface McmcSamplesData extends McmcRun {
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
  /** How sampling until convergence targets ended, when the run had targets (`until`). */
  until?: McmcUntil;
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
  /** @inheritDoc */ until?: McmcUntil;
  private cached?: McmcSummary;
  private cachedCovariance?: Float64Array;

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
    if (data.until !== undefined) this.until = { ...data.until, targets: { ...data.until.targets } };
    const p = this.labels.length;
    const n = this.nthin * this.nchains;
    if (this.points.length !== n * p) throw new Error(`McmcSamples: points has ${this.points.length} values, expected ${n * p}`);
    if (this.logp.length !== n) throw new Error(`McmcSamples: logp has ${this.logp.length} values, expected ${n}`);
    if (this.genLogp.length !== this.genAcceptance.length * this.nchains)
      throw new Error("McmcSamples: genLogp does not match generations × chains");
  }

  /** The same draws with how sampling until targets ended (the summary is computed afresh). */
  withUntil(until: McmcUntil): McmcSamples {
    return new McmcSamples({
      sampler: this.sampler,
      labels: this.labels,
      nchains: this.nchains,
      nthin: this.nthin,
      thin: this.thin,
      burn: this.burn,
      generations: this.generations,
      evaluations: this.evaluations,
      points: this.points,
      logp: this.logp,
      genDraws: this.genDraws,
      genAcceptance: this.genAcceptance,
      genLogp: this.genLogp,
      ncr: this.ncr,
      crDraws: this.crDraws,
      crWeights: this.crWeights,
      outliers: this.outliers,
      ...(this.particleEss !== undefined ? { particleEss: this.particleEss } : {}),
      until,
    });
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

  /**
   * Covariance matrix of the draws (row-major `nparams × nparams`, divisor size − 1), computed
   * once: the result's covariance and the summary's correlations both come from it. A copy.
   */
  drawCovariance(): Float64Array {
    this.cachedCovariance ??= covariance(this.points, this.size, this.labels.length);
    return this.cachedCovariance.slice();
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
    const perChain = new Float64Array(n);
    const diag = {
      rhat: [] as (number | null)[],
      tau: [] as (number | null)[],
      ess: [] as (number | null)[],
      rhatBulk: [] as (number | null)[],
      rhatFolded: [] as (number | null)[],
      essBulk: [] as (number | null)[],
      essTail: [] as (number | null)[],
      mcseMean: [] as (number | null)[],
      mcseQuantiles: [] as ([number, number] | null)[],
    };
    const chainSampler = this.particleEss === undefined;
    for (let k = 0; k < p; k++) {
      for (let i = 0; i < n; i++) column[i] = this.points[i * p + k];
      const { mean, std } = meanStd(column);
      // A chain sampler's diagnostics need the draws chain by chain and in ascending order: one
      // radix order of them serves the diagnostics and, gathered, the quantiles here.
      let order: Uint32Array | undefined;
      if (chainSampler) for (let t = 0; t < nt; t++) for (let c = 0; c < nc; c++) perChain[c * nt + t] = column[t * nc + c];
      if (chainSampler && allFinite(perChain)) {
        order = ascendingOrder(perChain);
        for (let i = 0; i < n; i++) column[i] = perChain[order[i]];
      } else column.sort();
      stats.push({
        name: this.labels[k],
        mean,
        median: quantileSorted(column, 0.5),
        best: this.points[bestAt * p + k],
        std,
        p68: [quantileSorted(column, P68[0]), quantileSorted(column, P68[1])],
        p95: [quantileSorted(column, P95[0]), quantileSorted(column, P95[1])],
      });
      if (chainSampler) {
        const d =
          order === undefined ? parameterConvergence(perChain, nc, nt) : orderedConvergence(perChain, nc, nt, order, column);
        diag.rhat.push(finiteOrNull(d.rhat));
        diag.rhatBulk.push(finiteOrNull(d.rhatBulk));
        diag.rhatFolded.push(finiteOrNull(d.rhatFolded));
        diag.essBulk.push(finiteOrNull(d.essBulk));
        diag.ess.push(finiteOrNull(d.essBulk));
        diag.essTail.push(finiteOrNull(d.essTail));
        diag.tau.push(finiteOrNull(n / d.essMean));
        diag.mcseMean.push(finiteOrNull(d.mcseMean));
        diag.mcseQuantiles.push(Number.isFinite(d.mcseQ05) && Number.isFinite(d.mcseQ95) ? [d.mcseQ05, d.mcseQ95] : null);
      } else {
        const particles = finiteOrNull(this.particleEss ?? Number.NaN);
        for (const list of [diag.rhat, diag.tau, diag.rhatBulk, diag.rhatFolded, diag.essTail, diag.mcseMean]) list.push(null);
        diag.ess.push(particles);
        diag.essBulk.push(particles);
        diag.mcseQuantiles.push(null);
      }
    }
    const corr = correlation(this.drawCovariance(), p);
    const outlierChains = chainSampler && nt > 1 ? this.keptOutliers() : [];
    const diagnostics: McmcDiagnostics = {
      ...diag,
      acceptanceRate: finiteOrZero(this.acceptanceRate()),
      outlierChains,
      correlation: Array.from(corr, (v) => (Number.isFinite(v) ? v : 0)),
      limits: { rhat: RHAT_LIMIT, ess: ESS_LIMIT },
      ...(this.until !== undefined ? { until: this.until } : {}),
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

  /** Whether every kept draw of parameter `k` is the same value. */
  private stuck(k: number): boolean {
    const p = this.labels.length;
    const first = this.points[k];
    for (let i = 1; i < this.size; i++) if (this.points[i * p + k] !== first) return false;
    return true;
  }

  private warningsFor(d: McmcDiagnostics): string[] {
    const w: string[] = [];
    const limits = diagnosticLimits(d);
    const named = (which: "rhat" | "bulk" | "tail"): string[] =>
      this.labels.filter((_, k) => judgeDiagnostics(d, k)[which].fails);
    const notMixed = named("rhat");
    if (notMixed.length > 0)
      w.push(
        `R-hat above ${limits.rhat} for ${notMixed.join(", ")}: the chains have not converged to one distribution; run longer (more burn-in or samples).`,
      );
    const fewBulk = named("bulk");
    if (this.particleEss === undefined && fewBulk.length > 0)
      w.push(`Bulk ESS below ${limits.ess} for ${fewBulk.join(", ")}: the means and medians are uncertain; draw more samples.`);
    const fewTail = named("tail");
    if (fewTail.length > 0)
      w.push(`Tail ESS below ${limits.ess} for ${fewTail.join(", ")}: the interval ends are uncertain; draw more samples.`);
    if (this.particleEss === undefined && this.nthin > 1 && this.labels.some((_, k) => this.stuck(k)))
      w.push(
        `The draws of ${this.labels.filter((_, k) => this.stuck(k)).join(", ")} never moved: the chains are stuck and no diagnostic can be trusted.`,
      );
    if (d.outlierChains.length > 0)
      w.push(
        `Outlier chains after burn-in (${d.outlierChains.join(", ")}): some chains sit in a region of much lower probability; increase burn-in.`,
      );
    if (this.particleEss !== undefined && (this.particleEss < ESS_LIMIT || this.particleEss < 0.1 * this.nchains))
      w.push(
        `Effective sample size of the particles is only ${this.particleEss.toFixed(0)}` +
          `${this.particleEss < ESS_LIMIT ? ` (below ${ESS_LIMIT})` : ""}: use more particles, or until: { ess }.`,
      );
    return w;
  }
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function finiteOrZero(v: number): number {
  return Number.isFinite(v) ? v : 0;
}
