/**
 * Every fit option, described once: `fit()` checks options against this table before a method
 * runs, each method reads its options through it, the command line and `%%fit` make their flags
 * from it, and the Jobs panel's form shows it. `FitOptions` (the TypeScript type) is derived from
 * it too, so a misspelt option is caught by the editor as well as at run time.
 */
import type { Monitor } from "../types.js";
import type { DreamGenerationView } from "../samplers/dream.js";
import type { DreamCheckpoint } from "../samplers/dream-state.js";
import type { InequalityConstraint } from "../samplers/smc-state.js";
import type { PopulationEvaluator } from "../samplers/evaluator.js";
import type { FitResult } from "../result.js";
import { DURATION_FORMS, parseDuration } from "./duration.js";
import { isUntilTargets, parseUntil, UNTIL_FORMS, type UntilTargets } from "./until.js";
import { FIT_METHODS, valueOption, type OptionSpec } from "./spec.js";

const positiveInteger = { kind: "integer", min: 1 } as const;
const nonNegativeInteger = { kind: "integer", min: 0 } as const;
const nonNegativeNumber = { kind: "number", min: 0 } as const;
const positiveNumber = { kind: "number", min: 0, exclusiveMin: true } as const;
const fraction = { kind: "number", min: 0, max: 1 } as const;

function scaled<T>(text: string, of: (p: number) => T): { of: (p: number) => T; text: string } {
  return { of, text };
}

/** Why a sampler takes one start: what its starts would do, and what gives more draws instead. */
function samplerStarts(method: string, population: string, more: string): string {
  return (
    `${method} would keep one start's draws and throw the others' away; ${population}, and its points ` +
    `already take the threads or workers of parallel together; for more draws raise ${more}`
  );
}

