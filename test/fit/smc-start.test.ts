// SMC draws its particles from the prior and never uses the problem's current values: fit()
// evaluates no model there before SMC runs (a spread fit's first population leaves at once), so
// values where the model fails are no error. The other methods still check their start.
import { describe, expect, test } from "vitest";
import { Curve, FitProblem, fit, isSampledResult } from "hpcfit";

const X = [0, 1, 2, 3, 4, 5, 6, 7];
const Y = X.map((x) => 1.5 * x + 0.1 * Math.sin(3 * x));

/** y = a·x, NaN for a > 4, starting at a = 4.5; the values of a the model saw, in order. */
function problem(): { P: FitProblem; seen: number[] } {
  const seen: number[] = [];
  const M = new Curve(
    (x: number[], a = 4.5) => {
      seen.push(a);
      return x.map((v) => (a > 4 ? NaN : a * v));
    },
    X,
    Y,
    0.1,
  );
  M.a.range(0, 5);
  return { P: new FitProblem(M), seen };
}

describe("SMC's start", () => {
  test("a start where the model fails is no error for SMC, and fit() evaluates nothing there first", async () => {
    const { P, seen } = problem();
    const r = await fit(P, { method: "smc", particles: 200, seed: 4 });
    if (!isSampledResult(r)) throw new Error("expected a sampler result");
    // The model's first call is the first particle's, a draw from the prior, not the start.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).not.toBe(4.5);
    expect(seen.slice(0, r.samples.nchains).filter((a) => a === 4.5)).toEqual([]);
    expect(r.x[0]).toBeGreaterThan(1.4);
    expect(r.x[0]).toBeLessThan(1.6);
    expect(Math.max(...r.samples.points)).toBeLessThanOrEqual(4);
  });

  test("DREAM still refuses such a start, saying where", async () => {
    await expect(fit(problem().P, { method: "dream", samples: 400, seed: 4 })).rejects.toThrow(
      /nllf is Infinity at the starting point: model 0 gives NaN/,
    );
  });
});
