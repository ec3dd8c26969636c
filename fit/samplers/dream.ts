/**
 * DREAM: DiffeRential Evolution Adaptive Metropolis (Vrugt et al. 2009, "Accelerating Markov chain
 * Monte Carlo simulation by differential evolution with self-adaptive randomized subspace
 * sampling", IJNSNS 10(3)), in the form bumps uses: `pop × nparams` chains, DE proposals with a
 * random number of pairs and randomised subspaces whose crossover probabilities adapt during
 * burn-in, snooker updates (ter Braak & Vrugt 2008), outlier chains reset during burn-in (IQR test),
 * bounds by reflection and the parameters' priors through `problem.nllf`.
 *
 * Every random number is drawn in the calling thread; only the evaluation of proposals goes
 * through the {@link PopulationEvaluator}, so serial and parallel runs are bit-identical.
 */
import { McmcSamples, type OutlierReplacement } from "../mcmc/samples.js";
import { iqrOutliers } from "../mcmc/outliers.js";
import type { Random, RandomState } from "../random.js";
import type { Problem } from "../types.js";
import { optionalOption, readOption } from "../options/check.js";
import type { MethodOptions } from "../options/types.js";
import { reflectInto } from "./bounds.js";
import { deProposal, proposalWorkspace, snookerProposal } from "./dream-proposals.js";
import { evaluatorFor, type SamplerRunOptions } from "./evaluator.js";
import { initialPopulation } from "./initial-population.js";

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
  snapshot(): DreamState;
}

/**
 * Everything DREAM needs to continue a run exactly as if it had never stopped: the population,
 * the crossover adaptation, the draws kept so far, the history and the generator's state.
 */
