// The model layer: parameters, curves (both calling forms), ties, priors, constraints, Poisson,
// Fitness and simultaneous fits.
import { describe, expect, test } from "vitest";
import { Curve, Fitness, FitProblem, Parameter, PoissonCurve, fit } from "hpcfit";
import { weightedLine } from "../support/weighted-line.js";

const X = [1, 2, 3, 4, 5, 6];
const Y = [2.1, 4.0, 6.3, 8.03, 9.6, 11.9];
const DY = [0.05, 0.05, 0.2, 0.05, 0.2, 0.2];

describe("Parameter", () => {
  test("is fixed until given a range, and each way of varying sets bounds", () => {
    const p = new Parameter(2, "p");
    expect(p.fixed).toBe(true);
    p.range(0, 4);
    expect([p.fixed, p.lower, p.upper]).toEqual([false, 0, 4]);
    expect([new Parameter(2).pm(0.5).lower, new Parameter(2).pm(0.5).upper]).toEqual([1.5, 2.5]);
    expect([new Parameter(2).pm(0.5, 1).lower, new Parameter(2).pm(0.5, 1).upper]).toEqual([1.5, 3]);
    const q = new Parameter(200).pmp(10);
    expect([q.lower, q.upper]).toEqual([180, 220]);
    const f = new Parameter(1).fit();
    expect([f.fixed, f.lower, f.upper]).toEqual([false, -Infinity, Infinity]);
    f.fixed = true;
    expect(f.fixed).toBe(true);
    expect(() => new Parameter(1).range(2, 1)).toThrow(/lo < hi/);
    expect(() => new Parameter(0, "z").pmp(5)).toThrow(/zero value/);
  });

  test("priors: -log density, uniform on a finite range, Gaussian for dev, Infinity outside", () => {
    const u = new Parameter(1, "u").range(0, 4);
    expect(u.nllf()).toBeCloseTo(Math.log(4), 14);
    expect(u.nllf(5)).toBe(Infinity);
    expect(new Parameter(1).fit().nllf()).toBe(0);
    const g = new Parameter(1, "g").dev(0.5, 2);
    const expected = 0.5 * ((1 - 2) / 0.5) ** 2 + Math.log(0.5 * Math.sqrt(2 * Math.PI));
    expect(g.nllf()).toBeCloseTo(expected, 14);
    const gl = new Parameter(1).dev(0.5, 2, [0, 1.5]);
    expect(gl.nllf(1.6)).toBe(Infinity);
  });

  test("ties follow other parameters and detect cycles", () => {
    const a = new Parameter(3, "a").range(0, 10);
    const b = new Parameter(0, "b").equals(() => 2 * a.value);
    const c = new Parameter(0, "c").equals(a);
    expect([b.value, c.value, b.tied, b.fixed]).toEqual([6, 3, true, true]);
    a.value = 4;
    expect([b.value, c.value]).toEqual([8, 4]);
    expect(() => (b.value = 1)).toThrow(/tied/);
    const p = new Parameter(0, "p");
    const q = new Parameter(0, "q").equals(p);
    p.equals(q);
    expect(() => p.value).toThrow(/cycle/);
  });
});

