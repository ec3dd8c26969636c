/**
 * DREAM's outlier-chain rule (Vrugt et al. 2009, IJNSNS 10(3), §2; the IQR test is in
 * `fit/mcmc/outliers.ts`): during burn-in, every `interval` generations, a chain whose mean
 * log-posterior over the latter half of the generations so far falls below Q1 − 2·IQR of the
 * chains' means is stuck in a poor region, and jumps to the state of a randomly chosen good chain.
 * Without it one stuck chain keeps R̂ high for ever. Resets stop with burn-in, since moving a
 * chain by hand breaks detailed balance.
 */
import { iqrOutliers } from "../mcmc/outliers.js";
import type { OutlierReplacement } from "../mcmc/samples.js";
import type { Random } from "../random.js";

/** Generations between outlier tests for a burn-in of `burn` generations. */
export function outlierInterval(burn: number): number {
  return Math.max(10, Math.floor(burn / 10));
}

/** The population and history the rule reads and the chains it resets. */
export interface OutlierTarget {
  /** Number of chains. */
  readonly n: number;
  /** Number of parameters. */
  readonly p: number;
  /** Current population, row-major `n × p`. */
  readonly x: Float64Array;
  /** Current log-posterior per chain. */
  readonly logp: Float64Array;
  /** Log-posterior per chain of every generation so far, `[g * n + i]`. */
  readonly genLogp: Float64Array;
  /** Where resets are recorded. */
  readonly outliers: OutlierReplacement[];
}

/** Applies DREAM's outlier rule over `interval`-generation periods of burn-in. */
export class OutlierRule {
  private readonly chainMean: Float64Array;

  /** A rule for `n` chains, tested every `interval` generations. */
  constructor(
    n: number,
    private readonly interval: number,
  ) {
    this.chainMean = new Float64Array(n);
  }

  /** Whether the test runs after generation index `g` (0-based) of burn-in. */
  due(g: number): boolean {
    return g > 0 && (g + 1) % this.interval === 0;
  }

  /**
   * Tests the chains after generation index `g` and resets the outliers to random non-outlier
   * chains (drawn from `rng`), recording each reset. Nothing changes when no chain, or every
   * chain, is an outlier.
   */
  apply(t: OutlierTarget, g: number, rng: Random): void {
    const { n, p, x, logp, genLogp } = t;
    const mean = this.chainMean;
    const from = Math.floor((g + 1) / 2);
    mean.fill(0);
    for (let h = from; h <= g; h++) for (let i = 0; i < n; i++) mean[i] += genLogp[h * n + i];
    for (let i = 0; i < n; i++) mean[i] /= g + 1 - from;
    const bad = iqrOutliers(mean);
    if (bad.length === 0 || bad.length >= n) return;
    const isBad = new Uint8Array(n);
    for (const b of bad) isBad[b] = 1;
    for (const b of bad) {
      let r: number;
      do r = rng.int(n);
      while (isBad[r]);
      x.copyWithin(b * p, r * p, r * p + p);
      logp[b] = logp[r];
      t.outliers.push({ generation: g, removed: b, replacement: r });
    }
  }
}
