// SMC with a Gaussian prior on an unbounded parameter: the posterior of a linear model with that
// prior is Gaussian, with the mean and covariance that least squares gives when the prior is one
// more residual row ((p − mean)/σ), which is how FitProblem adds it. Seeded: not flaky.
import { describe, expect, test } from "vitest";
import { Curve, FitProblem, fit, isSampledResult } from "hpcfit";

const x = [1, 2, 3, 4, 5, 6];
const y = [2.1, 4.0, 6.3, 8.03, 9.6, 11.9];
const dy = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5];

function problem(): FitProblem {
  const M = new Curve((x: number, m = 1, b = 0) => m * x + b, x, y, dy);
  M.m.dev(0.1, 1.8); // informative Gaussian prior, no bounds
  M.b.range(-20, 20);
  return new FitProblem(M);
}

describe("SMC with Gaussian priors", () => {
  test("samples the posterior of an unbounded parameter with a dev() prior", async () => {
    const map = await fit(problem(), { method: "lm" });
    const run = await fit(problem(), { method: "smc", particles: 4000, seed: 3 });
    expect(isSampledResult(run)).toBe(true);
    if (!isSampledResult(run)) return;
    const stats = run.samples.summary().stats;
    for (let k = 0; k < 2; k++) {
      const sd = Math.sqrt(map.cov[k * 2 + k]);
      // Resampled particles are correlated: count a quarter of them as independent.
      expect(Math.abs(stats[k].mean - map.x[k])).toBeLessThan((4 * sd) / Math.sqrt(1000));
      expect(Math.abs(stats[k].std / sd - 1)).toBeLessThan(0.1);
    }
    // The prior pulls m towards 1.8 from the data's 1.97.
    expect(stats[0].mean).toBeLessThan(1.95);
  });

  test("an improper prior is refused with the parameter named", async () => {
    const M = new Curve((x: number, m = 1, b = 0) => m * x + b, x, y, dy);
    M.m.fit();
    M.b.range(-20, 20);
    await expect(fit(new FitProblem(M), { method: "smc", particles: 200 })).rejects.toThrow(
      /parameter m needs finite bounds or a Gaussian prior/,
    );
  });
});
