/**
 * The state of an SMC run (Del Moral, Doucet & Jasra 2006, JRSS B 68) in one object: the
 * particles with their prior, likelihood and constraint values, the tempering level reached
 * (likelihood power β, constraint sharpness τ, hard constraints), the random-walk scale, the
 * history of every stage and the best particle seen. Its operations are the three steps of a
 * stage: reweight to a new level (and measure the effective sample size), resample, move.
 */
import { McmcSamples } from "../mcmc/samples.js";
import { covariance } from "../mcmc/stats.js";
import type { Random } from "../random.js";
import { cholesky, correlatedNormal } from "./cholesky.js";
import type { PopulationEvaluator } from "./evaluator.js";
import { logNormalCdf } from "./normal-cdf.js";

/** An inequality constraint: satisfied where it returns a value >= 0. */
export type InequalityConstraint = (x: Float64Array) => number;

/** What the particles are scored against. */
export interface SmcTarget {
  /** Parameter names. */
  labels: string[];
  /** Lower and upper bounds per parameter. */
  lower: Float64Array;
  upper: Float64Array;
  /** The prior's nllf, when the problem has one (else uniform within the bounds). */
  priorNllf?: (x: Float64Array) => number;
  /** Draws from the prior, used when {@link priorNllf} is given. */
  randomPoint: (rng: Random) => Float64Array;
  /** Inequality constraints `g(x) >= 0`. */
  constraints: InequalityConstraint[];
}

/** A tempering level: `π ∝ prior · L^beta · Π Φ(tau g_j)`, or the constraints as an indicator when `hard`. */
export interface TemperingLevel {
  beta: number;
  tau: number;
  hard: boolean;
}

interface Particles {
  x: Float64Array;
  prior: Float64Array;
  like: Float64Array;
  /** Constraint values, row-major N × nconstraints. */
  g: Float64Array;
}

/** An SMC run's particles and everything that evolves with them. */
export class SmcState {
  /** Number of parameters. */
  readonly p: number;
  /** Number of constraints. */
  readonly nc: number;
  /** Tempering level of the current particles. */
  level: TemperingLevel = { beta: 0, tau: 0, hard: false };
  /** Effective sample size of the last reweighting. */
  lastEss: number;
  /** Stages done. */
  stages = 0;
  /** Model evaluations so far. */
  evaluations = 0;
  /** Best particle seen (at full likelihood, satisfying the constraints once they are hard). */
  readonly bestX: Float64Array;
  /** Its log-posterior. */
  bestLogp = -Infinity;
  private cur: Particles;
  private prop: Particles;
  /** Random-walk scale, tuned towards a quarter acceptance. */
  private scale: number;
  private readonly genLogp: number[] = [];
  private readonly genAcceptance: number[] = [];
  private readonly genDraws: number[] = [];
  private readonly nllf: Float64Array;
  private readonly logw: Float64Array;
  private readonly w: Float64Array;
  private readonly idx: Int32Array;
  private readonly z: Float64Array;
  /** One particle's coordinates, copied for the prior and the constraints (no view per particle). */
  private readonly xi: Float64Array;
  /** Likelihoods above their least, of the particles that count, for {@link betaCrossing}. */
  private readonly du: Float64Array;

  /** `n` particles for `target`, evaluated through `evaluator`; call {@link start} next. */
  constructor(
    readonly n: number,
    private readonly target: SmcTarget,
    private readonly evaluator: PopulationEvaluator,
  ) {
    const p = target.labels.length;
    const nc = target.constraints.length;
    this.p = p;
    this.nc = nc;
    this.cur = particles(n, p, nc);
    this.prop = particles(n, p, nc);
    this.scale = 2.38 / Math.sqrt(p);
    this.lastEss = n;
    this.bestX = new Float64Array(p);
    this.nllf = new Float64Array(n);
    this.logw = new Float64Array(n);
    this.w = new Float64Array(n);
    this.idx = new Int32Array(n);
    this.z = new Float64Array(p);
    this.xi = new Float64Array(p);
    this.du = new Float64Array(n);
  }

