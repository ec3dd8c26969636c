/**
 * `de`: differential evolution, a global search within the bounds.
 *
 * R. Storn and K. Price, "Differential Evolution – A Simple and Efficient Heuristic for Global
 * Optimization over Continuous Spaces", J. Global Optim. 11 (1997) 341–359. Two strategies:
 * DE/rand/1/bin (the paper's) and DE/current-to-best/1/bin (K. Price, R. Storn, J. Lampinen,
 * Differential Evolution, Springer 2005, §2.6), the default because it converges far faster on
 * smooth least-squares problems. The scale factor is dithered per trial vector, F ~ U[0.5, 1)
 * (Das, Konar & Chakraborty, GECCO 2005), which avoids stagnation without tuning. A trial
 * component outside the box is put halfway between its parent and the violated bound (Price et
 * al. 2005, §4.3), so the population never leaves the box and still approaches the bounds.
 *
 * Generations are synchronous (all trial vectors are built from the old population, then
 * selection), as in the 1997 paper: the evaluations of a generation are independent, which is
 * what a parallel evaluator needs, and the result depends only on the seed.
 *
 * A member or trial where the model is NaN or ±Infinity counts as +Infinity and loses every
 * selection against a finite one. When no point but the start was ever finite, the search
 * throws a {@link NonFiniteError} at the end of its budget.
 */
import type { Random } from "../random.js";
import { nothingFinite, rejectedNote } from "../non-finite.js";
import type { Problem } from "../types.js";
import { readOption } from "../options/check.js";
import type { MethodOptions } from "../options/types.js";
import { beginSearch, type OptimizerOutcome, type SearchHooks } from "./search-space.js";
import { searchMethod } from "./search-method.js";
import { UserError } from "../../util/user-error.js";

/** DE mutation strategies. */
export type DEStrategy = "rand/1/bin" | "current-to-best/1/bin";

/** Options of {@link de}: steps, ftol, xtol, pop, CR, strategy (described in the fit options table). */
export type DEOptions = MethodOptions<"de">;

/** A parameter without finite bounds, which differential evolution cannot search. */
export class UnboundedParameterError extends UserError {
  /** The parameter's name. */
  readonly parameter: string;
  /**
   * @param parameter its name
   * @param lower its lower bound
   * @param upper its upper bound
   */
  constructor(parameter: string, lower: number, upper: number) {
    super(
      `differential evolution (de) needs finite bounds on every fitted parameter, but ` +
        `"${parameter}" has bounds [${lower}, ${upper}]; give it a range (e.g. ${parameter}.range(lo, hi)) or use another method`,
    );
    this.name = "UnboundedParameterError";
    this.parameter = parameter;
  }
}

/**
 * Checks that every fitted parameter of `problem` has finite bounds.
 * @throws UnboundedParameterError naming the first parameter that does not
 */
export function requireFiniteBounds(problem: Problem): void {
  const { lower, upper } = problem.bounds();
  const labels = problem.labels();
  for (let i = 0; i < lower.length; i++) {
    if (!Number.isFinite(lower[i]) || !Number.isFinite(upper[i]) || !(upper[i] > lower[i])) {
      throw new UnboundedParameterError(labels[i] ?? `parameter ${i}`, lower[i], upper[i]);
    }
  }
}

/**
 * Minimises `problem.nllf` by differential evolution within the problem's (finite) bounds. The
 * first member of the population is `start`; the others are a Latin hypercube sample of the box.
 * @param problem the problem
 * @param start a point the population includes (problem space; clipped into the bounds)
 * @param rng the seeded random stream
 * @param options steps, tolerances, population, crossover, strategy
 * @param hooks progress report (returning false stops the search) and event-loop breathing
 * @throws UnboundedParameterError when a parameter lacks finite bounds
 */
