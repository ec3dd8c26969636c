// lm's finite-difference Jacobian, and de's generations, evaluated on worker threads that load the model file: the fit
// is bit-identical to the serial one (values, covariance, evaluation count), in every
// finite-difference mode.
import { describe, expect, test } from "vitest";
import { fit, type FitResult } from "hpcfit";
import { makeProblem } from "./mcmc-fixtures/peak-model.js";
import { expectIdenticalFits, peakModelFile as modelFile } from "../support/identical-fits.js";
import { nistProblem } from "../../nist/index.js";
import { loadNist, nistIndex } from "../support/nist.js";
import { SerialEvaluator, type PopulationEvaluator } from "../../fit/samplers/evaluator.js";
import { levenbergMarquardt } from "../../fit/optimizers/lm/index.js";

/**
 * Fits NIST problem `name` from `start` with lm's residual vectors handed to an evaluator that runs
 * them in this thread as if on `concurrency` workers (undefined: a size it does not tell), and
 * counts the rounds the fit waits for: this thread's own evaluation while a call of the evaluator
 * is pending overlaps it (the workers run while this thread evaluates), so together they are one.
 * `jacobian` is lm's option of that name.
 */
async function fitInRounds(
  name: string,
  start: 1 | 2,
  concurrency: number | undefined,
  jacobian: "broyden" | "full",
): Promise<{ result: FitResult; rounds: number }> {
  const problem = nistProblem(loadNist(name), start);
  const inner = new SerialEvaluator(nistProblem(loadNist(name), start));
  let rounds = 0;
  let open = 0;
  const residuals = problem.residuals.bind(problem);
  problem.residuals = (x, out) => {
    if (open > 0) {
      rounds += open;
      open = 0;
    } else rounds++;
    return residuals(x, out);
  };
  const evaluator: PopulationEvaluator = {
    concurrency,
    evaluatePopulation: (points, count, out) => inner.evaluatePopulation(points, count, out),
    evaluateResiduals: async (points, count, out) => {
      open = Math.ceil(count / (concurrency ?? count));
      await inner.evaluateResiduals(points, count, out);
      // Awaited before this thread evaluated anything: a round of its own.
      rounds += open;
      open = 0;
    },
    close: () => Promise.resolve(),
  };
  const result = await fit(problem, { method: "lm", evaluator, jacobian });
  return { result, rounds };
}

describe("lm with parallel Jacobians", () => {
  for (const diff of ["auto", "forward", "central"] as const) {
    test(`diff: ${diff} on 2 workers gives the same bits as serial`, async () => {
      const serial = await fit(makeProblem(), { method: "lm", diff });
      const problem = makeProblem();
      let here = 0;
      const residuals = problem.residuals.bind(problem);
      problem.residuals = (x, out) => {
        here++;
        return residuals(x, out);
      };
      const parallel = await fit(problem, { method: "lm", diff, parallel: 2, modelFile });
      expect(serial.converged).toBe(true);
      expectIdenticalFits(parallel, serial);
      // The Jacobians' points were evaluated in the workers: this thread saw the steps' trial
      // points (and, unless lm's last Jacobian serves them, the error bars' careful Jacobian).
      expect(here).toBeLessThan(parallel.evaluations);
      if (diff !== "forward") expect(here).toBeLessThan(parallel.evaluations / 2);
    });
  }

  test("a parameter at its bound (one-sided differences) stays bit-identical", async () => {
    const start = (): ReturnType<typeof makeProblem> => {
      const p = makeProblem();
      // The background pinned at its lower bound by a narrow range: forward differences point inwards.
      const bg = p.parameters().find((q) => q.name === "bg")!;
      bg.range(0.6, 2);
      bg.value = 0.6;
      return p;
    };
    const serial = await fit(start(), { method: "lm" });
    const parallel = await fit(start(), { method: "lm", parallel: 2, modelFile });
    expectIdenticalFits(parallel, serial);
  });

  test("parallel without a model file is a clear error", async () => {
    await expect(fit(makeProblem(), { method: "lm", parallel: 2 })).rejects.toThrow(/pass modelFile/);
  });
});

