// Coverage: over many synthetic data sets with known true parameters, DREAM's 68% and 95%
// intervals contain the truth at their nominal rates within binomial error. Seeded, so the
// outcome is fixed; the bounds are 3.5 binomial standard deviations wide.
import { expect, test } from "vitest";
import { Random } from "../../fit/random.js";
import { runDream } from "../../fit/samplers/dream.js";
import { lineProblem, syntheticLine } from "./mcmc-fixtures/linear.js";

test("68% and 95% intervals cover the truth at their nominal rates", async () => {
  const truth = [1.5, -0.7];
  const rng = new Random(2024);
  const datasets = 150;
  let in68 = 0;
  let in95 = 0;
  let trials = 0;
  for (let d = 0; d < datasets; d++) {
    const problem = lineProblem(syntheticLine(rng, 10, truth[0], truth[1]), 20);
    const run = await runDream(problem, { samples: 4000, burn: 150, init: "lhs" }, { rng: rng.fork(), report: () => true });
    run.samples.summary().stats.forEach((s, k) => {
      trials++;
      if (s.p68[0] <= truth[k] && truth[k] <= s.p68[1]) in68++;
      if (s.p95[0] <= truth[k] && truth[k] <= s.p95[1]) in95++;
    });
  }
  const check = (hits: number, p: number): void => {
    const sd = Math.sqrt((p * (1 - p)) / trials);
    expect(Math.abs(hits / trials - p)).toBeLessThan(3.5 * sd);
  };
  check(in68, 0.6827);
  check(in95, 0.95);
});
