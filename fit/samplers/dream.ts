/**
 * DREAM: DiffeRential Evolution Adaptive Metropolis (Vrugt et al. 2009, "Accelerating Markov chain
 * Monte Carlo simulation by differential evolution with self-adaptive randomized subspace
 * sampling", IJNSNS 10(3)), in the form bumps uses: `pop × nparams` chains, DE proposals with a
 * random number of pairs and randomised subspaces whose crossover probabilities adapt during
 * burn-in (`dream-crossover.ts`), snooker updates (ter Braak & Vrugt 2008, "Differential Evolution
 * Markov Chain with snooker updater and fewer chains", Stat. Comput. 18; `dream-proposals.ts`),
 * outlier chains reset during burn-in (`dream-outliers.ts`), bounds by reflection and the
 * parameters' priors through `problem.nllf`. The run's state, and its checkpoints, are a
 * {@link DreamState} (`dream-state.ts`); this file is the generation loop.
 *
 * Every random number is drawn in the calling thread; only the evaluation of proposals goes
 * through the {@link PopulationEvaluator}, so serial and parallel runs are bit-identical.
 */
import type { McmcSamples } from "../mcmc/samples.js";
import type { McmcUntil } from "../../schema/mcmc.js";
import type { Random } from "../random.js";
import type { Problem } from "../types.js";
import { optionalOption, readOption } from "../options/check.js";
import { parseDuration } from "../options/duration.js";
import type { MethodOptions } from "../options/types.js";
import { reflectInto } from "./bounds.js";
import { OutlierRule, outlierInterval } from "./dream-outliers.js";
import { deProposal, proposalWorkspace, snookerProposal, type ProposalWorkspace } from "./dream-proposals.js";
import { DreamState, type DreamCheckpoint } from "./dream-state.js";
import { evaluatorFor, type SamplerRunOptions } from "./evaluator.js";
import { initialPopulation } from "./initial-population.js";
import { StopCheck, type SamplerHooks, type StopReason } from "./stopping.js";
import { extensionSize, standing, UNTIL_BUDGET_FLOOR, UNTIL_BUDGET_MULTIPLE, untilOutcome, untilProgress } from "./until.js";

export type { DreamCheckpoint } from "./dream-state.js";
export type { SamplerHooks, SamplerReport, StopReason } from "./stopping.js";

/**
 * DREAM's options (described in the fit options table), and `nonFinite`, where the DREAM method
 * collects the points a model was not finite at.
 */
export type DreamOptions = MethodOptions<"dream"> & SamplerRunOptions;

/** What {@link DreamOptions.observe} sees after each generation. */
export interface DreamGenerationView {
  /** Generations done so far (burn-in included). */
  generation: number;
  /** Generations the run will make in all. */
  total: number;
  /** Burn-in generations. */
  burn: number;
  /** Fraction of proposals accepted in this generation. */
  acceptance: number;
  /** Current log-posterior of each chain (a view: copy it to keep it). */
  logp: Float64Array;
  /** Log-posterior per chain of every generation so far, `generation × nchains` (a view). */
  history: Float64Array;
  /** Number of chains. */
  nchains: number;
  /** Highest log-posterior seen. */
  bestLogp: number;
  /** Evaluations so far. */
  evaluations: number;
  /** The whole state of the run now, for {@link DreamOptions.resume}. */
  snapshot(): DreamCheckpoint;
}

/** The outcome of a DREAM run. */
export interface DreamRun {
  /** Kept draws and the run's history. */
  samples: McmcSamples;
  /** Best point seen (highest log-posterior). */
  bestX: Float64Array;
  /** nllf at {@link bestX}. */
  bestNllf: number;
  /** Why the run stopped before its planned end (its draws so far are kept), or undefined. */
  stopped: StopReason | undefined;
}