  /** Draws the particles from the prior and scores them. */
  async start(rng: Random): Promise<void> {
    const { n, p, cur, target } = this;
    for (let i = 0; i < n; i++) {
      if (target.priorNllf) cur.x.set(target.randomPoint(rng), i * p);
      else for (let k = 0; k < p; k++) cur.x[i * p + k] = rng.between(target.lower[k], target.upper[k]);
    }
    await this.score(cur);
  }

  /**
   * Effective sample size of the current particles reweighted from the current level to `to`
   * (leaving the normalised weights for {@link resample}); 0 when every weight is zero.
   */
  ess(to: TemperingLevel): number {
    const { n, cur, logw, w, level } = this;
    let mx = -Infinity;
    if (this.nc === 0 || (to.tau === 0 && level.tau === 0 && !to.hard && !level.hard)) {
      // No constraint in play: the log target is −prior − β·like, written out as logTarget
      // computes it, so that the pass makes no call per particle (it runs a few times a stage,
      // the first times before the code is optimised).
      const { prior, like } = cur;
      const b1 = to.beta;
      const b0 = level.beta;
      for (let i = 0; i < n; i++) {
        let v1 = -prior[i];
        if (b1 > 0) v1 -= b1 * like[i];
        if (!(v1 > -Infinity)) v1 = -Infinity;
        let v0 = -prior[i];
        if (b0 > 0) v0 -= b0 * like[i];
        if (!(v0 > -Infinity)) v0 = -Infinity;
        let d = v1 - v0;
        if (Number.isNaN(d)) d = -Infinity;
        logw[i] = d;
        if (d > mx) mx = d;
      }
    } else
      for (let i = 0; i < n; i++) {
        logw[i] = this.logTarget(cur, i, to.beta, to.tau, to.hard) - this.logTarget(cur, i, level.beta, level.tau, level.hard);
        if (Number.isNaN(logw[i])) logw[i] = -Infinity;
        if (logw[i] > mx) mx = logw[i];
      }
    if (mx === -Infinity) return 0;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      w[i] = Math.exp(logw[i] - mx);
      s += w[i];
    }
    for (let i = 0; i < n; i++) {
      w[i] /= s;
      s2 += w[i] * w[i];
    }
    return 1 / s2;
  }

  /**
   * Where {@link ess} at likelihood power `β'` in (β, `to`) crosses `target`, for a bisection to
   * confirm: the β phase's reweighting `exp(−(β' − β)·like)` in closed form (one exponential per
   * particle and no log target), solved by Newton's method on log ESS over `log(β' − β)`, kept
   * inside its bracket. `at` is the crossing, `width` how far from it {@link ess}'s rounding may
   * blur the side, and `margin` the relative size of that rounding on the ESS. Undefined when the
   * reweighting is not the β phase's, or the solve does not settle: the bisection then decides alone.
   */
  betaCrossing(to: number, target: number): { at: number; width: number; margin: number } | undefined {
    const { n, cur, du, level } = this;
    if (level.tau > 0 || level.hard) return undefined;
    let m = 0;
    let least = Infinity;
    let big = 0;
    for (let i = 0; i < n; i++) {
      const prior = cur.prior[i];
      const like = cur.like[i];
      // The particles of zero weight at every β' > β: outside the prior, or of no finite likelihood.
      if (!(prior < Infinity) || Number.isNaN(like) || like === Infinity) continue;
      if (!(prior > -Infinity && like > -Infinity)) return undefined;
      du[m++] = like;
      if (like < least) least = like;
      big = Math.max(big, Math.abs(prior) + Math.abs(like));
    }
    if (m <= target) return undefined;
    let mean = 0;
    for (let j = 0; j < m; j++) {
      du[j] -= least;
      mean += du[j];
    }
    mean /= m;
    let variance = 0;
    for (let j = 0; j < m; j++) variance += (du[j] - mean) ** 2;
    variance /= m;
    if (!(variance > 0)) return undefined;
    const logTarget = Math.log(target);
    const span = to - level.beta;
    // log ESS − log target at step d, and its slope in d (the weights' mean likelihood, unweighted
    // and weighted by the weights once more).
    let slope = 0;
    const gap = (d: number): number => {
      let s1 = 0;
      let s2 = 0;
      let a1 = 0;
      let a2 = 0;
      for (let j = 0; j < m; j++) {
        const u = du[j];
        const w = Math.exp(-d * u);
        const ww = w * w;
        s1 += w;
        s2 += ww;
        a1 += u * w;
        a2 += u * ww;
      }
      slope = (2 * a2) / s2 - (2 * a1) / s1;
      return 2 * Math.log(s1) - Math.log(s2) - logTarget;
    };
    // Near β the ESS is about m / (1 + d²·variance): the start.
    let hi = Math.log(span);
    let lo = -Infinity;
    let y = Math.min(0.5 * Math.log((m / target - 1) / variance), hi - Math.LN2);
    let settled = false;
    for (let it = 0; it < 60; it++) {
      const d = Math.exp(y);
      const g = gap(d);
      if (!Number.isFinite(g)) return undefined;
      if (g >= 0) lo = y;
      else hi = y;
      let next = y - g / (d * slope);
      if (!(next > lo && next < hi)) next = Number.isFinite(lo) ? 0.5 * (lo + hi) : y - 2;
      const step = Math.abs(next - y);
      y = next;
      if (step <= 1e-14) {
        settled = true;
        break;
      }
    }
    // The slope is the last pass's, a step of at most 1e-14 in log d away.
    if (!settled || !(slope < 0)) return undefined;
    const d = Math.exp(y);
    // Bounds on the rounding of ess(): each log weight is a difference of log targets as large as
    // `big`, and the sums run over n terms.
    const margin = 8 * Number.EPSILON * (big + n);
    return { at: level.beta + d, width: (4 * margin) / -slope, margin };
  }

  /**
   * Moves to level `to` by systematic resampling with the weights of the last {@link ess} call,
   * which must have been `ess(to)`.
   */
  resample(to: TemperingLevel, rng: Random): void {
    this.level = to;
    systematicResample(this.w, this.n, rng, this.idx);
    copyParticles(this.cur, this.prop, this.idx, this.p, this.nc);
    [this.cur, this.prop] = [this.prop, this.cur];
  }

  /**
   * `moves` random-walk Metropolis sweeps at the current level, proposing with the particles'
   * covariance; returns the mean acceptance.
   */
  async move(moves: number, rng: Random): Promise<number> {
    const { n, p, nc, z } = this;
    const { beta, tau, hard } = this.level;
    const cur = this.cur;
    const prop = this.prop;
    const l = cholesky(covariance(cur.x, n, p), p);
    const normal = (): number => rng.normal();
    let acc = 0;
    for (let m = 0; m < moves; m++) {
      for (let i = 0; i < n; i++) {
        if (l) correlatedNormal(l, p, cur.x, this.scale, normal, z, prop.x, i * p, i * p);
        else for (let k = 0; k < p; k++) prop.x[i * p + k] = cur.x[i * p + k] + 1e-6 * rng.normal();
      }
      await this.score(prop);
      let a = 0;
      for (let i = 0; i < n; i++) {
        const r = this.logTarget(prop, i, beta, tau, hard) - this.logTarget(cur, i, beta, tau, hard);
        const u = rng.uniform();
        if (r >= 0 || Math.log(u) < r) {
          a++;
          for (let k = i * p; k < i * p + p; k++) cur.x[k] = prop.x[k];
          cur.prior[i] = prop.prior[i];
          cur.like[i] = prop.like[i];
          for (let j = 0; j < nc; j++) cur.g[i * nc + j] = prop.g[i * nc + j];
        }
      }
      acc += a / n;
      // Keep the acceptance near a quarter by adjusting the step (Roberts et al. 1997).
      this.scale *= Math.exp(a / n - 0.25);
    }
    return acc / moves;
  }

  /** Counts a stage done with mean acceptance `acceptance`: its history and the best particle. */
  recordStage(acceptance: number): void {
    const { n, p, cur } = this;
    this.stages++;
    for (let i = 0; i < n; i++) {
      const lp = -(cur.prior[i] + cur.like[i]);
      this.genLogp.push(lp);
      if (lp > this.bestLogp && (!this.level.hard || this.logTarget(cur, i, 1, 0, true) > -Infinity)) {
        this.bestLogp = lp;
        this.bestX.set(cur.x.subarray(i * p, i * p + p));
      }
    }
    this.genAcceptance.push(acceptance);
    this.genDraws.push(this.evaluations);
  }

  /** A copy of the best particle seen, or before the first stage the best of the prior draws. */
  bestPoint(): Float64Array {
    if (this.bestLogp > -Infinity) return this.bestX.slice();
    const { n, p, cur } = this;
    let best = 0;
    let lp = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = -(cur.prior[i] + cur.like[i]);
      if (v > lp) {
        lp = v;
        best = i;
      }
    }
    return cur.x.slice(best * p, best * p + p);
  }

  /** The current particles as draws (one chain per particle, one draw each) with the run's history. */
  toSamples(): McmcSamples {
    const { n, cur, stages } = this;
    const logp = new Float64Array(n);
    for (let i = 0; i < n; i++) logp[i] = -(cur.prior[i] + cur.like[i]);
    return new McmcSamples({
      sampler: "smc",
      labels: this.target.labels,
      nchains: n,
      nthin: 1,
      thin: 1,
      burn: stages,
      generations: stages,
      evaluations: this.evaluations,
      points: cur.x.slice(),
      logp,
      genDraws: Float64Array.from(this.genDraws),
      genAcceptance: Float64Array.from(this.genAcceptance),
      genLogp: Float64Array.from(this.genLogp),
      ncr: 0,
      crDraws: new Float64Array(0),
      crWeights: new Float64Array(0),
      outliers: [],
      particleEss: this.lastEss,
    });
  }

  /** Scores every particle of `s`: model nllf, prior and constraint values. */
  private async score(s: Particles): Promise<void> {
    const { n, p, nc, nllf, target, xi } = this;
    const { lower, upper, priorNllf, constraints } = target;
    await this.evaluator.evaluatePopulation(s.x, n, nllf);
    this.evaluations += n;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < p; k++) xi[k] = s.x[i * p + k];
      const pr = priorNllf ? priorNllf(xi) : inBox(xi, lower, upper) ? 0 : Infinity;
      s.prior[i] = pr;
      s.like[i] = Number.isFinite(pr) ? nllf[i] - pr : Infinity;
      for (let j = 0; j < nc; j++) s.g[i * nc + j] = constraints[j](xi);
    }
  }

  /** Log target of particle `i` of `s`: −prior − β·like + Σ log Φ(τ g), or the hard indicator. */
  private logTarget(s: Particles, i: number, b: number, t: number, h: boolean): number {
    const nc = this.nc;
    let v = -s.prior[i];
    if (b > 0) v -= b * s.like[i];
    if (!(v > -Infinity)) return -Infinity;
    for (let j = 0; j < nc; j++) {
      const gj = s.g[i * nc + j];
      if (h) {
        if (!(gj >= 0)) return -Infinity;
      } else if (t > 0) v += logNormalCdf(t * gj);
    }
    return v;
  }
}

