/**
 * The whole state of a DREAM run (Vrugt et al. 2009, IJNSNS 10(3)) in one object, in the spirit
 * of emcee's `State` and bumps' `dream/state.py`: the population and its log-posteriors, the
 * crossover adaptation, the outlier resets, the history of every generation, the draws kept so
 * far and the best point seen. It checkpoints itself ({@link DreamState.snapshot}) and continues
 * from a checkpoint ({@link DreamState.resume}) bit for bit, generator included.
 */
import { McmcSamples, type OutlierReplacement } from "../mcmc/samples.js";
import type { Random, RandomState } from "../random.js";
import { CrossoverAdaptation } from "./dream-crossover.js";
import type { OutlierTarget } from "./dream-outliers.js";

/** The settings a run's state is laid out by; a checkpoint resumes only under the same ones. */
export interface DreamShape {
  /** Parameter names. */
  labels: string[];
  /** Number of chains. */
  n: number;
  /** Generations per kept draw. */
  thin: number;
  /** Burn-in generations. */
  burn: number;
  /** Kept draws per chain at the end of the run. */
  nthin: number;
  /** Number of crossover values. */
  ncr: number;
}

/**
 * A DREAM state as plain data (what a checkpoint stores; `magics/fit/checkpoint.ts` writes it as
 * JSON with the arrays as base64 of their bytes). Arrays of the history and the kept draws hold
 * only what was done so far.
 */
export interface DreamCheckpoint {
  version: 1;
  labels: string[];
  nchains: number;
  /** Generations done. */
  generation: number;
  /** Kept draws so far (in units of a whole population). */
  kept: number;
  evaluations: number;
  settings: { thin: number; burn: number; nthin: number; ncr: number };
  /** Kept draws left out at the start of the samples (runs with `until`; absent when none). */
  dropped?: number;
  x: Float64Array;
  logp: Float64Array;
  pCR: Float64Array;
  crJump: Float64Array;
  crCount: Float64Array;
  points: Float64Array;
  keptLogp: Float64Array;
  genDraws: Float64Array;
  genAcceptance: Float64Array;
  genLogp: Float64Array;
  crDraws: number[];
  crWeights: number[];
  outliers: OutlierReplacement[];
  bestX: Float64Array;
  bestLogp: number;
  rng: RandomState;
}

/** A DREAM run's state; sized for the whole run when made. */
export class DreamState implements OutlierTarget {
  /** Number of chains. */
  readonly n: number;
  /** Number of parameters. */
  readonly p: number;
  /** Generations the run makes in all (burn-in included); grows when the run is extended. */
  total: number;
  /** Current population, row-major `n × p`. */
  readonly x: Float64Array;
  /** Current log-posterior per chain. */
  readonly logp: Float64Array;
  /** Kept draws, `[(t * n + i) * p + k]`. */
  points: Float64Array;
  /** Log-posterior of each kept draw. */
  keptLogp: Float64Array;
  /** Cumulative evaluations at the end of each generation. */
  genDraws: Float64Array;
  /** Acceptance rate of each generation. */
  genAcceptance: Float64Array;
  /** Log-posterior per chain of each generation, `[g * n + i]`. */
  genLogp: Float64Array;
  /** The crossover values' adaptation. */
  readonly crossover: CrossoverAdaptation;
  /** Outlier chains reset during burn-in. */
  readonly outliers: OutlierReplacement[] = [];
  /** Best point seen. */
  readonly bestX: Float64Array;
  /** Its log-posterior. */
  bestLogp = -Infinity;
  /** Generations done. */
  generation = 0;
  /** Kept draws so far, in whole populations. */
  kept = 0;
  /**
   * Kept draws left out of the samples at their start: a run that samples until R̂ is met moves
   * its burn-in forward over draws made before the chains had mixed.
   */
  dropped = 0;
  /** Model evaluations so far. */
  evaluations = 0;

