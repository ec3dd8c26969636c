// Models that give NaN or ±Infinity somewhere: every method rejects such points, ends within its
// budget, and names the parameter values and the model when it can find nothing finite.
import { describe, expect, test } from "vitest";
import { Curve, Fitness, FitError, FitProblem, NonFiniteError, fit, isSampledResult, type FitOptions } from "hpcfit";

const X = Array.from({ length: 20 }, (_, i) => i / 4);
const Y = X.map((t) => 3 * Math.exp(-0.2 * t) + 0.01 * Math.sin(7 * t));
const DY = 0.05;

/** Decay data best fitted near b = 0.2, with a model that is NaN for b < 0.5, started at b = 2. */
function wallProblem(): FitProblem {
  const M = new Curve((t: number, a = 3, b = 2) => (b < 0.5 ? NaN : a * Math.exp(-b * t)), X, Y, DY);
  M.name = "decay";
  M.a.range(0, 10);
  M.b.range(0, 5);
  return new FitProblem(M);
}

/** The best a for b fixed at 0.5 (weighted linear least squares in closed form). */
function bestAAtWall(): number {
  let num = 0;
  let den = 0;
  X.forEach((t, i) => {
    const e = Math.exp(-0.5 * t);
    num += Y[i] * e;
    den += e * e;
  });
  return num / den;
}

/** A model finite only at its exact starting values: no step can find anything finite. */
function nowhereFinite(): FitProblem {
  const M = new Curve((t: number, a = 3, b = 2) => (a === 3 && b === 2 ? a * Math.exp(-b * t) : NaN), X, Y, DY);
  M.name = "brittle";
  M.a.range(0, 10);
  M.b.range(0, 5);
  return new FitProblem(M);
}

/** An nllf that is −Infinity for mu ≥ 3.05, next to its finite minimum at mu = 3. */
function divergingProblem(): FitProblem {
  const F = new Fitness({
    name: "diverging",
    parameters: { mu: 2.9 },
    nllf: ({ mu }) => (mu >= 3.05 ? -Infinity : 0.5 * ((mu - 3) / 0.01) ** 2),
    points: 10,
  });
  F.p.mu.range(0, 5);
  return new FitProblem(F);
}

describe("a model that is NaN beyond a wall, with the best fit behind it", () => {
  test.each(["lm", "amoeba", "newton", "de"] as const)(
    "%s ends at the wall with the other parameter fitted, and says it is at the wall",
    async (method) => {
      const P = wallProblem();
      const r = await fit(P, { method });
      expect(r.x[1]).toBeGreaterThanOrEqual(0.5);
      expect(r.x[1]).toBeLessThan(0.5 + 1e-5);
      expect(r.x[0]).toBeCloseTo(bestAAtWall(), 4);
      expect(Number.isFinite(r.nllf)).toBe(true);
      // Converged, but against the wall rather than at the model's minimum: the message says so.
      expect(r.message).toMatch(
        /(b held|the best point is) at the edge of a region where the model is not finite \((last: )?decay gives NaN at point 0 with a = [0-9.]+, b = 0\.49/,
      );
    },
  );
});

describe("nothing finite near the start", () => {
  test.each(["lm", "amoeba", "newton", "de", "dream", "smc"])(
    "%s throws a clear error naming the model and the values, and restores the parameters",
    async (method) => {
      const P = nowhereFinite();
      const budget =
        method === "de"
          ? { steps: 30 }
          : method === "dream"
            ? { samples: 2000, burn: 100 }
            : method === "smc"
              ? { particles: 200 }
              : {};
      const error = await fit(P, { method, ...budget } as FitOptions).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FitError);
      const e = error as FitError;
      expect(e.cause).toBeInstanceOf(NonFiniteError);
      expect(e.message).toMatch(new RegExp(`^${method}: the model is not finite at any point`));
      expect(e.message).toMatch(/brittle gives NaN at point 0 with a = [-0-9.e]+, b = [-0-9.e]+/);
      expect(e.message).toMatch(/the parameters were restored to their starting values \(a = 3, b = 2\)/);
      expect(e.restored).toBe("start");
      expect(Array.from(P.getValues())).toEqual([3, 2]);
    },
  );
});

describe("an analytic Jacobian that is not finite", () => {
  test("lm differentiates numerically where the given Jacobian is NaN, and reaches the least-squares fit", async () => {
    const M = new Curve(
      (t: number, a = 3, b = 2) => a * Math.exp(-b * t),
      X,
      Y,
      DY,
      {},
      {
        name: "decay",
        // The derivative in b is NaN for b < 1, where the model itself is finite.
        jacobian: (t: number, a: number, b: number) => [Math.exp(-b * t), b < 1 ? NaN : -a * t * Math.exp(-b * t)],
      },
    );
    M.a.range(0, 10);
    M.b.range(0, 5);
    const reference = new Curve((t: number, a = 3, b = 2) => a * Math.exp(-b * t), X, Y, DY);
    reference.a.range(0, 10);
    reference.b.range(0, 5);
    const expected = await fit(new FitProblem(reference), { method: "lm" });
    const r = await fit(new FitProblem(M), { method: "lm" });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(expected.x[0], 6);
    expect(r.x[1]).toBeCloseTo(expected.x[1], 6);
  });
});

describe("−Infinity is not a minimum", () => {
  test.each(["amoeba", "newton", "de"] as const)(
    "%s refuses points where the nllf is −Infinity and finds the finite minimum",
    async (method) => {
      const P = divergingProblem();
      const r = await fit(P, { method });
      expect(Number.isFinite(r.nllf)).toBe(true);
      expect(r.x[0]).toBeLessThan(3.05);
      expect(r.x[0]).toBeCloseTo(3, 3);
    },
  );

  test.each([
    ["dream", { samples: 4000, burn: 200 }],
    ["smc", { particles: 400 }],
  ] as const)("%s refuses proposals where the nllf is −Infinity: no draw lands there", async (method, options) => {
    const P = divergingProblem();
    const r = await fit(P, { method, seed: 5, ...options });
    expect(isSampledResult(r)).toBe(true);
    if (!isSampledResult(r)) return;
    const s = r.samples;
    expect(s.size).toBeGreaterThan(0);
    for (let i = 0; i < s.size; i++) expect(s.points[i]).toBeLessThan(3.05);
    expect(Number.isFinite(r.nllf)).toBe(true);
    const stats = s.summary().stats[0];
    expect(stats.mean).toBeGreaterThan(2.95);
    expect(stats.mean).toBeLessThan(3.05);
  });
});