/** The fit options, by name (the name is also the flag of the command line and `%%fit`). */
export const FIT_OPTIONS = {
  // Options of fit() itself, for every method.
  starts: {
    ...positiveInteger,
    methods: "all",
    help: "number of starts: the first from the current values, the rest random within bounds; the best is kept (dream and smc: 1)",
    defaults: { lm: 1, amoeba: 1, newton: 1, de: 1, dream: 1, smc: 1 },
    // A sampler's starts would each sample the posterior, and all but the best start's draws
    // would be thrown away: several starts are what a sampler's population already is.
    per: {
      dream: {
        kind: "integer",
        min: 1,
        max: 1,
        why: samplerStarts(
          "dream",
          "its population of chains is what several starts would be (init lhs or random spreads it over the priors)",
          "samples or pop",
        ),
      },
      smc: {
        kind: "integer",
        min: 1,
        max: 1,
        why: samplerStarts("smc", "its particles are drawn from the priors whatever the start", "particles"),
      },
    },
  },
  seed: {
    ...nonNegativeInteger,
    methods: "all",
    help: "seed for everything random",
    defaults: { lm: 0, amoeba: 0, newton: 0, de: 0, dream: 0, smc: 0 },
  },
  onFailure: {
    kind: "choice",
    values: ["restore", "best"],
    methods: "all",
    help: "where a fit that does not complete leaves the parameters: restore (their starting values) or best (the best point found)",
    defaults: { lm: "restore", amoeba: "restore", newton: "restore", de: "restore", dream: "restore", smc: "restore" },
  },
  monitor: valueOption<Monitor>()({
    methods: "all",
    help: "progress callback (step, x, nllf, { evaluations, status }); returning false stops the fit",
    expected: "a function",
    accepts: (v) => typeof v === "function",
  }),
  signal: valueOption<AbortSignal>()({
    methods: "all",
    help: "stops the fit when aborted",
    expected: "an AbortSignal",
    accepts: (v) => typeof v === "object" && v !== null && typeof (v as AbortSignal).aborted === "boolean",
  }),

  // Budgets and tolerances.
  steps: {
    ...positiveInteger,
    methods: FIT_METHODS,
    help: "maximum iterations (generations for de; generations after burn-in for dream, instead of samples; tempering stages for smc)",
    defaults: {
      lm: scaled("500·(p+1)", (p) => 500 * (p + 1)),
      amoeba: scaled("max(10000, 2000·p)", (p) => Math.max(10000, 2000 * p)),
      newton: scaled("max(1000, 100·p)", (p) => Math.max(1000, 100 * p)),
      de: scaled("min(20000, 1000·p)", (p) => Math.min(20000, 1000 * p)),
      smc: 500,
    },
  },
  ftol: {
    ...nonNegativeNumber,
    methods: ["lm", "amoeba", "newton", "de"],
    help: "relative tolerance on the objective",
    defaults: { lm: 1e-15, amoeba: 1e-8, newton: 1e-10, de: 1e-8 },
  },
  xtol: {
    ...nonNegativeNumber,
    methods: ["lm", "amoeba", "newton", "de"],
    help: "tolerance on the parameters",
    defaults: { lm: 1e-15, amoeba: 1e-8, newton: 1e-8, de: 1e-6 },
  },

  // lm
  gtol: {
    ...nonNegativeNumber,
    methods: ["lm"],
    help: "stop when the cosine between the residuals and every column of the Jacobian is below gtol",
    defaults: { lm: 0 },
  },
  factor: {
    ...positiveNumber,
    methods: ["lm"],
    help: "initial trust region as a multiple of the scaled size of the start",
    defaults: { lm: 1 },
  },
  diff: {
    kind: "choice",
    values: ["auto", "central", "forward"],
    methods: ["lm"],
    help: "finite differences without an analytic Jacobian: auto (forward; central near convergence only where the forward error could move the optimum), central or forward",
    defaults: { lm: "auto" },
  },
  jacobian: {
    kind: "choice",
    values: ["auto", "broyden", "full"],
    methods: ["lm"],
    help:
      "finite-difference Jacobians: broyden (rank-1 secant updates between full ones, fewer model evaluations), full (one per accepted step) " +
      "or auto (full when a parallel evaluator runs a whole Jacobian's points at once or with accel, else broyden); a parallel fit is bit-identical to the serial one with the same explicit choice",
    defaults: { lm: "auto" },
  },
  accel: { kind: "boolean", methods: ["lm"], help: "geodesic acceleration (Transtrum & Sethna 2012)", defaults: { lm: false } },
  extend: { kind: "boolean", methods: ["lm"], help: "line search on accepted steps (default: on, off with accel)" },

  // amoeba, newton
  radius: {
    ...positiveNumber,
    methods: ["amoeba"],
    help: "initial simplex size, in fractions of the parameter ranges",
    defaults: { amoeba: 0.05 },
  },
  restarts: {
    ...nonNegativeInteger,
    methods: ["amoeba"],
    help: "maximum restarts after the first convergence",
    defaults: { amoeba: 50 },
  },
  maxStep: {
    ...positiveNumber,
    methods: ["newton"],
    help: "largest first step, as a fraction of the parameter ranges",
    defaults: { newton: 0.1 },
  },

  // Population methods.
  pop: {
    ...positiveNumber,
    methods: ["de", "dream"],
    help: "population size per fitted parameter (a whole number for dream)",
    defaults: { de: 10, dream: 10 },
    per: { dream: positiveInteger },
  },
  CR: { ...fraction, methods: ["de"], help: "crossover probability", defaults: { de: 0.9 } },
  strategy: {
    kind: "choice",
    values: ["current-to-best/1/bin", "rand/1/bin"],
    methods: ["de"],
    help: "mutation strategy",
    defaults: { de: "current-to-best/1/bin" },
  },

  // dream
  samples: {
    ...positiveInteger,
    methods: ["dream"],
    help: "draws to keep, over all chains (ignored when steps is given)",
    defaults: { dream: 10000 },
  },
  burn: { ...nonNegativeInteger, methods: ["dream"], help: "burn-in generations", defaults: { dream: 100 } },
  thin: { ...positiveInteger, methods: ["dream"], help: "generations per kept draw", defaults: { dream: 1 } },
  init: {
    kind: "choice",
    values: ["eps", "lhs", "cov", "random", "fit"],
    methods: ["dream"],
    help:
      "initial population: eps (a ball around the start), lhs (Latin hypercube), cov (the least-squares covariance), " +
      "random (the priors), fit (fit first with lm, or amoeba without residuals, and draw from the fit's covariance; the default with from)",
    defaults: { dream: "eps" },
  },
  from: valueOption<FitResult>()({
    methods: ["dream"],
    help: "start from this fit's result: its best point and covariance (init fit without fitting again)",
    expected: "a fit result of the same parameters (the value fit() returned)",
    accepts: (v) =>
      typeof v === "object" &&
      v !== null &&
      Array.isArray((v as FitResult).labels) &&
      (v as FitResult).x instanceof Float64Array &&
      (v as FitResult).cov instanceof Float64Array,
  }),
  snooker: { ...fraction, methods: ["dream"], help: "probability of a snooker update instead of DE", defaults: { dream: 0.1 } },
  ncr: { ...positiveInteger, methods: ["dream"], help: "number of crossover values to adapt between", defaults: { dream: 3 } },
  dePairs: { ...positiveInteger, methods: ["dream"], help: "maximum number of DE pairs in a proposal", defaults: { dream: 3 } },
  observe: valueOption<(view: DreamGenerationView) => void | Promise<void>>()({
    methods: ["dream"],
    help: "called after every generation with a view of the run (its snapshot() makes a checkpoint)",
    expected: "a function",
    accepts: (v) => typeof v === "function",
  }),
  resume: valueOption<DreamCheckpoint>()({
    methods: ["dream"],
    help: "continue a run from a checkpoint taken with snapshot()",
    expected: "a DREAM state taken with snapshot()",
    accepts: (v) => typeof v === "object" && v !== null,
  }),

  // smc
  particles: {
    ...positiveInteger,
    methods: ["smc"],
    help: "number of particles",
    defaults: { smc: scaled("100·p, between 200 and 2000", (p) => Math.min(2000, Math.max(200, 100 * p))) },
  },
  moves: { ...positiveInteger, methods: ["smc"], help: "Metropolis moves per particle at each stage", defaults: { smc: 5 } },
  sharpness: { ...positiveNumber, methods: ["smc"], help: "final sharpness of the softened constraints", defaults: { smc: 1e6 } },
  constraints: valueOption<InequalityConstraint[]>()({
    methods: ["smc"],
    help: "inequality constraints g(x) >= 0, softened and tempered",
    expected: "an array of functions x => g(x), satisfied where g(x) >= 0",
    accepts: (v) => Array.isArray(v) && v.every((c) => typeof c === "function"),
  }),

  // Population samplers.
  maxTime: valueOption<number | string>()({
    methods: ["dream", "smc"],
    flag: "max-time",
    help: "time budget: sampling stops after the first generation (or stage) that ends past it, keeping the draws so far",
    expected: DURATION_FORMS,
    accepts: (v) => parseDuration(v) !== undefined,
    // A flag's text is read as seconds here; text that is no duration stays text, so the check names it.
    parse: (text) => parseDuration(text) ?? text,
  }),

  until: valueOption<UntilTargets>()({
    methods: ["dream", "smc"],
    help:
      "sample until every parameter has R-hat <= rhat and bulk and tail ESS >= ess, or maxTime ends (at most 50 times the planned draws, counting at least 100 per chain) " +
      "(smc: ess only, by more particles)",
    expected: UNTIL_FORMS,
    accepts: isUntilTargets,
    parse: parseUntil,
  }),

  // Where population samplers evaluate.
  parallel: valueOption<number | "auto" | false>()({
    methods: ["lm", "amoeba", "newton", "de", "dream", "smc"],
    help:
      "evaluate populations (lm: the finite-difference Jacobian's points; amoeba: a new simplex's and a shrink's vertices; de: a generation's trial points) on n worker threads, " +
      "or auto (lm, amoeba, de: threads when one model evaluation takes 1 ms or more); with starts > 1, lm, amoeba, newton and de run their starts on the threads instead (threads to spare evaluate each start's points); " +
      "in hpcfit fit inside a Slurm job of several nodes, lm, amoeba, de, dream and smc evaluate on n srun'd workers over its nodes",
    expected: 'a positive integer or "auto"',
    accepts: (v) => v === "auto" || v === false || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0),
    parse: (text) => (text === "auto" ? "auto" : /^\s*\d+\s*$/.test(text) && Number(text) >= 1 ? Number(text) : text),
  }),
  modelFile: valueOption<string>()({
    methods: ["lm", "amoeba", "newton", "de", "dream", "smc"],
    help: "the model file worker threads load (parallel)",
    expected: "a path or URL string",
    accepts: (v) => typeof v === "string",
  }),
  evaluator: valueOption<PopulationEvaluator>()({
    methods: ["lm", "amoeba", "de", "dream", "smc"],
    help: "evaluates populations elsewhere (other processes or nodes; lm: the Jacobian's points, through evaluateResiduals)",
    expected: "an object with an evaluatePopulation(points, count, out) method",
    accepts: (v) => typeof v === "object" && v !== null && typeof (v as PopulationEvaluator).evaluatePopulation === "function",
  }),
} as const satisfies Record<string, OptionSpec>;

/** Name of a fit option. */
export type FitOptionName = keyof typeof FIT_OPTIONS;
