// FitResult definitions (cov unscaled, stderr scaled only without dy), the text report, the MIME
// bundle, fit() itself (method choice, multi-start, monitor, abort, live display) and errors.
import { afterEach, describe, expect, test } from "vitest";
import {
  Curve,
  DISPLAY,
  FitProblem,
  FitResult,
  Fitness,
  fit,
  formatValueError,
  getMethod,
  methodNames,
  isDisplayable,
} from "hpcfit";
import { FIT_MIME, type FitBundle } from "../../schema/fit.js";
import { LIVE_DISPLAY, type MimeBundle } from "../../schema/display.js";

const X = [1, 2, 3, 4, 5, 6];
const Y = [2.1, 4.0, 6.3, 8.03, 9.6, 11.9];
const DY = [0.05, 0.05, 0.2, 0.05, 0.2, 0.2];

function line(dy?: number[]): FitProblem {
  const M = new Curve((x: number, m = 1, b = 0) => m * x + b, X, Y, dy, {}, { name: "line" });
  M.m.range(0, 4);
  M.b.range(-5, 5);
  return new FitProblem(M);
}

/** Ordinary least squares in closed form: values, (XᵀX)⁻¹, residual sum of squares. */
function ols(): { m: number; b: number; inv: number[]; rss: number } {
  const n = X.length;
  const sx = X.reduce((s, v) => s + v, 0);
  const sy = Y.reduce((s, v) => s + v, 0);
  const sxx = X.reduce((s, v) => s + v * v, 0);
  const sxy = X.reduce((s, v, i) => s + v * Y[i], 0);
  const det = n * sxx - sx * sx;
  const m = (n * sxy - sx * sy) / det;
  const b = (sxx * sy - sx * sxy) / det;
  const rss = X.reduce((s, v, i) => s + (m * v + b - Y[i]) ** 2, 0);
  return { m, b, inv: [n / det, -sx / det, -sx / det, sxx / det], rss };
}

afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[LIVE_DISPLAY];
});

describe("FitResult definitions", () => {
  test("without dy: cov = (JᵀJ)⁻¹ unscaled, chisq = RSS/dof, stderr = dx·sqrt(chisq)", async () => {
    const r = await fit(line());
    const e = ols();
    expect(r.x[0]).toBeCloseTo(e.m, 8);
    expect(r.x[1]).toBeCloseTo(e.b, 8);
    r.cov.forEach((c, k) => expect(c / e.inv[k]).toBeCloseTo(1, 6));
    expect(r.dof).toBe(4);
    expect(r.chisq).toBeCloseTo(e.rss / 4, 12);
    expect(r.hasUncertainties).toBe(false);
    // The error bars come from lm's last Jacobian, forward differences here (relative error
    // ~√ε), so they agree with the closed form to 6 digits, as the covariance does.
    expect(r.parameters[0].stderr / Math.sqrt(e.inv[0] * r.chisq)).toBeCloseTo(1, 6);
    expect(r.dx[0] / Math.sqrt(e.inv[0])).toBeCloseTo(1, 8);
    expect(r.corr[1]).toBeCloseTo(e.inv[1] / Math.sqrt(e.inv[0] * e.inv[3]), 8);
    expect(r.get("b").value).toBe(r.x[1]);
    expect(r.method).toBe("lm");
    expect(r.converged).toBe(true);
    expect(r.evaluations).toBeGreaterThan(0);
  });

  test("with dy: stderr = dx", async () => {
    const r = await fit(line(DY));
    expect(r.hasUncertainties).toBe(true);
    r.parameters.forEach((p, i) => expect(p.stderr).toBe(r.dx[i]));
  });

  test("a problem without residuals gets H⁻¹ of the nllf and chisq = 2 nllf / dof", () => {
    // nllf = ½ Σ ((a x + c − y)/dy)²: the Hessian is JᵀJ, so the covariance matches lm's.
    const F = new Fitness({
      parameters: { a: 1.9, c: 0.2 },
      nllf: ({ a, c }) => 0.5 * X.reduce((s, x, i) => s + ((a * x + c - Y[i]) / DY[i]) ** 2, 0),
      points: X.length,
    });
    F.p.a.fit();
    F.p.c.fit();
    const P = new FitProblem(F);
    const r = FitResult.fromProblem(P, { method: "test", evaluations: 0, converged: true, message: "" });
    let s = 0,
      sx = 0,
      sxx = 0;
    X.forEach((x, i) => {
      const w = 1 / DY[i] ** 2;
      s += w;
      sx += w * x;
      sxx += w * x * x;
    });
    const det = s * sxx - sx * sx;
    expect(r.cov[0] / (s / det)).toBeCloseTo(1, 5);
    expect(r.cov[3] / (sxx / det)).toBeCloseTo(1, 5);
    expect(r.chisq).toBeCloseTo((2 * P.nllf()) / 4, 12);
  });
});

