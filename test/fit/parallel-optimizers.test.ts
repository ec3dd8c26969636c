// lm's finite-difference Jacobian, and de's generations, evaluated on worker threads that load the model file: the fit
// is bit-identical to the serial one (values, covariance, evaluation count), in every
// finite-difference mode.
import { describe, expect, test } from "vitest";
import { fit } from "hpcfit";
import { makeProblem } from "./mcmc-fixtures/peak-model.js";
import { expectIdenticalFits, peakModelFile as modelFile } from "../support/identical-fits.js";

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