describe("Curve", () => {
  test("reads parameter names and defaults from the function, reachable by name", () => {
    const M = new Curve((x: number, m: number, b = 0.5) => m * x + b, X, Y, DY, { m: 2 });
    expect(M.parameters().map((p) => p.name)).toEqual(["m", "b"]);
    expect([M.m.value, M.b.value]).toEqual([2, 0.5]);
    M.m.range(0, 4);
    expect(M.p.m.lower).toBe(0);
    const F = new Curve(
      function line(x: number, slope = 1, offset = -1.5e-1) {
        return slope * x + offset;
      },
      X,
      Y,
    );
    expect(F.parameters().map((p) => [p.name, p.value])).toEqual([
      ["slope", 1],
      ["offset", -0.15],
    ]);
    expect(() => new Curve((x: number, m: number) => m * x, X, Y)).toThrow(/"m" has no initial value/);
    expect(() => new Curve((x: number, m = 1) => m * x, X, Y, undefined, { q: 1 })).toThrow(/"q", which is not a parameter/);
    expect(() => new Curve((x: number, m = 1) => m * x, X, [1, 2])).toThrow(/y has 2 values, x has 6/);
    expect(() => new Curve((x: number, m = 1) => m * x, X, Y, [1, 1, 0, 1, 1, 1])).toThrow(/dy\[2\] = 0/);
  });

  test("the vectorised form gives the same fit as the per-point form, and the closed-form answer", async () => {
    const scalar = new Curve((x: number, m = 1, b = 0) => m * x + b, X, Y, DY);
    const vector = new Curve((x: Float64Array, m = 1, b = 0) => x.map((v) => m * v + b), X, Y, DY);
    for (const M of [scalar, vector]) {
      M.m.range(0, 4);
      M.b.range(-5, 5);
    }
    const r1 = await fit(new FitProblem(scalar));
    const r2 = await fit(new FitProblem(vector));
    const exact = weightedLine(X, Y, DY);
    for (const r of [r1, r2]) {
      // lm ends on forward differences where their error moves the optimum by at most 5e-7
      // relative (its BIAS_TOL); here it moves m by about 5e-9 relative: 7 decimals.
      expect(r.x[0]).toBeCloseTo(exact.m, 7);
      expect(r.x[1]).toBeCloseTo(exact.b, 7);
      // The error bars come from lm's last forward-difference Jacobian, whose rounding error
      // ε|f|/h with h = √ε|b| (b ≈ 0.11, residuals' model part up to 12/0.05) is about 1e-6
      // relative: good to 5 digits, the 6th depending on the point the Jacobian was taken at.
      r.cov.forEach((c, k) => expect(c / exact.cov[k]).toBeCloseTo(1, 5));
    }
    expect(vector.bundle().curve?.x.length).toBeGreaterThan(400);
  });

  test("replacing a parameter by name takes effect in the evaluation", () => {
    const M = new Curve((x: number, m = 1, b = 0) => m * x + b, X, Y);
    const shared = new Parameter(3, "m");
    (M as unknown as { m: Parameter }).m = shared;
    expect(M.theory()[1]).toBe(6);
    M.p.b = new Parameter(1, "b");
    expect(M.theory()[1]).toBe(7);
    expect(M.parameters()).toEqual([shared, M.p.b]);
    const bad = new Curve((x: number, m = 1) => (x > 2 ? [m] : m), X, Y);
    expect(() => bad.theory()).toThrow(/must return a number per point, got an object of length 1 at x\[2\]/);
  });

  test("several responses per x", async () => {
    const y2 = [X.map((x) => 2 * x + 1), X.map((x) => 2 * x * x)];
    const M = new Curve((x: number, a = 1, b = 0) => [a * x + b, a * x * x], X, y2);
    M.a.range(0, 5);
    M.b.range(-5, 5);
    const r = await fit(new FitProblem(M));
    expect(M.pointCount()).toBe(12);
    expect(r.x[0]).toBeCloseTo(2, 10);
    expect(r.x[1]).toBeCloseTo(1, 10);
    expect(M.bundle().y.length).toBe(2);
  });

  test("an analytic Jacobian is used by lm and gives the same answer", async () => {
    const M = new Curve(
      (x: number, a = 1, k = 0.1) => a * Math.exp(-k * x),
      X,
      Y.map((_, i) => 5 * Math.exp(-0.3 * X[i]) + 0.01 * (i % 2 ? 1 : -1)),
      undefined,
      {},
      {
        jacobian: (x: number, a: number, k: number) => [Math.exp(-k * x), -a * x * Math.exp(-k * x)],
      },
    );
    M.a.fit();
    M.k.fit();
    const P = new FitProblem(M);
    const J = P.jacobian(P.getValues());
    expect(J).toBeDefined();
    const r = await fit(P);
    expect(r.x[0]).toBeCloseTo(5, 1);
    expect(r.x[1]).toBeCloseTo(0.3, 2);
    expect(r.converged).toBe(true);
  });
});