describe("display", () => {
  test("formatValueError rounds the value to the uncertainty's two significant digits", () => {
    expect(formatValueError(1.98234, 0.01234)).toBe("1.982 ± 0.012");
    expect(formatValueError(238.94212918, 2.7070075241)).toBe("238.9 ± 2.7");
    expect(formatValueError(5.5015643181e-4, 7.2668688436e-6)).toBe("(5.502 ± 0.073)e-4");
    expect(formatValueError(123456.7, 234.5)).toBe("123460 ± 230");
    expect(formatValueError(2, NaN)).toBe("2 ± ?");
  });

  test("text report, HTML and the fit bundle", async () => {
    const r = await fit(line(DY));
    expect(isDisplayable(r)).toBe(true);
    const bundle: MimeBundle = r[DISPLAY]();
    const text = bundle["text/plain"] as string;
    expect(text).toContain("# fitting method   = lm");
    expect(text).toMatch(/m:\s+1\.970 ± 0\.021/);
    expect(text).toMatch(/C\(m, b\) = -0\.87/);
    expect(text).toContain("degrees of freedom = 4");
    expect(bundle["text/html"]).toMatch(/<table>.*<td>m<\/td><td>1\.970<\/td><td>0\.021<\/td>/);
    const fb = bundle[FIT_MIME] as FitBundle;
    expect(fb.version).toBe(2);
    expect(fb.parameters.map((p) => p.name)).toEqual(["m", "b"]);
    expect(fb.parameters[0].lower).toBe(0);
    expect(fb.models[0].name).toBe("line");
    expect(fb.models[0].x).toEqual(X);
    expect(fb.models[0].dy[0]).toEqual(DY);
    expect(fb.models[0].residuals[0][0]).toBeCloseTo((r.x[0] * 1 + r.x[1] - 2.1) / 0.05, 10);
    expect(fb.models[0].curve!.x.length).toBeGreaterThan(400);
    expect(fb.correlation.length).toBe(4);
    expect(JSON.parse(JSON.stringify(fb))).toEqual(fb);
    expect(JSON.parse(JSON.stringify(r)).parameters[0].name).toBe("m");
  });
});

describe("fit()", () => {
  test("registry: lm is registered, unknown methods get the list", () => {
    expect(methodNames()).toContain("lm");
    expect(getMethod("lm").needsResiduals).toBe(true);
    expect(() => getMethod("nope")).toThrow(/unknown fit method "nope"; known methods: .*lm/);
  });

  test("multi-start finds the global minimum a single start misses", async () => {
    const xs = Array.from({ length: 40 }, (_, i) => i * 0.1);
    const ys = xs.map((x) => Math.sin(3 * x));
    const make = (): FitProblem => {
      const M = new Curve((x: number, w = 0.8) => Math.sin(w * x), xs, ys);
      M.w.range(0.1, 6);
      return new FitProblem(M);
    };
    const single = await fit(make());
    expect(Math.abs(single.x[0] - 3)).toBeGreaterThan(0.1);
    const multi = await fit(make(), { starts: 12, seed: 3 });
    expect(multi.x[0]).toBeCloseTo(3, 8);
    expect(multi.evaluations).toBeGreaterThan(single.evaluations);
    // Same seed, same answer.
    const again = await fit(make(), { starts: 12, seed: 3 });
    expect(again.x[0]).toBe(multi.x[0]);
  });

  test("monitor returning false and an aborted signal stop the fit", async () => {
    let calls = 0;
    // The line converges in two iterations: stop it at the first.
    const r = await fit(line(), { monitor: () => (++calls < 1 ? undefined : false) });
    expect(calls).toBe(1);
    expect(r.converged).toBe(false);
    expect(r.message).toMatch(/^stopped by the user; the parameters were restored to their starting values \(m = 1, b = 0\)/);
    const ac = new AbortController();
    ac.abort();
    const a = await fit(line(), { signal: ac.signal });
    expect(a.converged).toBe(false);
  });

  test("shows live progress through the kernel's live display and ends with the state", async () => {
    const shown: string[] = [];
    (globalThis as Record<symbol, unknown>)[LIVE_DISPLAY] = (b: MimeBundle) => {
      shown.push(b["text/plain"] as string);
      return { update: (u: MimeBundle) => shown.push(u["text/plain"] as string) };
    };
    await fit(line(DY));
    expect(shown[0]).toMatch(/^fit lm: starting/);
    expect(shown.at(-1)).toMatch(/^fit lm: done, step \d+, chisq 1\.755/);
  });

  test("the live line shows the evaluations, their rate, and lm's Jacobians' share of them and of the time", async () => {
    const shown: string[] = [];
    (globalThis as Record<symbol, unknown>)[LIVE_DISPLAY] = (b: MimeBundle) => {
      shown.push(b["text/plain"] as string);
      return { update: (u: MimeBundle) => shown.push(u["text/plain"] as string) };
    };
    const r = await fit(line(DY));
    const done = shown.at(-1) ?? "";
    // The rate is left out when the fit took less time than the clock can measure.
    const m = /, (\d+) evaluations(?:, [0-9.e+]+\/s)?; Jacobians (\d+)% of them, (\d+)% of the time$/.exec(done);
    expect(m, done).not.toBeNull();
    // The error bars and the result evaluate the model after the method has counted its own.
    expect(Number(m![1])).toBeGreaterThanOrEqual(r.evaluations);
    expect(Number(m![2])).toBeGreaterThan(0);
    expect(Number(m![2])).toBeLessThan(100);
    expect(Number(m![3])).toBeGreaterThanOrEqual(0);
    expect(Number(m![3])).toBeLessThanOrEqual(100);
  });

  test("leaves the problem at the best point; clear errors for bad input", async () => {
    const P = line();
    const r = await fit(P);
    expect(Array.from(P.getValues())).toEqual(Array.from(r.x));
    const N = new Curve((x: number, a = 1) => (x > 3 ? NaN : a * x), X, Y);
    N.a.range(0, 5);
    await expect(fit(new FitProblem(N))).rejects.toThrow(
      /nllf is Infinity at the starting point: model 0 gives NaN at point 3 with a = 1/,
    );
    const F = new Curve((x: number, a = 1) => a * x, X, Y);
    await expect(fit(new FitProblem(F))).rejects.toThrow(/no free parameters/);
    await expect(fit(line(), { starts: 0 })).rejects.toThrow(/starts must be a positive integer/);
  });
});
