/**
 * Sequential Monte Carlo with likelihood tempering (Del Moral, Doucet & Jasra 2006, "Sequential
 * Monte Carlo samplers", JRSS B 68; adaptive schedule by ESS bisection as in Jasra et al. 2011,
 * "Inference for Lévy-driven stochastic volatility models via adaptive SMC", Scand. J. Stat. 38).
 * Particles start from the prior and move through `π_β ∝ prior · L^β`, β from 0 to 1: each step
 * picks the next β by bisection so that the effective sample size of the incremental weights is
 * half the particles, resamples systematically (Kitagawa 1996) and moves every particle by a few
 * random-walk Metropolis steps with the particles' covariance scaled by 2.38²/p.
 *
 * Constraint mode (Golchi & Loeppky 2015, "Monte Carlo based designs for constrained domains",
 * arXiv:1512.07328): inequality constraints `g_j(x) >= 0` are softened to `Φ(τ g_j(x))`, and the
 * sharpness τ is tempered upwards by the same ESS rule; a last step keeps only particles that
 * satisfy every constraint and moves them under the hard constraints, so the final draws lie in
 * the region.
 */
import { McmcSamples } from "../mcmc/samples.js";
import type { Random } from "../random.js";
import { covariance } from "../mcmc/stats.js";
import type { Problem } from "../types.js";
import { readOption } from "../options/check.js";
import type { MethodOptions } from "../options/types.js";
import { cholesky, correlatedNormal } from "./cholesky.js";
import { evaluatorFor, type PopulationEvaluator, type SamplerRunOptions } from "./evaluator.js";
import type { SamplerHooks } from "./dream.js";

/** An inequality constraint: satisfied where it returns a value >= 0. */
export type InequalityConstraint = (x: Float64Array) => number;

/** SMC's options (described in the fit options table). */
export type SmcOptions = MethodOptions<"smc"> & SamplerRunOptions;

/** Outcome of an SMC run. */
export interface SmcRun {
  /** Final particles as draws (one chain per particle, one draw each). */
  samples: McmcSamples;
  /** Particle with the highest log-posterior. */
  bestX: Float64Array;
  /** Its nllf. */
  bestNllf: number;
  /** True when stopped early. */
  stopped: boolean;
  /** Tempering stages run. */
  stages: number;
}

/** log Φ(z), accurate in the far lower tail (asymptotic series) where Φ underflows. */
export function logNormalCdf(z: number): number {
  if (z > -5) return Math.log(0.5 * erfc(-z / Math.SQRT2));
  const z2 = z * z;
  return -0.5 * z2 - Math.log(-z) - 0.5 * Math.log(2 * Math.PI) + Math.log(1 - 1 / z2 + 3 / (z2 * z2));
}

/** Complementary error function (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

interface Particles {
  x: Float64Array;
  prior: Float64Array;
  like: Float64Array;
  /** Constraint values, row-major N × nconstraints. */
  g: Float64Array;
}

