// Analytic derivatives: a Curve's partials per parameter and a Fitness's Jacobian of its
// residuals are used by lm, newton and the error bars, give the same fit as finite differences,
// and are checked once when a fit starts (a wrong one is refused, naming its parameter).
import { describe, expect, test } from "vitest";
import { Curve, Fitness, FitProblem, fit, type FitResult } from "hpcfit";
import { UserError } from "../../util/user-error.js";

const X = Array.from({ length: 25 }, (_, i) => 0.4 * i);
// Noise from a fixed pattern, so the optimum is not the generating point exactly.
const Y = X.map((x, i) => 4 * Math.exp(-0.35 * x) + 0.6 + 0.03 * Math.sin(7 * i));
const DY = X.map((_, i) => 0.02 + 0.005 * (i % 3));

type Decay = (x: number, a: number, k: number, c: number) => number;
const decay: Decay = (x, a, k, c) => a * Math.exp(-k * x) + c;
const PARTIALS = {
  a: (x: number, _a: number, k: number) => Math.exp(-k * x),
  k: (x: number, a: number, k: number) => -a * x * Math.exp(-k * x),
  c: () => 1,
};

function curve(partials?: Record<string, (x: number, a: number, k: number, c: number) => number>): FitProblem {
  const M = new Curve(decay, X, Y, DY, { a: 1, k: 0.1, c: 0 }, partials ? { partials } : {});
  M.a.fit();
  M.k.fit();
  M.c.fit();
  return new FitProblem(M);
}

function expectSameFit(analytic: FitResult, numeric: FitResult): void {
  for (let j = 0; j < numeric.x.length; j++) {
    expect(analytic.x[j] / numeric.x[j]).toBeCloseTo(1, 7);
    expect(analytic.parameters[j].stderr / numeric.parameters[j].stderr).toBeCloseTo(1, 5);
  }
  expect(analytic.chisq / numeric.chisq).toBeCloseTo(1, 10);
}