function particles(n: number, p: number, nc: number): Particles {
  return {
    x: new Float64Array(n * p),
    prior: new Float64Array(n),
    like: new Float64Array(n),
    g: new Float64Array(n * nc),
  };
}

function inBox(x: Float64Array, lower: Float64Array, upper: Float64Array): boolean {
  for (let k = 0; k < x.length; k++) if (!(x[k] >= lower[k] && x[k] <= upper[k])) return false;
  return true;
}

/** Systematic resampling (Kitagawa 1996, JCGS 5): one uniform, N evenly spaced pointers. */
export function systematicResample(w: Float64Array, n: number, rng: Random, idx: Int32Array): void {
  const u0 = rng.uniform() / n;
  let c = w[0];
  let j = 0;
  for (let i = 0; i < n; i++) {
    const u = u0 + i / n;
    while (u > c && j < n - 1) c += w[++j];
    idx[i] = j;
  }
}

function copyParticles(src: Particles, dst: Particles, idx: Int32Array, p: number, nc: number): void {
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    dst.x.set(src.x.subarray(j * p, j * p + p), i * p);
    dst.prior[i] = src.prior[j];
    dst.like[i] = src.like[j];
    for (let k = 0; k < nc; k++) dst.g[i * nc + k] = src.g[j * nc + k];
  }
}
