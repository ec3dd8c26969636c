/**
 * The `application/vnd.hpcfit.mcmc+json` MIME bundle: what a sampler's result (DREAM, SMC) sends
 * to the JupyterLab extension, which draws traces, marginals, a corner plot, logp by generation
 * and a diagnostics table from it. The same object is stored as the `mcmc` member of
 * `<name>.json` by the result store. No imports, so the extension compiles it too; the few
 * functions here are the rules the engine's reports and the extension's view share.
 *
 * Conventions for every array below:
 * - `logp` is the log-posterior up to a constant, `-nllf` (higher is better), as in bumps.
 * - Draws are thinned and exclude burn-in. "Draw index" `t` runs over kept (thinned) generations,
 *   `0 <= t < nthin`; "chain" `c` over `0 <= c < nchains`.
 * - Non-finite numbers cannot travel in JSON: a diagnostic that is undefined for the sampler
 *   (R-hat of SMC particles, for example) is `null`.
 */

/** The MIME type of {@link McmcBundle}. */
export const MCMC_MIME = "application/vnd.hpcfit.mcmc+json";

/** Summary statistics of one parameter's marginal posterior, over all kept draws. */
export interface McmcParameterStats {
  /** Parameter name (same order as {@link McmcBundle.labels}). */
  name: string;
  /** Posterior mean. */
  mean: number;
  /** Posterior median (50% quantile). */
  median: number;
  /** Parameter value at the draw with the highest logp (maximum a-posteriori among the draws). */
  best: number;
  /** Posterior standard deviation. */
  std: number;
  /** Central 68% credible interval `[q(0.15866), q(0.84134)]`. */
  p68: [number, number];
  /** Central 95% credible interval `[q(0.025), q(0.975)]`. */
  p95: [number, number];
}

/**
 * Convergence diagnostics; each per-parameter array follows {@link McmcBundle.labels}. R̂, ESS
 * and the Monte Carlo standard errors are those of Vehtari et al. 2021 ("Rank-normalization,
 * folding, and localization: an improved R̂", Bayesian Analysis 16(2)), computed as ArviZ and
 * Stan do. The optional members were added after the first bundles: a bundle without them is
 * still valid (its `rhat` is then the classic split R̂ and `ess` total draws / `tau`).
 */
export interface McmcDiagnostics {
  /** Rank-normalized split R̂, the larger of bulk and folded, per parameter (null with < 4 draws per chain, one chain, or an SMC run). */
  rhat: (number | null)[];
  /** Integrated autocorrelation time per parameter, in kept draws: total kept draws / the ESS of the mean; null for SMC. */
  tau: (number | null)[];
  /** Effective sample size per parameter: bulk-ESS (SMC: the particles' ESS). */
  ess: (number | null)[];
  /** Fraction of proposals accepted after burn-in (SMC: during the last MCMC moves). */
  acceptanceRate: number;
  /** Chains flagged as outliers (IQR test on the mean logp) among the kept draws; indices into chains. */
  outlierChains: number[];
  /** Correlation matrix of the draws, row-major `nparams × nparams`. */
  correlation: number[];
  /** Split R̂ of the rank-normalized draws. */
  rhatBulk?: (number | null)[];
  /** Split R̂ of the rank-normalized absolute deviations from the median (sees chains that differ in scale). */
  rhatFolded?: (number | null)[];
  /** Bulk effective sample size (of the rank-normalized draws); the same as {@link ess} for chain samplers. */
  essBulk?: (number | null)[];
  /** Tail effective sample size: the smaller of the ESS of the 5% and 95% quantiles. */
  essTail?: (number | null)[];
  /** Monte Carlo standard error of the posterior mean. */
  mcseMean?: (number | null)[];
  /** Monte Carlo standard errors of the 5% and 95% quantiles: `[q05, q95]` per parameter. */
  mcseQuantiles?: ([number, number] | null)[];
  /** The limits the warnings use: R̂ above `rhat`, or bulk- or tail-ESS below `ess`. */
  limits?: { rhat: number; ess: number };
  /** When the run sampled until targets were met (`until`): the targets and how it ended. */
  until?: McmcUntil;
}

/**
 * The limits of Vehtari et al. 2021 that chains are judged by: R̂ above `rhat`, or bulk- or
 * tail-ESS below `ess`, is flagged. The engine writes them into every new bundle
 * ({@link McmcDiagnostics.limits}); a bundle older than that is judged by these.
 */
export const DIAGNOSTIC_LIMITS: Readonly<{ rhat: number; ess: number }> = { rhat: 1.01, ess: 400 };

/** The limits `d` is judged by: its own, or {@link DIAGNOSTIC_LIMITS} for a bundle that names none. */
export function diagnosticLimits(d: McmcDiagnostics): { rhat: number; ess: number } {
  const l = d.limits;
  return l !== undefined && Number.isFinite(l.rhat) && Number.isFinite(l.ess) ? { ...l } : { ...DIAGNOSTIC_LIMITS };
}