/** Parses and checks DREAM's options, with clear errors naming the option. */
export function dreamSettings(options: DreamOptions, p: number) {
  const pop = readOption("dream", options, "pop");
  const n = Math.max(pop * p, 5);
  const thin = readOption("dream", options, "thin");
  const burn = readOption("dream", options, "burn");
  const steps = optionalOption("dream", options, "steps");
  let nthin: number;
  if (steps !== undefined) {
    nthin = Math.max(1, Math.floor(steps / thin));
  } else {
    nthin = Math.max(1, Math.ceil(readOption("dream", options, "samples") / n));
  }
  // A fit result to start from makes drawing from its covariance the default.
  const init = options.init === undefined && options.from !== undefined ? "fit" : readOption("dream", options, "init");
  const snooker = readOption("dream", options, "snooker");
  const ncr = readOption("dream", options, "ncr");
  const dePairs = readOption("dream", options, "dePairs");
  const maxTime = parseDuration(optionalOption("dream", options, "maxTime"));
  const until = optionalOption("dream", options, "until");
  return { n, thin, burn, nthin, init, snooker, ncr, dePairs, maxTime, until };
}

/** Runs DREAM on `problem`. The problem is left at the best point found. */
export async function runDream(problem: Problem, options: DreamOptions, hooks: SamplerHooks): Promise<DreamRun> {
  const { rng } = hooks;
  const labels = problem.labels();
  const p = labels.length;
  if (p === 0) throw new Error("dream: the problem has no fitted parameters");
  const { n, thin, burn, nthin, init, snooker, ncr, dePairs, maxTime, until } = dreamSettings(options, p);
  const shape = { labels, n, thin, burn, nthin, ncr };
  const bounds = problem.bounds();
  const { evaluator, owned } = await evaluatorFor(problem, options);
  try {
    const prop = new Float64Array(n * p);
    const nllf = new Float64Array(n);
    const moves: Moves = { logRatio: new Float64Array(n), crIndex: new Int32Array(n) };
    let state: DreamState;
    if (options.resume !== undefined) state = DreamState.resume(options.resume, shape, rng, until !== undefined);
    else {
      state = new DreamState(shape, rng);
      initialPopulation(problem, init, n, rng, state.x, options.fitCovariance);
      await evaluator.evaluatePopulation(state.x, n, nllf);
      for (let i = 0; i < n; i++) state.logp[i] = -nllf[i];
      state.evaluations = n;
      state.noteBest();
    }
    hooks.progress?.(() => ({ samples: state.toSamples(), bestX: state.bestX.slice() }));
    const ws = proposalWorkspace(p, n, dePairs);
    const outliers = new OutlierRule(n, outlierInterval(burn));
    const stop = new StopCheck(hooks, maxTime);
    let stopped: StopReason | undefined;
    let checks = 0;
    let overBudget = false;
    for (;;) {
      while (state.generation < state.total) {
        const g = state.generation;
        const inBurn = state.inBurn(g);
        state.spread(ws.spread);
        propose(state, ws, snooker, rng, bounds, prop, moves);
        await evaluator.evaluatePopulation(prop, n, nllf);
        state.evaluations += n;
        const accepted = metropolis(state, ws.spread, inBurn, rng, prop, nllf, moves);
        state.noteBest();
        if (inBurn) state.crossover.adapt(state.evaluations);
        state.recordGeneration(accepted);
        if (inBurn && outliers.due(g)) outliers.apply(state, g, rng);
        state.keepIfDue(g);
        if (options.observe) await options.observe(generationView(state, accepted));
        if (hooks.breathe) await hooks.breathe();
        stopped = stop.afterGeneration(g + 1, state.bestX, -state.bestLogp);
        if (stopped !== undefined) break;
      }
      if (stopped !== undefined || until === undefined) break;
      // The planned draws are done: judge them, and go on while a target is not met.
      checks++;
      const now = standing(state.toSamples(), until);
      hooks.status?.(untilProgress(now, until, checks));
      if (now.met) break;
      // Draws made before the chains mixed go to burn-in; the budget counts every draw made.
      const dropped = now.rhatFails ? Math.max(state.dropped, Math.floor(state.kept / 2)) : state.dropped;
      const more = extensionSize(now, until, state.kept - dropped, state.kept);
      if (state.shape.nthin + more > UNTIL_BUDGET_MULTIPLE * Math.max(nthin, UNTIL_BUDGET_FLOOR)) {
        overBudget = true;
        break;
      }
      state.dropped = dropped;
      state.extend(more);
    }
    let samples = state.toSamples();
    if (until !== undefined) {
      const end = standing(samples, until);
      const ended: McmcUntil["ended"] =
        stopped === "maxTime" ? "maxTime" : stopped !== undefined ? "stopped" : overBudget ? "budget" : "met";
      samples = samples.withUntil(untilOutcome(end, until, ended, Math.max(checks, 1)));
    }
    problem.setValues(state.bestX);
    return { samples, bestX: state.bestX, bestNllf: -state.bestLogp, stopped };
  } finally {
    if (owned) await evaluator.close();
  }
}

