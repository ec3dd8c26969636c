/**
 * The `application/vnd.hpcfit.mcmc+json` MIME bundle: what a sampler's result (DREAM, SMC) sends
 * to the JupyterLab extension, which draws traces, marginals, a corner plot, logp by generation
 * and a diagnostics table from it. The same object is stored as the `mcmc` member of
 * `<name>.json` by the result store. Pure types: no imports, so the extension can import it
 * type-only.
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

/** Convergence diagnostics; each per-parameter array follows {@link McmcBundle.labels}. */
export interface McmcDiagnostics {
  /** Gelman–Rubin potential scale reduction on split chains, per parameter (null if < 2 draws per half-chain or an SMC run). */
  rhat: (number | null)[];
  /** Integrated autocorrelation time per parameter, in thinned draws (emcee's estimator, c = 5); null for SMC. */
  tau: (number | null)[];
  /** Effective sample size per parameter: total kept draws / tau (SMC: the particles' ESS). */
  ess: (number | null)[];
  /** Fraction of proposals accepted after burn-in (SMC: during the last MCMC moves). */
  acceptanceRate: number;
  /** Chains flagged as outliers (IQR test on the mean logp) among the kept draws; indices into chains. */
  outlierChains: number[];
  /** Correlation matrix of the draws, row-major `nparams × nparams`. */
  correlation: number[];
}

/** The MCMC bundle, version 1. */
export interface McmcBundle {
  /** Shape version; renderers must check it. */
  version: 1;
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
