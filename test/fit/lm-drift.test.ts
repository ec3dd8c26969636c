// lm gives up a start that drifts along a flat valley (a parameter running off by factors while the
// sum of squares hardly falls) instead of crawling to its step limit; converging runs never trip it.
import { describe, expect, test } from "vitest";
import { fit } from "hpcfit";
import { nistProblem } from "../../nist/index.js";
import { loadNist } from "../support/nist.js";

describe("lm's drift stop", () => {
  test("Misra1a from b1 = −228.5, b2 = −0.11 (exp(0.11·x) ≈ 1e37 on the data) is given up early, saying why", async () => {
    const problem = nistProblem(loadNist("Misra1a"), 1);
    problem.setValues([-228.5, -0.11]);
    const result = await fit(problem, { method: "lm" });
    expect(result.converged).toBe(false);
    expect(result.message).toMatch(/^gave up: no progress: b1 changed by more than a factor of 2 over the last 20 steps/);
    // Crawling on, the run reached the step limit after 7,975 evaluations.
    expect(result.evaluations).toBeLessThan(300);
  });

  test("a hopeless start in a multi-start fit no longer sets its cost", async () => {
    const problem = nistProblem(loadNist("Misra1a"), 1);
    problem.setValues([-228.5, -0.11]);
    const result = await fit(problem, { method: "lm", starts: 3, seed: 1 });
    expect(result.converged).toBe(true);
    expect(result.evaluations).toBeLessThan(1000);
  });
});