export interface DreamState {
  version: 1;
  labels: string[];
  nchains: number;
  /** Generations done. */
  generation: number;
  /** Kept draws so far (in units of a whole population). */
  kept: number;
  evaluations: number;
  settings: { thin: number; burn: number; nthin: number; ncr: number };
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

/** The outcome of a DREAM run. */
export interface DreamRun {
  /** Kept draws and the run's history. */
  samples: McmcSamples;
  /** Best point seen (highest log-posterior). */
  bestX: Float64Array;
  /** nllf at {@link bestX}. */
  bestNllf: number;
  /** True when stopped early by the monitor or the abort signal. */
  stopped: boolean;
}

/** Reports progress; returns false to stop. */
export type SamplerReport = (step: number, x: Float64Array, nllf: number) => boolean;

/** What a sampler needs from its caller (`fit()` gives it through the method context). */
export interface SamplerHooks {
  /** The seeded generator: every random number of the run comes from it. */
  rng: Random;
  /** Progress per generation; false stops the run (the draws so far are kept). */
  report: SamplerReport;
  /** Lets the event loop run now and then (displays, aborts); optional. */
  breathe?: () => Promise<void>;
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
  const init = readOption("dream", options, "init");
  const snooker = readOption("dream", options, "snooker");
  const ncr = readOption("dream", options, "ncr");
  const dePairs = readOption("dream", options, "dePairs");
  return { n, thin, burn, nthin, init, snooker, ncr, dePairs };
}

/** Checks that a checkpoint belongs to this problem and these options. */
function checkResumable(
  state: DreamState,
  labels: string[],
  n: number,
  settings: { thin: number; burn: number; nthin: number; ncr: number },
): void {
  if (state === null || typeof state !== "object" || state.version !== 1)
    throw new RangeError("dream: option resume must be a DREAM state (version 1) taken with snapshot()");
  if (state.labels.join("\0") !== labels.join("\0"))
    throw new RangeError(`dream: the checkpoint fits ${state.labels.join(", ")} but the problem fits ${labels.join(", ")}`);
  if (state.nchains !== n) throw new RangeError(`dream: the checkpoint has ${state.nchains} chains, these options give ${n} (same pop as the first run)`);
  for (const k of ["thin", "burn", "nthin", "ncr"] as const)
    if (state.settings[k] !== settings[k])
      throw new RangeError(`dream: the checkpoint was taken with ${k}=${state.settings[k]}, these options give ${settings[k]}; resume with the first run's options`);
}

/** Runs DREAM on `problem`. The problem is left at the best point found. */
export async function runDream(
  problem: Problem,
  options: DreamOptions,
  hooks: SamplerHooks,
): Promise<DreamRun> {
  const { rng, report } = hooks;
  const labels = problem.labels();
  const p = labels.length;
  if (p === 0) throw new Error("dream: the problem has no fitted parameters");
  const { n, thin, burn, nthin, init, snooker, ncr, dePairs } = dreamSettings(options, p);
  const ngen = burn + nthin * thin;
  const { lower, upper } = problem.bounds();
  const { evaluator, owned } = await evaluatorFor(problem, options);
  try {
    const x = new Float64Array(n * p);
    const prop = new Float64Array(n * p);
    const logp = new Float64Array(n);
    const nllfBuf = new Float64Array(n);
    const logRatio = new Float64Array(n);
    const crIndex = new Int32Array(n);
    const resume = options.resume;
    if (resume !== undefined) checkResumable(resume, labels, n, { thin, burn, nthin, ncr });
    let evaluations = n;
    if (resume === undefined) {
      initialPopulation(problem, init, n, rng, x);
      await evaluator.evaluatePopulation(x, n, nllfBuf);
      for (let i = 0; i < n; i++) logp[i] = -nllfBuf[i];
    }

    const ws = proposalWorkspace(p, n, dePairs);
    // Crossover adaptation (Vrugt 2009 §3.1): pCR_m proportional to the mean normalised squared
    // jump distance achieved with CR = (m+1)/ncr.
    const pCR = new Float64Array(ncr).fill(1 / ncr);
    const crJump = new Float64Array(ncr);
    const crCount = new Float64Array(ncr);

    const points = new Float64Array(nthin * n * p);
    const keptLogp = new Float64Array(nthin * n);
    const genDraws = new Float64Array(ngen);
    const genAcceptance = new Float64Array(ngen);
    const genLogp = new Float64Array(ngen * n);
    const crDrawsList: number[] = [];
    const crWeightsList: number[] = [];
    const outliers: OutlierReplacement[] = [];
    const chainMean = new Float64Array(n);
    const bestX = new Float64Array(p);
    let bestLogp = -Infinity;
    const noteBest = (): void => {
      for (let i = 0; i < n; i++)
        if (logp[i] > bestLogp) {
          bestLogp = logp[i];
          bestX.set(x.subarray(i * p, i * p + p));
        }
    };
    noteBest();
    const outlierEvery = Math.max(10, Math.floor(burn / 10));
    let stopped = false;
    let gen = 0;
    let kept = 0;
    if (resume !== undefined) {
      x.set(resume.x);
      logp.set(resume.logp);
      pCR.set(resume.pCR);
      crJump.set(resume.crJump);
      crCount.set(resume.crCount);
      points.set(resume.points);
      keptLogp.set(resume.keptLogp);
      genDraws.set(resume.genDraws);
      genAcceptance.set(resume.genAcceptance);
      genLogp.set(resume.genLogp);
      crDrawsList.push(...resume.crDraws);
      crWeightsList.push(...resume.crWeights);
      outliers.push(...resume.outliers);
      bestX.set(resume.bestX);
      bestLogp = resume.bestLogp;
      gen = resume.generation;
      kept = resume.kept;
      evaluations = resume.evaluations;
      rng.setState(resume.rng);
    }
    const snapshot = (): DreamState => ({
      version: 1,
      labels: [...labels],
      nchains: n,
      generation: gen,
      kept,
      evaluations,
      settings: { thin, burn, nthin, ncr },
      x: x.slice(),
      logp: logp.slice(),
      pCR: pCR.slice(),
      crJump: crJump.slice(),
      crCount: crCount.slice(),
      points: points.slice(0, kept * n * p),
      keptLogp: keptLogp.slice(0, kept * n),
      genDraws: genDraws.slice(0, gen),
      genAcceptance: genAcceptance.slice(0, gen),
      genLogp: genLogp.slice(0, gen * n),
      crDraws: [...crDrawsList],
      crWeights: [...crWeightsList],
      outliers: outliers.map((o) => ({ ...o })),
      bestX: bestX.slice(),
      bestLogp,
      rng: rng.getState(),
    });

    for (; gen < ngen; gen++) {
      // Population spread per dimension (scales the tiny additive noise of DE proposals).
      for (let k = 0; k < p; k++) {
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = 0; i < n; i++) {
          const v = x[i * p + k];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        ws.spread[k] = hi - lo;
      }
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
          // Choose the crossover value by its adapted probability.
          let u = rng.uniform();
          let m = 0;
          while (m < ncr - 1 && u >= pCR[m]) u -= pCR[m++];
          crIndex[i] = m;
          deProposal(ws, x, i, (m + 1) / ncr, rng, prop);
        }
        reflectInto(prop, i * p, p, lower, upper);
      }
      await evaluator.evaluatePopulation(prop, n, nllfBuf);
      evaluations += n;
      let accepted = 0;
      const inBurn = gen < burn;
      for (let i = 0; i < n; i++) {
        const newLogp = -nllfBuf[i];
        const a = newLogp - logp[i] + logRatio[i];
        // Draw the uniform always, so the stream does not depend on the outcome's path.
        const u = rng.uniform();
        const accept = !Number.isNaN(newLogp) && (a >= 0 || Math.log(u) < a);
        const m = crIndex[i];
        if (inBurn && m >= 0) {
          if (accept) {
            let d = 0;
            for (let k = 0; k < p; k++) {
              const s = ws.spread[k];
              if (s > 0) d += ((prop[i * p + k] - x[i * p + k]) / s) ** 2;
            }
            crJump[m] += d;
          }
          crCount[m] += 1;
        }
        if (accept) {
          accepted++;
          logp[i] = newLogp;
          for (let k = 0; k < p; k++) x[i * p + k] = prop[i * p + k];
        }
      }
      noteBest();
      if (inBurn) {
        let total = 0;
        for (let m = 0; m < ncr; m++) total += crCount[m] > 0 ? crJump[m] / crCount[m] : 0;
        if (total > 0) for (let m = 0; m < ncr; m++) pCR[m] = (crCount[m] > 0 ? crJump[m] / crCount[m] : 0) / total;
        // Keep every crossover value possible so adaptation cannot lock itself out.
        let norm = 0;
        for (let m = 0; m < ncr; m++) {
          pCR[m] = Math.max(pCR[m], 0.01);
          norm += pCR[m];
        }
        for (let m = 0; m < ncr; m++) pCR[m] /= norm;
        crDrawsList.push(evaluations);
        for (let m = 0; m < ncr; m++) crWeightsList.push(pCR[m]);
      }
      genDraws[gen] = evaluations;
      genAcceptance[gen] = accepted / n;
      genLogp.set(logp, gen * n);
      // Reset outlier chains during burn-in, testing mean logp over the latter half so far.
      if (inBurn && gen > 0 && (gen + 1) % outlierEvery === 0) {
        const from = Math.floor((gen + 1) / 2);
        chainMean.fill(0);
        for (let g = from; g <= gen; g++) for (let i = 0; i < n; i++) chainMean[i] += genLogp[g * n + i];
        for (let i = 0; i < n; i++) chainMean[i] /= gen + 1 - from;
        const bad = iqrOutliers(chainMean);
        if (bad.length > 0 && bad.length < n) {
          const isBad = new Uint8Array(n);
          for (const b of bad) isBad[b] = 1;
          for (const b of bad) {
            let r: number;
            do r = rng.int(n);
            while (isBad[r]);
            x.copyWithin(b * p, r * p, r * p + p);
            logp[b] = logp[r];
            outliers.push({ generation: gen, removed: b, replacement: r });
          }
        }
      }
      if (!inBurn && (gen - burn + 1) % thin === 0 && kept < nthin) {
        points.set(x, kept * n * p);
        keptLogp.set(logp, kept * n);
        kept++;
      }
      if (options.observe) {
        // `gen` counts finished generations inside snapshot(), as it will after this iteration.
        const done = gen + 1;
        gen = done;
        try {
          await options.observe({
            generation: done,
            total: ngen,
            burn,
            acceptance: accepted / n,
            logp,
            history: genLogp.subarray(0, done * n),
            nchains: n,
            bestLogp,
            evaluations,
            snapshot,
          });
        } finally {
          gen = done - 1;
        }
      }
      if (hooks.breathe) await hooks.breathe();
      if (report(gen + 1, bestX, -bestLogp) === false) {
        stopped = true;
        gen++;
        break;
      }
    }
    if (kept === 0) {
      // Stopped during burn-in: keep the current population so the user still sees where it is.
      points.set(x, 0);
      keptLogp.set(logp, 0);
      kept = 1;
    }
    problem.setValues(bestX);
    const samples = new McmcSamples({
      sampler: "dream",
      labels,
      nchains: n,
      nthin: kept,
      thin,
      burn: Math.min(burn, gen),
      generations: gen,
      evaluations,
      points: points.slice(0, kept * n * p),
      logp: keptLogp.slice(0, kept * n),
      genDraws: genDraws.slice(0, gen),
      genAcceptance: genAcceptance.slice(0, gen),
      genLogp: genLogp.slice(0, gen * n),
      ncr,
      crDraws: Float64Array.from(crDrawsList),
      crWeights: Float64Array.from(crWeightsList),
      outliers,
    });
    return { samples, bestX, bestNllf: -bestLogp, stopped };
  } finally {
    if (owned) await evaluator.close();
  }
}