describe("FitProblem", () => {
  test("priors add to the nllf and, for dev, a residual", () => {
    const M = new Curve((x: number, m = 2, b = 0) => m * x + b, X, Y, DY);
    M.m.range(0, 4);
    M.b.dev(0.5, 0.1);
    const P = new FitProblem(M);
    expect(P.residualCount()).toBe(7);
    const r = P.residuals();
    const data = r.slice(0, 6).reduce((s, v) => s + v * v, 0);
    const expected = 0.5 * data + Math.log(4) + 0.5 * ((0 - 0.1) / 0.5) ** 2 + Math.log(0.5 * Math.sqrt(2 * Math.PI));
    expect(P.nllf()).toBeCloseTo(expected, 12);
    expect(r[6]).toBeCloseTo((0 - 0.1) / 0.5, 14);
    expect(P.nllf([5, 0])).toBe(Infinity);
  });

  test("the nllf from the residuals equals the nllf bit for bit, for Gaussian misfits with unit weights only", () => {
    let calls = 0;
    const line = (x: number, m = 2, b = 0) => {
      calls++;
      return m * x + b;
    };
    const M = new Curve(line, X, Y, DY);
    M.m.range(0, 4);
    M.b.dev(0.5, 0.1);
    const N = new Curve((x: number, c = 1) => c * x * x, X, Y);
    N.c.range(-10, 10);
    const P = new FitProblem([M, N]);
    for (const at of [
      [1.9, 0.05, 0.33],
      [2.01, -0.2, 0.31],
    ]) {
      const r = P.residuals(at);
      const before = calls;
      expect(P.nllfFromResiduals(at, r)).toBe(P.nllf(at));
      // Read off the residuals without a model evaluation (the nllf itself took one per point).
      expect(calls - before).toBe(X.length);
      expect(P.nllfFromResiduals(at, r)).toBe(P.nllf(at));
    }
    expect(P.nllfFromResiduals([5, 0, 0.3], P.residuals([5, 0, 0.3]))).toBe(Infinity);
    // A residual scaled by √w squares to w·r² only up to rounding; Poisson's nllf is no sum of squares.
    const W = new Curve(line, X, Y, DY);
    W.m.range(0, 4);
    W.b.range(-1, 1);
    const weighted = new FitProblem([W], { weights: [3] });
    expect(weighted.nllfFromResiduals([2, 0], weighted.residuals([2, 0]))).toBeUndefined();
    const counts = [3, 1, 4, 1, 5, 9];
    const C = new PoissonCurve((x: number, rate = 2) => rate + 0 * x, X, counts);
    C.rate.range(0.1, 10);
    const poisson = new FitProblem(C);
    expect(poisson.nllfFromResiduals([2], poisson.residuals([2]))).toBeUndefined();
  });

  test("constraints: Infinity outside, the model not evaluated there", () => {
    let calls = 0;
    const M = new Curve(
      (x: number, m = 2, b = 0) => {
        calls++;
        return m * x + b;
      },
      X,
      Y,
      DY,
    );
    M.m.range(0, 4);
    M.b.range(-5, 5);
    const P = new FitProblem(M, { constraints: [() => M.m.value - M.b.value - 1] });
    P.nllf(); // the first evaluation also detects the calling form
    calls = 0;
    expect(Number.isFinite(P.nllf([2, 0]))).toBe(true);
    expect(calls).toBe(6);
    calls = 0;
    expect(P.nllf([1, 0.5])).toBe(Infinity);
    expect(P.residuals([1, 0.5]).every((v) => v === Infinity)).toBe(true);
    expect(calls).toBe(0);
    expect(P.diagnose()).toMatch(/constraint 0/);
  });

  test("a simultaneous fit shares a parameter between models", async () => {
    const slope = new Parameter(1, "slope").range(0, 5);
    const xa = [0, 1, 2, 3];
    const ya = [1.1, 3.0, 5.1, 6.9];
    const yb = [-0.9, 1.1, 2.9, 5.1];
    const A = new Curve((x: number, m = 1, b = 0) => m * x + b, xa, ya, undefined, { m: slope }, { name: "A" });
    const B = new Curve((x: number, m = 1, b = 0) => m * x + b, xa, yb, undefined, { m: slope }, { name: "B" });
    A.b.range(-10, 10);
    B.b.range(-10, 10);
    const P = new FitProblem([A, B]);
    expect(P.labels()).toEqual(["slope", "A.b", "B.b"]);
    const r = await fit(P);
    // Closed form: common slope from pooled within-group regression.
    const mean = (v: number[]): number => v.reduce((s, t) => s + t, 0) / v.length;
    const xm = mean(xa);
    let sxy = 0,
      sxx = 0;
    for (const y of [ya, yb]) {
      const ym = mean(y);
      xa.forEach((x, i) => {
        sxy += (x - xm) * (y[i] - ym);
        sxx += (x - xm) ** 2;
      });
    }
    const m = sxy / sxx;
    expect(r.x[0]).toBeCloseTo(m, 8);
    expect(r.x[1]).toBeCloseTo(mean(ya) - m * xm, 8);
    expect(r.x[2]).toBeCloseTo(mean(yb) - m * xm, 8);
    expect(r.dof).toBe(8 - 3);
  });

  test("a tied parameter follows the fitted one and is not fitted itself", async () => {
    const M = new Curve(
      (x: number, a = 1, b = 1) => a * x + b,
      X,
      X.map((x) => 3 * x + 6),
    );
    M.a.range(0, 10);
    M.b.equals(() => 2 * M.a.value);
    const P = new FitProblem(M);
    expect(P.labels()).toEqual(["a"]);
    const r = await fit(P);
    expect(r.x[0]).toBeCloseTo(3, 10);
    expect(M.b.value).toBeCloseTo(6, 10);
  });

  test("ranges changed after the problem was made are seen by the next fit", async () => {
    const M = new Curve((x: number, m = 1, b = 0) => m * x + b, X, Y, DY);
    M.m.range(0, 4);
    const P = new FitProblem(M);
    expect(P.labels()).toEqual(["m"]);
    M.b.range(-5, 5);
    expect(P.labels()).toEqual(["m", "b"]);
    const r = await fit(P);
    expect(r.labels).toEqual(["m", "b"]);
    M.b.fixed = true;
    expect(P.getValues().length).toBe(1);
  });

  test("weights scale each model's nllf", () => {
    const A = new Curve((x: number, m = 2) => m * x, X, Y, DY);
    A.m.range(0, 4);
    const one = new FitProblem(A).nllf() - Math.log(4);
    const P = new FitProblem(A, { weights: [3] });
    expect(P.nllf() - Math.log(4)).toBeCloseTo(3 * one, 10);
    expect(() => new FitProblem(A, { weights: [1, 2] })).toThrow(/2 weights for 1 models/);
  });
});