describe("lm's speculative rounds", () => {
  test("each trial point's round on worker threads also evaluates the Jacobian there, and the fit stays serial", async () => {
    const serial = await fit(makeProblem(), { method: "lm" });
    const parallel = await fit(makeProblem(), { method: "lm", parallel: 2, modelFile });
    expectIdenticalFits(parallel, serial);
    expect(serial.speculative).toBeUndefined();
    // Rejected steps' Jacobians were evaluated and not used; they are not in the serial count.
    expect(parallel.speculative).toBeGreaterThanOrEqual(0);
  });

  for (const jacobian of ["full", "broyden"] as const) {
    test(`every NIST run from both starts gives the serial bits, in fewer rounds (jacobian: ${jacobian})`, async () => {
      let speculated = 0;
      let plain = 0;
      let secant = 0;
      for (const { name, nparams } of nistIndex()) {
        for (const start of [1, 2] as const) {
          const serial = await fit(nistProblem(loadNist(name), start), { method: "lm", jacobian });
          const full =
            jacobian === "full" ? serial : await fit(nistProblem(loadNist(name), start), { method: "lm", jacobian: "full" });
          if (serial.evaluations !== full.evaluations) secant++;
          const spec = await fitInRounds(name, start, 8, jacobian);
          const base = await fitInRounds(name, start, undefined, jacobian);
          expectIdenticalFits(spec.result, serial);
          expectIdenticalFits(base.result, serial);
          expect(spec.result.speculative, `${name} ${start}`).toBeGreaterThanOrEqual(0);
          // With p + 1 ≤ 9 places a round (8 workers and this thread), an accepted step costs one round, not two.
          if (nparams <= 8) expect(spec.rounds, `${name} ${start}`).toBeLessThan(base.rounds);
          speculated += spec.rounds;
          plain += base.rounds;
        }
      }
      // Secant iterations ask for no Jacobian, so the points evaluated ahead for one serve less often.
      expect(speculated).toBeLessThan((jacobian === "full" ? 0.65 : 0.85) * plain);
      // The secant updates took over on the long runs (more than 40 iterations) only.
      if (jacobian === "broyden") expect(secant).toBeGreaterThanOrEqual(8);
    });
  }

  test('jacobian: "auto" measures every Jacobian when the evaluator runs a whole one\'s points at once, else updates it', async () => {
    // MGH10 from start 2 (3 parameters) takes more than 40 iterations: secant updates would take over.
    const serialAuto = await fit(nistProblem(loadNist("MGH10"), 2), { method: "lm" });
    const serialBroyden = await fit(nistProblem(loadNist("MGH10"), 2), { method: "lm", jacobian: "broyden" });
    const serialFull = await fit(nistProblem(loadNist("MGH10"), 2), { method: "lm", jacobian: "full" });
    expectIdenticalFits(serialAuto, serialBroyden);
    expect(serialBroyden.evaluations).toBeLessThan(serialFull.evaluations);
    // Four places a round (3 workers and this thread) hold the 3 + 1 points of a step and its Jacobian.
    const wide = async (concurrency: number): Promise<FitResult> => {
      const inner = new SerialEvaluator(nistProblem(loadNist("MGH10"), 2));
      const evaluator: PopulationEvaluator = {
        concurrency,
        evaluatePopulation: (points, count, out) => inner.evaluatePopulation(points, count, out),
        evaluateResiduals: (points, count, out) => inner.evaluateResiduals(points, count, out),
        close: () => Promise.resolve(),
      };
      return fit(nistProblem(loadNist("MGH10"), 2), { method: "lm", evaluator });
    };
    expectIdenticalFits(await wide(4), serialFull);
    expectIdenticalFits(await wide(2), serialBroyden);
  });

  test("the start's round on several workers also evaluates the first Jacobian's points, and the fit stays serial", async () => {
    const serial = await fit(nistProblem(loadNist("Misra1a"), 1), { method: "lm" });
    const problem = nistProblem(loadNist("Misra1a"), 1);
    const start = problem.getValues();
    let here = 0;
    const residuals = problem.residuals.bind(problem);
    problem.residuals = (x, out) => {
      here++;
      return residuals(x, out);
    };
    const inner = new SerialEvaluator(nistProblem(loadNist("Misra1a"), 1));
    const calls: { here: number; points: number[][] }[] = [];
    const evaluator: PopulationEvaluator = {
      concurrency: 8,
      evaluatePopulation: (points, count, out) => inner.evaluatePopulation(points, count, out),
      evaluateResiduals: (points, count, out) => {
        calls.push({ here, points: Array.from({ length: count }, (_, i) => Array.from(points.subarray(i * 2, i * 2 + 2))) });
        return inner.evaluateResiduals(points, count, out);
      },
      close: () => Promise.resolve(),
    };
    const parallel = await fit(problem, { method: "lm", evaluator });
    expectIdenticalFits(parallel, serial);
    // The workers got the forward differences' points at the start before this thread had
    // evaluated anything: the start itself is evaluated here, in the same round.
    expect(calls[0].here).toBe(0);
    expect(calls[0].points).toHaveLength(2);
    for (let j = 0; j < 2; j++) {
      const point = calls[0].points[j];
      expect(point[1 - j]).toBe(start[1 - j]);
      expect(point[j]).not.toBe(start[j]);
    }
  });

  test("a start where the model is not finite is refused on several workers as serially", async () => {
    // A model that is not finite anywhere.
    const broken = (): ReturnType<typeof nistProblem> => {
      const p = nistProblem(loadNist("Misra1a"), 1);
      const residuals = p.residuals.bind(p);
      p.residuals = (x, out) => residuals(x, out).fill(NaN);
      p.nllf = () => NaN;
      return p;
    };
    const inner = new SerialEvaluator(broken());
    const evaluator: PopulationEvaluator = {
      concurrency: 8,
      evaluatePopulation: (points, count, out) => inner.evaluatePopulation(points, count, out),
      evaluateResiduals: (points, count, out) => inner.evaluateResiduals(points, count, out),
      close: () => Promise.resolve(),
    };
    const serial = await fit(broken(), { method: "lm" }).then(
      () => "no error",
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(serial).toMatch(/^fit: the nllf is NaN at the starting point/);
    await expect(fit(broken(), { method: "lm", evaluator })).rejects.toThrow(serial.split("\n")[0]);
  });

  test("on 8 workers the Chwirut and Roszman1 runs take the rounds pinned here", async () => {
    // One round holds the start and the first Jacobian's points; a trial point's round holds the
    // Jacobian's points there and the line search's longest extension; Roszman1's central pair
    // from start 2, asked for where the forward Jacobian's step would have ended the run, takes a
    // round of its own at that point; the run ends on a step taken unevaluated, without a round.
    const rounds: Record<string, number> = {};
    for (const name of ["Chwirut1", "Chwirut2", "Roszman1"])
      for (const start of [1, 2] as const) rounds[`${name}/${start}`] = (await fitInRounds(name, start, 8, "full")).rounds;
    expect(rounds).toEqual({
      "Chwirut1/1": 9,
      "Chwirut1/2": 6,
      "Chwirut2/1": 10,
      "Chwirut2/2": 6,
      "Roszman1/1": 5,
      "Roszman1/2": 5,
    });
  });

  test("secant iterations evaluate no Jacobian's points ahead at their trial points", async () => {
    // MGH10 from start 2 (3 parameters) takes 160 iterations, those after the 40th on secant updates.
    const serial = await levenbergMarquardt(nistProblem(loadNist("MGH10"), 2), { jacobian: "broyden" });
    const inner = new SerialEvaluator(nistProblem(loadNist("MGH10"), 2));
    const evaluator: PopulationEvaluator = {
      concurrency: 8,
      evaluatePopulation: (points, count, out) => inner.evaluatePopulation(points, count, out),
      evaluateResiduals: (points, count, out) => inner.evaluateResiduals(points, count, out),
      close: () => Promise.resolve(),
    };
    const spec = await levenbergMarquardt(nistProblem(loadNist("MGH10"), 2), { jacobian: "broyden", evaluator });
    expect(Array.from(spec.x)).toEqual(Array.from(serial.x));
    expect(spec.spent).toEqual(serial.spent);
    const n = 3;
    const measured = spec.spent.jacobians;
    const secant = spec.iterations - measured;
    expect(secant).toBeGreaterThan(100);
    // An iteration on a measured Jacobian leaves at most n + 1 points unused (the trial point and
    // Jacobian foreseen after a refusal that did not come); a secant one at most the n of the
    // Jacobian measured after a refusal; in the central phase, also the pair foreseen to correct
    // a measured Jacobian along one direction (two points, counted in spent.central). The Jacobian
    // at an accepted secant trial point is never asked for, and evaluating it would leave 2n + 1
    // unused per secant iteration.
    expect(spec.speculative).toBeLessThanOrEqual((n + 1) * measured + n * secant + spec.spent.central);
  });

  test("a model that throws where only the speculation went leaves the fit serial", async () => {
    const key = (x: ArrayLike<number>): string => Array.from(x, (v) => v.toString()).join(",");
    // Every point the serial fit evaluates; the evaluator below throws on any other.
    const seen = new Set<string>();
    const serialProblem = nistProblem(loadNist("Kirby2"), 1);
    const residuals = serialProblem.residuals.bind(serialProblem);
    serialProblem.residuals = (x, out) => {
      seen.add(key(x!));
      return residuals(x, out);
    };
    const serial = await fit(serialProblem, { method: "lm" });
    const inner = new SerialEvaluator(nistProblem(loadNist("Kirby2"), 1));
    let refused = 0;
    const evaluator: PopulationEvaluator = {
      concurrency: 8,
      evaluatePopulation: (points, count, out) => inner.evaluatePopulation(points, count, out),
      evaluateResiduals: (points, count, out) => {
        // Kirby2 has 5 parameters.
        for (let i = 0; i < count; i++) {
          if (!seen.has(key(points.subarray(i * 5, i * 5 + 5)))) {
            refused++;
            return Promise.reject(new Error("model: no value here"));
          }
        }
        return inner.evaluateResiduals(points, count, out);
      },
      close: () => Promise.resolve(),
    };
    const parallel = await fit(nistProblem(loadNist("Kirby2"), 1), { method: "lm", evaluator });
    expect(refused).toBeGreaterThan(0);
    expectIdenticalFits(parallel, serial);
  });
});

describe("de with parallel generations", () => {
  test("2 workers give the same bits as serial", async () => {
    const options = { method: "de", steps: 40, seed: 5 } as const;
    const serial = await fit(makeProblem(), options);
    const problem = makeProblem();
    let here = 0;
    const nllf = problem.nllf.bind(problem);
    problem.nllf = (x) => {
      here++;
      return nllf(x);
    };
    const parallel = await fit(problem, { ...options, parallel: 2, modelFile });
    expectIdenticalFits(parallel, serial);
    // The generations were evaluated in the workers.
    expect(here).toBeLessThan(parallel.evaluations / 10);
  });
});