  /** An empty state for a run of `shape`; `rng` is the run's generator, saved with each snapshot. */
  constructor(
    public shape: DreamShape,
    private readonly rng: Random,
  ) {
    const { n, labels, nthin, thin, burn, ncr } = shape;
    const p = labels.length;
    this.n = n;
    this.p = p;
    this.total = burn + nthin * thin;
    this.x = new Float64Array(n * p);
    this.logp = new Float64Array(n);
    this.points = new Float64Array(nthin * n * p);
    this.keptLogp = new Float64Array(nthin * n);
    this.genDraws = new Float64Array(this.total);
    this.genAcceptance = new Float64Array(this.total);
    this.genLogp = new Float64Array(this.total * n);
    this.crossover = new CrossoverAdaptation(ncr);
    this.bestX = new Float64Array(p);
  }

  /** Whether generation index `g` is part of burn-in. */
  inBurn(g: number): boolean {
    return g < this.shape.burn;
  }

  /** Writes each dimension's spread (max − min over the chains) into `out`. */
  spread(out: Float64Array): void {
    const { n, p, x } = this;
    for (let k = 0; k < p; k++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = x[i * p + k];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      out[k] = hi - lo;
    }
  }

  /** Takes any chain better than the best seen as the new best. */
  noteBest(): void {
    const { n, p, x, logp, bestX } = this;
    for (let i = 0; i < n; i++)
      if (logp[i] > this.bestLogp) {
        this.bestLogp = logp[i];
        bestX.set(x.subarray(i * p, i * p + p));
      }
  }

  /** Records the generation just made (`accepted` proposals of `n`) and counts it done. */
  recordGeneration(accepted: number): void {
    const g = this.generation;
    this.genDraws[g] = this.evaluations;
    this.genAcceptance[g] = accepted / this.n;
    this.genLogp.set(this.logp, g * this.n);
    this.generation = g + 1;
  }

  /**
   * Makes room for `more` kept draws per chain (`more · thin` generations) after the planned end,
   * for a run that samples until convergence targets are met.
   */
  extend(more: number): void {
    const { n, p } = this;
    const shape = { ...this.shape, nthin: this.shape.nthin + more };
    const total = shape.burn + shape.nthin * shape.thin;
    const grown = (a: Float64Array, size: number): Float64Array => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.points = grown(this.points, shape.nthin * n * p);
    this.keptLogp = grown(this.keptLogp, shape.nthin * n);
    this.genDraws = grown(this.genDraws, total);
    this.genAcceptance = grown(this.genAcceptance, total);
    this.genLogp = grown(this.genLogp, total * n);
    this.shape = shape;
    this.total = total;
  }

  /** Keeps the current population as a draw, when generation index `g` is one to keep. */
  keepIfDue(g: number): void {
    const { burn, thin, nthin } = this.shape;
    if (g < burn || (g - burn + 1) % thin !== 0 || this.kept >= nthin) return;
    this.points.set(this.x, this.kept * this.n * this.p);
    this.keptLogp.set(this.logp, this.kept * this.n);
    this.kept++;
  }

  /** The state now, as plain data that owns its arrays (for a checkpoint). */
  snapshot(): DreamCheckpoint {
    const { n, p, kept, generation } = this;
    const { labels, thin, burn, nthin, ncr } = this.shape;
    return {
      version: 1,
      labels: [...labels],
      nchains: n,
      generation,
      kept,
      evaluations: this.evaluations,
      settings: { thin, burn, nthin, ncr },
      ...(this.dropped > 0 ? { dropped: this.dropped } : {}),
      x: this.x.slice(),
      logp: this.logp.slice(),
      ...this.crossover.snapshot(),
      points: this.points.slice(0, kept * n * p),
      keptLogp: this.keptLogp.slice(0, kept * n),
      genDraws: this.genDraws.slice(0, generation),
      genAcceptance: this.genAcceptance.slice(0, generation),
      genLogp: this.genLogp.slice(0, generation * n),
      outliers: this.outliers.map((o) => ({ ...o })),
      bestX: this.bestX.slice(),
      bestLogp: this.bestLogp,
      rng: this.rng.getState(),
    };
  }

