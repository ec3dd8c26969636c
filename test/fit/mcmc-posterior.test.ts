// DREAM and SMC on a linear model with wide uniform priors: the posterior is Gaussian with mean
// = least-squares solution and covariance (J^T J)^-1, so both samplers must reproduce them within
// Monte Carlo error (judged from each run's own effective sample size). Seeded: not flaky.
import { describe, expect, test } from "vitest";
import { Random } from "../../fit/random.js";
import { runDream } from "../../fit/samplers/dream.js";
import { runSmc } from "../../fit/samplers/smc.js";
import type { McmcSamples } from "../../fit/mcmc/samples.js";
import { covariance } from "../../fit/mcmc/stats.js";
import { leastSquares, lineProblem, syntheticLine } from "./mcmc-fixtures/linear.js";

const data = syntheticLine(new Random(42));
const exact = leastSquares(data);
const hooks = (seed: number) => ({ rng: new Random(seed), report: () => true });

function checkGaussian(s: McmcSamples, essOf: (k: number) => number): void {
  const cov = covariance(s.points, s.size, 2);
  for (let k = 0; k < 2; k++) {
    const sd = Math.sqrt(exact.cov[k * 3]);
    const ess = essOf(k);
    expect(ess).toBeGreaterThan(200);
    const mean = s.summary().stats[k].mean;
    // Mean within 4 Monte Carlo standard errors; std within 4 relative standard errors (+2%).
    expect(Math.abs(mean - exact.mean[k])).toBeLessThan((4 * sd) / Math.sqrt(ess));
    const ratio = Math.sqrt(cov[k * 3]) / sd;
    expect(Math.abs(ratio - 1)).toBeLessThan(4 / Math.sqrt(2 * ess) + 0.02);
  }
  const rho = cov[1] / Math.sqrt(cov[0] * cov[3]);
  const rhoExact = exact.cov[1] / Math.sqrt(exact.cov[0] * exact.cov[3]);
  expect(Math.abs(rho - rhoExact)).toBeLessThan(0.06);
}

describe("posterior of a linear model", () => {
  test("DREAM reproduces the least-squares mean and (J^T J)^-1", async () => {
    const problem = lineProblem(data);
    const run = await runDream(problem, { samples: 40000, burn: 300 }, hooks(7));
    const s = run.samples;
    expect(s.nchains).toBe(20);
    expect(s.nthin).toBe(2000);
    const d = s.summary().diagnostics;
    for (const r of d.rhat) expect(r).toBeLessThan(1.05);
    expect(d.acceptanceRate).toBeGreaterThan(0.1);
    checkGaussian(s, (k) => d.ess[k] as number);
    expect(s.summary().warnings).toEqual([]);
    // The problem is left at the best draw, which is near the least-squares optimum.
    expect(problem.getValues()[0]).toBeCloseTo(run.bestX[0], 15);
    expect(Math.abs(run.bestX[0] - exact.mean[0])).toBeLessThan(0.5 * Math.sqrt(exact.cov[0]));
  });

  test("SMC reproduces the least-squares mean and (J^T J)^-1", async () => {
    const run = await runSmc(lineProblem(data), { particles: 3000 }, hooks(8));
    const s = run.samples;
    expect(s.nchains).toBe(3000);
    expect(run.stages).toBeGreaterThan(3); // the prior is 100 units wide: tempering takes several stages
    // Resampled particles are correlated; count half of them as independent.
    checkGaussian(s, () => s.nchains / 2);
  });

  test("DREAM init methods all converge to the same posterior", async () => {
    for (const init of ["eps", "lhs", "cov", "random"] as const) {
      const run = await runDream(lineProblem(data), { samples: 20000, burn: 300, init }, hooks(11));
      const d = run.samples.summary().diagnostics;
      checkGaussian(run.samples, (k) => d.ess[k] as number);
    }
  });
});