/** Runs SMC on `problem`; the problem is left at the best particle. */
export async function runSmc(
  problem: Problem,
  options: SmcOptions,
  hooks: SamplerHooks,
): Promise<SmcRun> {
  const { rng, report } = hooks;
  const labels = problem.labels();
  const p = labels.length;
  if (p === 0) throw new Error("smc: the problem has no fitted parameters");
  const n = readOption("smc", options, "particles", p);
  const moves = readOption("smc", options, "moves");
  const maxStages = readOption("smc", options, "steps");
  const constraints = options.constraints === undefined ? [] : readOption("smc", options, "constraints");
  const sharpness = readOption("smc", options, "sharpness");
  const nc = constraints.length;
  const { lower, upper } = problem.bounds();
  const priorNllf = problem.priorNllf?.bind(problem);
  // SMC starts from the prior, so it must be proper: a Gaussian (`dev`) or a finite range.
  for (let k = 0; k < p; k++) {
    const finite = Number.isFinite(lower[k]) && Number.isFinite(upper[k]);
    if (!finite && !(priorNllf && problem.properPrior?.(k)))
      throw new Error(`smc: parameter ${labels[k]} needs finite bounds or a Gaussian prior (dev): SMC starts from the prior`);
  }

  const { evaluator, owned } = await evaluatorFor(problem, options);
  try {
    const cur: Particles = alloc(n, p, nc);
    const prop: Particles = alloc(n, p, nc);
    const nllfBuf = new Float64Array(n);
    let evaluations = 0;
    // Initial particles from the prior.
    for (let i = 0; i < n; i++) {
      if (priorNllf) cur.x.set(problem.randomPoint(rng), i * p);
      else for (let k = 0; k < p; k++) cur.x[i * p + k] = rng.between(lower[k], upper[k]);
    }
    const score = async (s: Particles, count: number): Promise<void> => {
      await evaluator.evaluatePopulation(s.x, count, nllfBuf);
      evaluations += count;
      for (let i = 0; i < count; i++) {
        const xi = s.x.subarray(i * p, i * p + p);
        const pr = priorNllf ? priorNllf(xi) : inBox(xi, lower, upper) ? 0 : Infinity;
        s.prior[i] = pr;
        s.like[i] = Number.isFinite(pr) ? nllfBuf[i] - pr : Infinity;
        for (let j = 0; j < nc; j++) s.g[i * nc + j] = constraints[j](xi);
      }
    };
    await score(cur, n);

    // Log target: -prior - β like + Σ log Φ(τ g); `hard` turns the constraints into an indicator.
    let beta = 0;
    let tau = 0;
    let hard = false;
    const logTarget = (s: Particles, i: number, b: number, t: number, h: boolean): number => {
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
    };

    const logw = new Float64Array(n);
    const w = new Float64Array(n);
    const ess = (b: number, t: number, h: boolean): number => {
      let mx = -Infinity;
      for (let i = 0; i < n; i++) {
        logw[i] = logTarget(cur, i, b, t, h) - logTarget(cur, i, beta, tau, hard);
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
    };

    let stages = 0;
    let lastEss = n;
    let acceptance = 0;
    let stopped = false;
    const genLogp: number[] = [];
    const genAcc: number[] = [];
    const genDraws: number[] = [];
    const idx = new Int32Array(n);
    const z = new Float64Array(p);
    let scale = 2.38 / Math.sqrt(p);
    const bestX = new Float64Array(p);
    let bestLogp = -Infinity;

    // Phases: likelihood β to 1, then constraint sharpness τ to its final value, then hard.
    const phases: Array<"beta" | "tau" | "hard"> = nc > 0 ? ["beta", "tau", "hard"] : ["beta"];
    outer: for (const phase of phases) {
      for (;;) {
        let nb = beta;
        let nt = tau;
        let nh: boolean = hard;
        if (phase === "beta") {
          if (beta >= 1) break;
          nb = nextByBisection(beta, 1, (b) => ess(b, tau, hard), n / 2);
        } else if (phase === "tau") {
          if (tau >= sharpness) break;
          // Bisection on log τ: the sharpness spans many decades.
          const from = Math.log(tau > 0 ? tau : 1e-4);
          nt = Math.exp(nextByBisection(from, Math.log(sharpness), (lt) => ess(beta, Math.exp(lt), false), n / 2));
          if (nt >= sharpness * (1 - 1e-9)) nt = sharpness; // exp(log(s)) may fall short of s
        } else {
          if (hard) break;
          nh = true;
        }
        lastEss = ess(nb, nt, nh);
        if (lastEss === 0)
          throw new Error(
            phase === "hard"
              ? "smc: no particle satisfies every constraint; the region may be empty or very small (raise particles or sharpness)"
              : "smc: every particle has zero weight (the model returned NaN or Infinity everywhere)",
          );
        beta = nb;
        tau = nt;
        hard = nh;
        systematicResample(w, n, rng, idx);
        copyParticles(cur, prop, idx, p, nc);
        [cur.x, prop.x] = [prop.x, cur.x];
        [cur.prior, prop.prior] = [prop.prior, cur.prior];
        [cur.like, prop.like] = [prop.like, cur.like];
        [cur.g, prop.g] = [prop.g, cur.g];
        // Random-walk Metropolis moves with the particles' covariance.
        const cov = covariance(cur.x, n, p);
        const l = cholesky(cov, p);
        let acc = 0;
        for (let m = 0; m < moves; m++) {
          for (let i = 0; i < n; i++) {
            if (l) correlatedNormal(l, p, cur.x.subarray(i * p, i * p + p), scale, () => rng.normal(), z, prop.x, i * p);
            else for (let k = 0; k < p; k++) prop.x[i * p + k] = cur.x[i * p + k] + 1e-6 * rng.normal();
          }
          await score(prop, n);
          let a = 0;
          for (let i = 0; i < n; i++) {
            const r = logTarget(prop, i, beta, tau, hard) - logTarget(cur, i, beta, tau, hard);
            const u = rng.uniform();
            if (r >= 0 || Math.log(u) < r) {
              a++;
              cur.x.set(prop.x.subarray(i * p, i * p + p), i * p);
              cur.prior[i] = prop.prior[i];
              cur.like[i] = prop.like[i];
              for (let j = 0; j < nc; j++) cur.g[i * nc + j] = prop.g[i * nc + j];
            }
          }
          acc += a / n;
          // Keep the acceptance near a quarter by adjusting the step (Roberts et al. 1997).
          scale *= Math.exp(a / n - 0.25);
        }
        acceptance = acc / moves;
        stages++;
        let genBest = -Infinity;
        const row: number[] = [];
        for (let i = 0; i < n; i++) {
          const lp = -(cur.prior[i] + cur.like[i]);
          row.push(lp);
          if (lp > genBest) genBest = lp;
          if (lp > bestLogp && (!hard || logTarget(cur, i, 1, 0, true) > -Infinity)) {
            bestLogp = lp;
            bestX.set(cur.x.subarray(i * p, i * p + p));
          }
        }
        genLogp.push(...row);
        genAcc.push(acceptance);
        genDraws.push(evaluations);
        if (hooks.breathe) await hooks.breathe();
        if (report(stages, bestX, -bestLogp) === false) {
          stopped = true;
          break outer;
        }
        if (stages >= maxStages) break outer;
      }
    }
    const logp = new Float64Array(n);
    for (let i = 0; i < n; i++) logp[i] = -(cur.prior[i] + cur.like[i]);
    problem.setValues(bestX);
    const samples = new McmcSamples({
      sampler: "smc",
      labels,
      nchains: n,
      nthin: 1,
      thin: 1,
      burn: stages,
      generations: stages,
      evaluations,
      points: cur.x.slice(),
      logp,
      genDraws: Float64Array.from(genDraws),
      genAcceptance: Float64Array.from(genAcc),
      genLogp: Float64Array.from(genLogp),
      ncr: 0,
      crDraws: new Float64Array(0),
      crWeights: new Float64Array(0),
      outliers: [],
      particleEss: lastEss,
    });
    return { samples, bestX, bestNllf: -bestLogp, stopped, stages };
  } finally {
    if (owned) await (evaluator as PopulationEvaluator).close();
  }
}

function alloc(n: number, p: number, nc: number): Particles {
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

/**
 * The largest `v` in (from, to] with `essAt(v) >= target` (`to` itself when it qualifies), by
 * bisection; ESS decreases as the step grows.
 */
function nextByBisection(from: number, to: number, essAt: (v: number) => number, target: number): number {
  if (essAt(to) >= target) return to;
  let lo = from;
  let hi = to;
  for (let it = 0; it < 60 && hi - lo > 1e-12 * Math.max(1, Math.abs(hi)); it++) {
    const mid = 0.5 * (lo + hi);
    if (essAt(mid) >= target) lo = mid;
    else hi = mid;
  }
  // Always advance, even if the ESS drops below target in a single tiny step.
  return lo > from ? lo : hi;
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