  /**
   * A state for a run of `shape` continuing from `checkpoint` (taken with {@link snapshot} by a
   * run of the same problem and options); sets `rng` to the checkpoint's generator state.
   */
  static resume(checkpoint: DreamCheckpoint, shape: DreamShape, rng: Random, extensible = false): DreamState {
    // A run that samples until targets may have grown past the planned draws before its checkpoint.
    const grown = extensible && checkpoint.settings.nthin > shape.nthin ? { ...shape, nthin: checkpoint.settings.nthin } : shape;
    checkResumable(checkpoint, grown);
    const s = new DreamState(grown, rng);
    s.x.set(checkpoint.x);
    s.logp.set(checkpoint.logp);
    s.crossover.restore(checkpoint);
    s.points.set(checkpoint.points);
    s.keptLogp.set(checkpoint.keptLogp);
    s.genDraws.set(checkpoint.genDraws);
    s.genAcceptance.set(checkpoint.genAcceptance);
    s.genLogp.set(checkpoint.genLogp);
    for (const o of checkpoint.outliers) s.outliers.push({ ...o });
    s.bestX.set(checkpoint.bestX);
    s.bestLogp = checkpoint.bestLogp;
    s.generation = checkpoint.generation;
    s.kept = checkpoint.kept;
    s.dropped = checkpoint.dropped ?? 0;
    s.evaluations = checkpoint.evaluations;
    rng.setState(checkpoint.rng);
    return s;
  }

  /**
   * The draws and history so far as {@link McmcSamples} (copies: the run may go on). A run
   * stopped during burn-in has kept nothing; its draws are then the current population, so the
   * user still sees where the chains are. Draws {@link dropped} by a burn-in moved forward are
   * left out.
   */
  toSamples(): McmcSamples {
    const { n, p, generation } = this;
    const { labels, thin, burn, ncr } = this.shape;
    const from = this.kept > 0 ? Math.min(this.dropped, this.kept - 1) : 0;
    const kept = Math.max(this.kept - from, 1);
    return new McmcSamples({
      sampler: "dream",
      labels,
      nchains: n,
      nthin: kept,
      thin,
      burn: Math.min(burn + from * thin, generation),
      generations: generation,
      evaluations: this.evaluations,
      points: this.kept > 0 ? this.points.slice(from * n * p, this.kept * n * p) : this.x.slice(),
      logp: this.kept > 0 ? this.keptLogp.slice(from * n, this.kept * n) : this.logp.slice(),
      genDraws: this.genDraws.slice(0, generation),
      genAcceptance: this.genAcceptance.slice(0, generation),
      genLogp: this.genLogp.slice(0, generation * n),
      ncr,
      crDraws: this.crossover.updateDraws,
      crWeights: this.crossover.updateWeights,
      outliers: this.outliers.map((o) => ({ ...o })),
    });
  }
}

/** Checks that a checkpoint belongs to a run of `shape`, with errors saying what differs. */
function checkResumable(state: DreamCheckpoint, shape: DreamShape): void {
  if (state === null || typeof state !== "object" || state.version !== 1)
    throw new RangeError("dream: option resume must be a DREAM state (version 1) taken with snapshot()");
  const { labels, n } = shape;
  if (state.labels.join("\0") !== labels.join("\0"))
    throw new RangeError(`dream: the checkpoint fits ${state.labels.join(", ")} but the problem fits ${labels.join(", ")}`);
  if (state.nchains !== n)
    throw new RangeError(
      `dream: the checkpoint has ${state.nchains} chains, these options give ${n} (same pop as the first run)`,
    );
  for (const k of ["thin", "burn", "nthin", "ncr"] as const)
    if (state.settings[k] !== shape[k])
      throw new RangeError(
        `dream: the checkpoint was taken with ${k}=${state.settings[k]}, these options give ${shape[k]}; resume with the first run's options`,
      );
}
