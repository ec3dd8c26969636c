/**
 * Sequential Monte Carlo with likelihood tempering (Del Moral, Doucet & Jasra 2006, "Sequential
 * Monte Carlo samplers", JRSS B 68; adaptive schedule by ESS bisection as in Jasra et al. 2011,
 * "Inference for Lévy-driven stochastic volatility models via adaptive SMC", Scand. J. Stat. 38).
 * Particles start from the prior and move through `π_β ∝ prior · L^β`, β from 0 to 1: each step
 * picks the next β by bisection so that the effective sample size of the incremental weights is
 * half the particles (a Newton solve of the same equation in closed form tells the bisection which
 * side most points lie on, so that it evaluates the ESS a few times instead of some forty), resamples systematically (Kitagawa 1996) and moves every particle by a few
 * random-walk Metropolis steps with the particles' covariance scaled by 2.38²/p.
 *
 * Constraint mode (Golchi & Loeppky 2015, "Monte Carlo based designs for constrained domains",
 * arXiv:1512.07328): inequality constraints `g_j(x) >= 0` are softened to `Φ(τ g_j(x))`, and the
 * sharpness τ is tempered upwards by the same ESS rule; a last step keeps only particles that
 * satisfy every constraint and moves them under the hard constraints, so the final draws lie in
 * the region.
 *
 * The particles and the tempering level live in an {@link SmcState} (`smc-state.ts`); this file
 * is the loop over stages and the choice of each next level.
 */
import type { Problem } from "../types.js";
import { optionalOption, readOption } from "../options/check.js";
import { parseDuration } from "../options/duration.js";
import type { MethodOptions } from "../options/types.js";
import { evaluatorFor, type SamplerRunOptions } from "./evaluator.js";
import { SmcState, type TemperingLevel } from "./smc-state.js";
import { StopCheck, type SamplerHooks, type StopReason } from "./stopping.js";
import type { McmcSamples } from "../mcmc/samples.js";
import { nothingFinite } from "../non-finite.js";

export { logNormalCdf } from "./normal-cdf.js";
export { systematicResample, SmcState, type InequalityConstraint, type TemperingLevel } from "./smc-state.js";

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
  /** Why the run stopped before reaching the posterior (its particles so far are kept), or undefined. */
  stopped: StopReason | undefined;
  /** Tempering stages run. */
  stages: number;
}

/** Runs SMC on `problem`; the problem is left at the best particle. */
export async function runSmc(problem: Problem, options: SmcOptions, hooks: SamplerHooks): Promise<SmcRun> {
  const { rng } = hooks;
  const labels = problem.labels();
  const p = labels.length;
  if (p === 0) throw new Error("smc: the problem has no fitted parameters");
  const n = readOption("smc", options, "particles", p);
  const moves = readOption("smc", options, "moves");
  const maxStages = readOption("smc", options, "steps");
  const maxTime = parseDuration(optionalOption("smc", options, "maxTime"));
  const constraints = options.constraints === undefined ? [] : readOption("smc", options, "constraints");
  const sharpness = readOption("smc", options, "sharpness");
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
    const target = { labels, lower, upper, priorNllf, randomPoint: (r: typeof rng) => problem.randomPoint(r), constraints };
    const state = new SmcState(n, target, evaluator);
    await state.start(rng);
    hooks.progress?.(() => ({ samples: state.toSamples(), bestX: state.bestPoint() }));
    const stop = new StopCheck(hooks, maxTime);
    let stopped: StopReason | undefined;
    // Phases: likelihood β to 1, then constraint sharpness τ to its final value, then hard.
    const phases: Phase[] = constraints.length > 0 ? ["beta", "tau", "hard"] : ["beta"];
    stages: for (const phase of phases) {
      for (let next = nextLevel(state, phase, sharpness); next !== undefined; next = nextLevel(state, phase, sharpness)) {
        state.lastEss = state.ess(next);
        if (state.lastEss === 0) {
          if (phase === "hard")
            throw new Error(
              "smc: no particle satisfies every constraint; the region may be empty or very small (raise particles or sharpness)",
            );
          // Zero weight everywhere: where the evaluator noted non-finite values, say which model and where.
          if (options.nonFinite !== undefined && options.nonFinite.count > 0)
            throw nothingFinite("smc", problem, options.nonFinite, "the particles drawn");
          throw new Error("smc: every particle has zero weight (the model returned NaN or Infinity everywhere)");
        }
        state.resample(next, rng);
        state.recordStage(await state.move(moves, rng));
        if (hooks.breathe) await hooks.breathe();
        stopped = stop.afterGeneration(state.stages, state.bestX, -state.bestLogp);
        if (stopped !== undefined || state.stages >= maxStages) break stages;
      }
    }
    const samples: McmcSamples = state.toSamples();
    problem.setValues(state.bestX);
    return { samples, bestX: state.bestX, bestNllf: -state.bestLogp, stopped, stages: state.stages };
  } finally {
    if (owned) await evaluator.close();
  }
}