describe("Curve partials", () => {
  test("lm with partials gives the finite-difference fit, with fewer evaluations", async () => {
    const numeric = await fit(curve(), { method: "lm" });
    const analytic = await fit(curve(PARTIALS), { method: "lm" });
    expect(numeric.converged).toBe(true);
    expect(analytic.converged).toBe(true);
    expectSameFit(analytic, numeric);
    expect(analytic.evaluations).toBeLessThan(numeric.evaluations);
  });

  test("newton with partials takes its gradients from them: the same fit, fewer evaluations", async () => {
    const numeric = await fit(curve(), { method: "newton" });
    const analytic = await fit(curve(PARTIALS), { method: "newton" });
    for (let j = 0; j < 3; j++) expect(analytic.x[j] / numeric.x[j]).toBeCloseTo(1, 5);
    expect(analytic.evaluations).toBeLessThan(numeric.evaluations);
  });

  test("the error bars come from the partials: no residual evaluation for the covariance", async () => {
    const problem = curve(PARTIALS);
    const r = await fit(problem, { method: "lm" });
    let calls = 0;
    const residuals = problem.residuals.bind(problem);
    problem.residuals = (x, out) => {
      calls++;
      return residuals(x, out);
    };
    const { covarianceAt } = await import("../../fit/covariance.js");
    const { cov, evaluations } = covarianceAt(problem, r.x);
    expect(evaluations).toBe(0);
    expect(calls).toBe(0);
    r.cov.forEach((v, k) => expect(cov[k] / v).toBeCloseTo(1, 10));
  });

  test("a wrong partial is refused when the fit starts, naming its parameter", async () => {
    const wrong = { ...PARTIALS, k: (x: number, a: number, k: number) => a * x * Math.exp(-k * x) };
    const problem = curve(wrong);
    const start = problem.getValues();
    const error = await fit(problem, { method: "lm" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/analytic derivative with respect to k disagrees with finite differences/);
    expect((error as Error).message).toMatch(/check the derivative given for k/);
    // Nothing was fitted: the parameters are where they started.
    expect(Array.from(problem.getValues())).toEqual(Array.from(start));
  });

  test("the jacobian option is checked the same way", async () => {
    const M = new Curve(
      decay,
      X,
      Y,
      DY,
      { a: 1, k: 0.1, c: 0 },
      {
        jacobian: (x: number, a: number, k: number) => [Math.exp(-k * x), -a * x * Math.exp(-k * x), 2],
      },
    );
    M.a.fit();
    M.k.fit();
    M.c.fit();
    await expect(fit(new FitProblem(M), { method: "newton" })).rejects.toThrow(/with respect to c disagrees/);
  });

  test("partials must cover the function's parameters, and only them", () => {
    const { c: _c, ...withoutC } = PARTIALS;
    expect(() => new Curve(decay, X, Y, DY, { a: 1, k: 0.1, c: 0 }, { partials: withoutC })).toThrow(
      /partials has no function for c/,
    );
    expect(() => new Curve(decay, X, Y, DY, { a: 1, k: 0.1, c: 0 }, { partials: { ...PARTIALS, b: () => 0 } })).toThrow(
      /partials for b, which the function does not take/,
    );
    expect(() => new Curve(decay, X, Y, DY, { a: 1, k: 0.1, c: 0 }, { partials: PARTIALS, jacobian: () => [0, 0, 0] })).toThrow(
      /either jacobian or partials/,
    );
  });

  test("vectorised partials", async () => {
    const vdecay = (x: Float64Array, a: number, k: number, c: number): Float64Array => x.map((v) => a * Math.exp(-k * v) + c);
    const M = new Curve(
      vdecay,
      X,
      Y,
      DY,
      { a: 1, k: 0.1, c: 0 },
      {
        vectorized: true,
        partials: {
          a: (x: Float64Array, _a: number, k: number) => x.map((v) => Math.exp(-k * v)),
          k: (x: Float64Array, a: number, k: number) => x.map((v) => -a * v * Math.exp(-k * v)),
          c: (x: Float64Array) => x.map(() => 1),
        },
      },
    );
    M.a.fit();
    M.k.fit();
    M.c.fit();
    const analytic = await fit(new FitProblem(M), { method: "lm" });
    expectSameFit(analytic, await fit(curve(), { method: "lm" }));
  });
});

describe("Fitness jacobian", () => {
  const spec = (jacobian?: boolean | "wrong"): Fitness =>
    new Fitness({
      parameters: { a: 1, k: 0.1, c: 0 },
      nllf: ({ a, k, c }) => 0.5 * X.reduce((s, x, i) => s + ((decay(x, a, k, c) - Y[i]) / DY[i]) ** 2, 0),
      residuals: ({ a, k, c }) => X.map((x, i) => (decay(x, a, k, c) - Y[i]) / DY[i]),
      ...(jacobian
        ? {
            jacobian: ({ a, k }: Readonly<Record<string, number>>) => ({
              a: X.map((x, i) => Math.exp(-k * x) / DY[i]),
              k: X.map((x, i) => (-a * x * Math.exp(-k * x)) / DY[i]),
              c: X.map((_, i) => (jacobian === "wrong" ? 0.5 : 1) / DY[i]),
            }),
          }
        : {}),
    });
  const problem = (F: Fitness): FitProblem => {
    for (const p of F.parameters()) p.fit();
    return new FitProblem(F);
  };

  test("lm with the Jacobian gives the finite-difference fit, with fewer evaluations", async () => {
    const numeric = await fit(problem(spec()), { method: "lm" });
    const analytic = await fit(problem(spec(true)), { method: "lm" });
    expectSameFit(analytic, numeric);
    expect(analytic.evaluations).toBeLessThan(numeric.evaluations);
  });

  test("a wrong column is refused, naming its parameter", async () => {
    await expect(fit(problem(spec("wrong")), { method: "lm" })).rejects.toThrow(/with respect to c disagrees/);
  });

  test("a Jacobian without residuals, or missing a parameter, is a clear error", async () => {
    expect(() => new Fitness({ parameters: { a: 1 }, nllf: ({ a }) => a * a, jacobian: () => ({ a: [1] }) })).toThrow(
      /give spec.residuals too/,
    );
    const F = new Fitness({
      parameters: { a: 1, b: 2 },
      nllf: ({ a, b }) => 0.5 * ((a - 1) ** 2 + (b - 2) ** 2 + (a + b) ** 2),
      residuals: ({ a, b }) => [a - 1, b - 2, a + b],
      jacobian: () => ({ a: [1, 0, 1] }),
    });
    await expect(fit(problem(F), { method: "lm" })).rejects.toThrow(/jacobian gave no derivatives for parameter b/);
  });
});
