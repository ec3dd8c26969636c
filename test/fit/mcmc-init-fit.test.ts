// Starting DREAM from the fit: `init: "fit"` fits first (lm here) and draws the initial population
// from the fit's covariance around its best point; `from: result` does the same with a given fit
// (and is then the default init); a fit of other parameters is refused.
import { describe, expect, test } from "vitest";
import { fit, isSampledResult, type FitResult } from "hpcfit";
import type { DreamCheckpoint } from "../../fit/samplers/dream-state.js";
import type { DreamGenerationView } from "../../fit/samplers/dream.js";
import { Random } from "../../fit/random.js";
import { leastSquares, lineProblem, syntheticLine } from "./mcmc-fixtures/linear.js";

const data = syntheticLine(new Random(31));
const exact = leastSquares(data);

/** The population DREAM started from (its state after the first generation, before any move is likely to matter). */
async function firstPopulation(
  options: Record<string, unknown>,
  start: [number, number],
): Promise<{ x: Float64Array; r: FitResult }> {
  const problem = lineProblem(data);
  problem.setValues(Float64Array.from(start));
  let first: DreamCheckpoint | undefined;
  const r = await fit(problem, {
    method: "dream",
    samples: 400,
    burn: 0,
    seed: 3,
    observe: (view: DreamGenerationView) => {
      if (view.generation === 1) first = view.snapshot();
    },
    ...options,
  } as never);
  if (first === undefined) throw new Error("no generation observed");
  return { x: first.x, r };
}

/** Mean and standard deviation of each of the two parameters over the population. */
function spread(x: Float64Array): { mean: number[]; sd: number[] } {
  const n = x.length / 2;
  const mean = [0, 0];
  const sd = [0, 0];
  for (let i = 0; i < n; i++) for (let k = 0; k < 2; k++) mean[k] += x[2 * i + k] / n;
  for (let i = 0; i < n; i++) for (let k = 0; k < 2; k++) sd[k] += (x[2 * i + k] - mean[k]) ** 2 / (n - 1);
  return { mean, sd: sd.map(Math.sqrt) };
}

describe("DREAM started from the fit", () => {
  test('init: "fit" fits first and draws the population from the fit covariance around its optimum', async () => {
    // Started 60 posterior widths away from the optimum.
    const { x, r } = await firstPopulation({ init: "fit" }, [20, 20]);
    const { mean, sd } = spread(x);
    for (let k = 0; k < 2; k++) {
      const width = Math.sqrt(exact.cov[3 * k]);
      expect(Math.abs(mean[k] - exact.mean[k])).toBeLessThan(width);
      expect(sd[k] / width).toBeGreaterThan(0.5);
      expect(sd[k] / width).toBeLessThan(1.6);
    }
    expect(r.message).toMatch(/started from an lm fit \(\d+ evaluations, not counted above\)/);
    // The same start with the default init (eps) stays in a tiny ball far away.
    const eps = spread((await firstPopulation({}, [20, 20])).x);
    expect(Math.abs(eps.mean[0] - exact.mean[0])).toBeGreaterThan(10);
    expect(eps.sd[0]).toBeLessThan(1e-3);
  });

  test("from: an lm result makes init fit the default, without fitting again", async () => {
    const problem = lineProblem(data);
    const lm = await fit(problem, { method: "lm" });
    // Shift lm's best point: the population must centre on the given result, not on a new fit.
    const shifted = Object.assign(Object.create(Object.getPrototypeOf(lm) as object) as FitResult, lm, {
      x: Float64Array.from([lm.x[0] + 3 * lm.dx[0], lm.x[1]]),
    });
    const { x, r } = await firstPopulation({ from: shifted }, [0, 0]);
    const { mean, sd } = spread(x);
    expect(Math.abs(mean[0] - shifted.x[0])).toBeLessThan(lm.dx[0]);
    expect(sd[0] / lm.dx[0]).toBeGreaterThan(0.5);
    expect(r.message).toMatch(/started from the given lm fit/);
    if (!isSampledResult(r)) throw new Error("expected draws");
    // An explicit init still wins over the default that from brings.
    const eps = spread((await firstPopulation({ from: shifted, init: "eps" }, [0, 0])).x);
    expect(eps.sd[0]).toBeLessThan(1e-3);
  });

  test("from: a fit of other parameters is refused, naming both", async () => {
    const lm = await fit(lineProblem(data), { method: "lm" });
    const other = Object.assign(Object.create(Object.getPrototypeOf(lm) as object) as FitResult, lm, { labels: ["a", "c"] });
    await expect(fit(lineProblem(data), { method: "dream", from: other })).rejects.toThrow(
      /option from is a fit of a, c, but the problem fits a, b/,
    );
    await expect(fit(lineProblem(data), { method: "dream", from: { x: 1 } as never })).rejects.toThrow(
      /option from must be a fit result/,
    );
  });
});