/** One parameter's diagnostic, judged by its limit. */
export interface JudgedDiagnostic {
  /** The value; null or undefined when the bundle has none (an undefined diagnostic is never flagged). */
  value: number | null | undefined;
  /** Whether the value is past its limit. */
  fails: boolean;
}

/**
 * Parameter `p`'s R̂, bulk-ESS and tail-ESS, each judged by `d`'s limits (R̂ above its limit, an
 * ESS below its): the one rule of the warnings, the text and HTML reports and the Lab view. A
 * bundle older than bulk- and tail-ESS has its one ESS judged as bulk-ESS.
 */
export function judgeDiagnostics(
  d: McmcDiagnostics,
  p: number,
): { rhat: JudgedDiagnostic; bulk: JudgedDiagnostic; tail: JudgedDiagnostic } {
  const limits = diagnosticLimits(d);
  const rhat = d.rhat[p];
  const bulk = d.essBulk?.[p] ?? d.ess[p];
  const tail = d.essTail?.[p];
  return {
    rhat: { value: rhat, fails: typeof rhat === "number" && rhat > limits.rhat },
    bulk: { value: bulk, fails: typeof bulk === "number" && bulk < limits.ess },
    tail: { value: tail, fails: typeof tail === "number" && tail < limits.ess },
  };
}

/** How a run that sampled until convergence targets (`until`) ended. */
export interface McmcUntil {
  /** The targets: largest R̂ and smallest ESS (bulk and tail) every parameter must reach. */
  targets: { rhat?: number; ess?: number };
  /** True when every parameter met every target. */
  met: boolean;
  /** Why sampling ended: the targets were met, the time budget (`maxTime`) or the draw budget ran out, or the run was stopped. */
  ended: "met" | "maxTime" | "budget" | "stopped";
  /** The worst R̂ over the parameters at the end (null when undefined). */
  rhat: number | null;
  /** The smallest of every parameter's bulk- and tail-ESS at the end (null when undefined). */
  ess: number | null;
  /** Convergence checks made (each after a block of generations). */
  checks: number;
}

/**
 * How a run that sampled `until` targets ended, in words: the one phrasing of the text and HTML
 * reports and the Lab view.
 */
export function untilEnding(u: McmcUntil): string {
  if (u.ended === "met") return "met";
  if (u.ended === "maxTime") return "not met: the time budget (maxTime) ran out";
  if (u.ended === "budget") return "not met within the draw budget";
  return "not met: sampling was stopped";
}

/** The worst values when sampling `until` targets ended ("worst R-hat 1.004, smallest ESS 1200"), an unknown one written `missing`. */
export function untilWorst(u: McmcUntil, missing: string): string {
  return `worst R-hat ${u.rhat === null ? missing : u.rhat.toFixed(3)}, smallest ESS ${u.ess === null ? missing : u.ess.toFixed(0)}`;
}

/**
 * What a sampler run was: its sampler, parameters, chains, draws, generations and evaluations.
 * The engine's record of the draws (`McmcSamplesData`) and the bundle both begin with it.
 */
export interface McmcRun {
  /** Sampler that made the draws: "dream" or "smc". */
  sampler: string;
  /** Names of the sampled parameters. */
  labels: string[];
  /** Number of chains (DREAM: pop × nparams; SMC: particles, each a chain of one draw). */
  nchains: number;
  /** Number of kept (thinned, post-burn-in) draws per chain. */
  nthin: number;
  /** Generations between two kept draws. */
  thin: number;
  /** Generations discarded as burn-in before the first kept draw (SMC: tempering stages run). */
  burn: number;
  /** Total generations run (burn-in included). */
  generations: number;
  /** Total model evaluations. */
  evaluations: number;
}

/** The MCMC bundle, version 1. */
export interface McmcBundle extends McmcRun {
  /** Shape version; renderers must check it. */
  version: 1;
  /**
   * Kept draws: `points[t][c]` is the parameter vector (length nparams) of chain `c` at kept
   * draw `t`. May be subsampled for display (see {@link displayStride}).
   */
  points: number[][][];
  /** `logp[t][c]`: log-posterior of `points[t][c]`. */
  logp: number[][];
  /**
   * Kept draws in `points`/`logp` are every `displayStride`-th kept draw (1 = all). Large runs are
   * subsampled in the bundle to keep notebooks small; stats and diagnostics use all draws.
   */
  displayStride: number;
  /**
   * Log-posterior per chain at every generation, burn-in included, for the "logp by generation"
   * plot: `generationLogp[g][c]`. Subsampled every `generationStride` generations.
   */
  generationLogp: number[][];
  /** Generation number of each row of {@link generationLogp}. */
  generationIndex: number[];
  /** Stride used for {@link generationLogp}. */
  generationStride: number;
  /** Per-parameter statistics, in label order. */
  stats: McmcParameterStats[];
  /** Convergence diagnostics. */
  diagnostics: McmcDiagnostics;
  /** Plain-language warnings; empty when no diagnostic objects. */
  warnings: string[];
}