/** What a tempering phase raises: the likelihood's power, the constraints' sharpness, or hardness. */
type Phase = "beta" | "tau" | "hard";

/**
 * The next level of `phase` from the state's current one, chosen so that the reweighted
 * particles keep an effective sample size of half their number; undefined when the phase is done.
 */
function nextLevel(state: SmcState, phase: Phase, sharpness: number): TemperingLevel | undefined {
  const { beta, tau, hard } = state.level;
  const half = state.n / 2;
  if (phase === "beta") {
    if (beta >= 1) return undefined;
    const essAt = (b: number): number => state.ess({ beta: b, tau, hard });
    return { beta: nextByBisection(beta, 1, essAt, half, () => state.betaCrossing(1, half)), tau, hard };
  }
  if (phase === "tau") {
    if (tau >= sharpness) return undefined;
    // Bisection on log τ: the sharpness spans many decades.
    const from = Math.log(tau > 0 ? tau : 1e-4);
    let nt = Math.exp(
      nextByBisection(from, Math.log(sharpness), (lt) => state.ess({ beta, tau: Math.exp(lt), hard: false }), half),
    );
    if (nt >= sharpness * (1 - 1e-9)) nt = sharpness; // exp(log(s)) may fall short of s
    return { beta, tau: nt, hard };
  }
  return hard ? undefined : { beta, tau, hard: true };
}

/** Where the ESS is expected to cross its target (see {@link SmcState.betaCrossing}). */
interface Crossing {
  /** The estimated crossing. */
  at: number;
  /** How far from it the ESS's rounding may blur which side of the target a point is on. */
  width: number;
  /** The ESS's rounding, relative to its value. */
  margin: number;
}

/**
 * The largest `v` in (from, to] with `essAt(v) >= target` (`to` itself when it qualifies), by
 * bisection; ESS decreases as the step grows. With `crossing`, an estimate of where the ESS
 * crosses its target, the bisection asks `essAt` only about the points near it: once `essAt`
 * is confirmed clearly above the target just before the estimate and clearly below just after,
 * the side of every farther point follows from the ESS's monotony. The answer is the one the
 * bisection gives alone, bit for bit, with a few ESS passes instead of some forty.
 */
function nextByBisection(
  from: number,
  to: number,
  essAt: (v: number) => number,
  target: number,
  crossing?: () => Crossing | undefined,
): number {
  if (essAt(to) >= target) return to;
  const near = crossing === undefined ? undefined : confirmed(crossing(), from, to, essAt, target);
  const above = (v: number): boolean => {
    if (near !== undefined) {
      if (v <= near.below) return true;
      if (v >= near.above) return false;
    }
    return essAt(v) >= target;
  };
  let lo = from;
  let hi = to;
  for (let it = 0; it < 60 && hi - lo > 1e-12 * Math.max(1, Math.abs(hi)); it++) {
    const mid = 0.5 * (lo + hi);
    if (above(mid)) lo = mid;
    else hi = mid;
  }
  // Always advance, even if the ESS drops below target in a single tiny step.
  return lo > from ? lo : hi;
}

/**
 * The interval around an estimated crossing outside which the ESS's side of its target is
 * known: `essAt` at its ends is above and below the target by more than its rounding. Undefined
 * when there is no estimate or `essAt` does not confirm it.
 */
function confirmed(
  crossing: Crossing | undefined,
  from: number,
  to: number,
  essAt: (v: number) => number,
  target: number,
): { below: number; above: number } | undefined {
  if (crossing === undefined) return undefined;
  const below = crossing.at - crossing.width;
  const above = crossing.at + crossing.width;
  if (!(below > from && above < to)) return undefined;
  if (!(essAt(below) >= target * (1 + crossing.margin))) return undefined;
  if (!(essAt(above) <= target * (1 - crossing.margin))) return undefined;
  return { below, above };
}