export async function de(
  problem: Problem,
  start: ArrayLike<number>,
  rng: Random,
  options: DEOptions & Record<string, unknown> = {},
  hooks: SearchHooks = {},
): Promise<OptimizerOutcome> {
  requireFiniteBounds(problem);
  const { report, breathe, space, n, steps, ftol, xtol } = beginSearch("de", problem, start, options, hooks);
  const popFactor = readOption("de", options, "pop");
  const CR = readOption("de", options, "CR");
  const strategy: DEStrategy = readOption("de", options, "strategy");
  const toBest = strategy === "current-to-best/1/bin";
  const np = Math.max(5, Math.ceil(popFactor * n));

  const pop = new Float64Array(np * n);
  const trials = new Float64Array(np * n);
  const fPop = new Float64Array(np);
  const fTrial = new Float64Array(np);
  const shown = new Float64Array(n);

  // Latin hypercube: each parameter's range cut in np strata, one member per stratum.
  const strata = new Int32Array(np);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < np; k++) strata[k] = k;
    rng.shuffle(strata);
    const lo = space.lower[j];
    const width = space.upper[j] - lo;
    for (let k = 0; k < np; k++) pop[k * n + j] = lo + (width * (strata[k] + rng.uniform())) / np;
  }
  const first = space.clip(space.toUnit(start));
  pop.set(first, 0);
  await space.values(pop, np, fPop, hooks.evaluator, hooks.evaluatedElsewhere);

  let bestIndex = 0;
  for (let k = 1; k < np; k++) if (fPop[k] < fPop[bestIndex]) bestIndex = k;

  let step = 0;
  let converged = false;
  let message: string;
  for (;;) {
    // Convergence: the whole population agrees in objective and position.
    let fWorst = -Infinity;
    for (let k = 0; k < np; k++) if (fPop[k] > fWorst) fWorst = fPop[k];
    const fBest = fPop[bestIndex];
    let width = 0;
    for (let j = 0; j < n; j++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = 0; k < np; k++) {
        const v = pop[k * n + j];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      width = Math.max(width, hi - lo);
    }
    if (step > 0 && !report(step, space.toProblem(pop.subarray(bestIndex * n, bestIndex * n + n), shown), fBest)) {
      message = `stopped by the monitor after ${step} generations`;
      break;
    }
    if (Number.isFinite(fBest) && fWorst - fBest <= ftol * Math.abs(fBest) && width <= xtol) {
      converged = true;
      message = `converged: population within ftol=${ftol} in objective and xtol=${xtol} in position`;
      break;
    }
    if (step >= steps) {
      message = `generation limit (${steps}) reached before convergence`;
      break;
    }
    step++;
    if (breathe) await breathe();

    for (let k = 0; k < np; k++) {
      let r1: number, r2: number, r3: number;
      do r1 = rng.int(np);
      while (r1 === k);
      do r2 = rng.int(np);
      while (r2 === k || r2 === r1);
      do r3 = rng.int(np);
      while (r3 === k || r3 === r1 || r3 === r2);
      const F = 0.5 + 0.5 * rng.uniform();
      const jRand = rng.int(n); // at least one component from the mutant (binomial crossover)
      for (let j = 0; j < n; j++) {
        const parent = pop[k * n + j];
        if (j !== jRand && rng.uniform() >= CR) {
          trials[k * n + j] = parent;
          continue;
        }
        let v = toBest
          ? parent + F * (pop[bestIndex * n + j] - parent) + F * (pop[r1 * n + j] - pop[r2 * n + j])
          : pop[r3 * n + j] + F * (pop[r1 * n + j] - pop[r2 * n + j]);
        if (v < space.lower[j]) v = (parent + space.lower[j]) / 2;
        else if (v > space.upper[j]) v = (parent + space.upper[j]) / 2;
        trials[k * n + j] = v;
      }
    }
    await space.values(trials, np, fTrial, hooks.evaluator, hooks.evaluatedElsewhere);
    for (let k = 0; k < np; k++) {
      if (fTrial[k] <= fPop[k]) {
        fPop[k] = fTrial[k];
        for (let j = 0; j < n; j++) pop[k * n + j] = trials[k * n + j];
        if (fPop[k] < fPop[bestIndex]) bestIndex = k;
      }
    }
  }
  if (!space.foundFiniteBeyondStart() && space.nonFinite.count > 0 && !message.startsWith("stopped")) {
    throw nothingFinite("de", problem, space.nonFinite, `of ${step} generations but the start`);
  }
  const best = pop.subarray(bestIndex * n, bestIndex * n + n);
  if (!converged && !message.startsWith("stopped")) message += rejectedNote(problem, space.nonFinite);
  else if (converged) message += space.edgeNote(best);
  return {
    x: space.toProblem(best),
    nllf: fPop[bestIndex],
    evaluations: space.evaluations,
    steps: step,
    converged,
    message,
  };
}

/**
 * The `de` fit method: `fit(problem, { method: "de" })`, `hpcfit fit --fit=de`. A generation's
 * trial points are independent: with `parallel` they go to worker threads together.
 */
export const deMethod = searchMethod(
  "de",
  "differential evolution: global search within finite bounds",
  true,
  (problem, start, rng, options, hooks) => de(problem, start, rng, options, hooks),
);