describe("PoissonCurve", () => {
  test("the Poisson nllf, deviance residuals, and the maximum-likelihood rate", async () => {
    const counts = [3, 7, 4, 6, 5, 9, 2, 4];
    const x = counts.map((_, i) => i);
    const M = new PoissonCurve((x: number, rate = 2) => rate + 0 * x, x, counts);
    M.rate.range(0.1, 50);
    const P = new FitProblem(M);
    let expected = 0;
    for (const k of counts) {
      let lf = 0;
      for (let i = 2; i <= k; i++) lf += Math.log(i);
      expected += 2 - k * Math.log(2) + lf;
    }
    expect(M.nllf()).toBeCloseTo(expected, 12);
    // ½ Σ r² = nllf − nllf of the saturated model (μ = k).
    const r = new Float64Array(counts.length);
    M.residuals(r, 0);
    let saturated = 0;
    for (const k of counts) {
      let lf = 0;
      for (let i = 2; i <= k; i++) lf += Math.log(i);
      saturated += k - (k > 0 ? k * Math.log(k) : 0) + lf;
    }
    expect(0.5 * r.reduce((s, v) => s + v * v, 0)).toBeCloseTo(expected - saturated, 12);
    const result = await fit(P);
    const mean = counts.reduce((s, k) => s + k, 0) / counts.length;
    expect(result.x[0]).toBeCloseTo(mean, 6);
    // Fisher information of a Poisson mean: var = mean / n.
    expect(result.dx[0] / Math.sqrt(mean / counts.length)).toBeCloseTo(1, 1);
    expect(result.parameters[0].stderr).toBe(result.dx[0]);
    expect(M.bundle().kind).toBe("poisson");
  });
});

describe("Fitness", () => {
  test("a model given by residuals fits with lm; one given only by an nllf refuses lm", async () => {
    const data = [4.9, 5.3, 5.1, 4.7, 5.0];
    const F = new Fitness({
      parameters: { mu: 1 },
      nllf: ({ mu }) => 0.5 * data.reduce((s, d) => s + (d - mu) ** 2, 0),
      residuals: ({ mu }) => data.map((d) => mu - d),
    });
    F.p.mu.range(-10, 10);
    const r = await fit(new FitProblem(F));
    expect(r.x[0]).toBeCloseTo(5.0, 10);
    const G = new Fitness({ parameters: { mu: 1 }, nllf: ({ mu }) => 0.5 * (mu - 2) ** 2, points: 1 });
    G.p.mu.range(-10, 10);
    await expect(fit(new FitProblem(G), { method: "lm" })).rejects.toThrow(/needs residuals/);
  });
});

describe("lm with bounds", () => {
  test("an optimum on a bound: the bounded parameter stays there, the other is fitted given it", async () => {
    const M = new Curve((x: number, m = 1, b = 0) => m * x + b, X, Y, DY);
    M.m.range(0, 1.5);
    M.b.range(-5, 5);
    const r = await fit(new FitProblem(M));
    expect(r.x[0]).toBe(1.5);
    // b minimises Σ ((1.5 x + b − y)/dy)²: the weighted mean of y − 1.5 x.
    let sw = 0,
      s = 0;
    X.forEach((x, i) => {
      const w = 1 / DY[i] ** 2;
      sw += w;
      s += w * (Y[i] - 1.5 * x);
    });
    expect(r.x[1]).toBeCloseTo(s / sw, 8);
    expect(r.converged).toBe(true);
  });

  test("a start outside the bounds is refused with the parameter named", async () => {
    const M = new Curve((x: number, m = 1, b = 0) => m * x + b, X, Y, DY);
    M.m.range(0, 4);
    M.b.range(-5, 5);
    M.m.value = 7;
    await expect(fit(new FitProblem(M))).rejects.toThrow(/parameter m = 7 is outside its range \[0, 4\]/);
  });
});