/** Per-chain outcome of a generation's proposals. */
interface Moves {
  /** Log of each proposal's acceptance correction (snooker's Jacobian; 0 for DE). */
  logRatio: Float64Array;
  /** Crossover value used by each proposal, or -1 for a snooker move. */
  crIndex: Int32Array;
}

/** Proposes a move for every chain into `prop`: snooker with probability `snooker`, else DE. */
function propose(
  state: DreamState,
  ws: ProposalWorkspace,
  snooker: number,
  rng: Random,
  bounds: { lower: Float64Array; upper: Float64Array },
  prop: Float64Array,
  moves: Moves,
): void {
  const { n, p, x, crossover } = state;
  const { logRatio, crIndex } = moves;
  const ncr = crossover.ncr;
  for (let i = 0; i < n; i++) {
    logRatio[i] = 0;
    crIndex[i] = -1;
    let done = false;
    if (rng.uniform() < snooker) {
      const r = snookerProposal(ws, x, i, rng, prop);
      if (!Number.isNaN(r)) {
        logRatio[i] = r;
        done = true;
      }
    }
    if (!done) {
      const m = crossover.choose(rng.uniform());
      crIndex[i] = m;
      deProposal(ws, x, i, (m + 1) / ncr, rng, prop);
    }
    reflectInto(prop, i * p, p, bounds.lower, bounds.upper);
  }
}

/**
 * Accepts or rejects each chain's proposal (Metropolis, with the snooker correction) given the
 * proposals' nllf, and during burn-in feeds the crossover adaptation with the jumps made.
 * Returns the number accepted.
 */
function metropolis(
  state: DreamState,
  spread: Float64Array,
  inBurn: boolean,
  rng: Random,
  prop: Float64Array,
  nllf: Float64Array,
  moves: Moves,
): number {
  const { n, p, x, logp, crossover } = state;
  const { logRatio, crIndex } = moves;
  let accepted = 0;
  for (let i = 0; i < n; i++) {
    const newLogp = -nllf[i];
    const a = newLogp - logp[i] + logRatio[i];
    // Draw the uniform always, so the stream does not depend on the outcome's path.
    const u = rng.uniform();
    const accept = !Number.isNaN(newLogp) && (a >= 0 || Math.log(u) < a);
    const m = crIndex[i];
    if (inBurn && m >= 0) {
      let d = 0;
      if (accept)
        for (let k = 0; k < p; k++) {
          const s = spread[k];
          if (s > 0) d += ((prop[i * p + k] - x[i * p + k]) / s) ** 2;
        }
      crossover.note(m, accept, d);
    }
    if (accept) {
      accepted++;
      logp[i] = newLogp;
      for (let k = 0; k < p; k++) x[i * p + k] = prop[i * p + k];
    }
  }
  return accepted;
}

/** What {@link DreamOptions.observe} sees of `state` after a generation. */
function generationView(state: DreamState, accepted: number): DreamGenerationView {
  const { n, generation } = state;
  return {
    generation,
    total: state.total,
    burn: state.shape.burn,
    acceptance: accepted / n,
    logp: state.logp,
    history: state.genLogp.subarray(0, generation * n),
    nchains: n,
    bestLogp: state.bestLogp,
    evaluations: state.evaluations,
    snapshot: () => state.snapshot(),
  };
}
