// The model's uncertainty band from a sampler's draws, in the fit bundle: it holds the best curve,
// its 95% band holds its 68% band, its width is the spread the draws' covariance predicts, worker
// threads give the same band as the calling thread, and an optimizer's result has none.
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { Curve, DISPLAY, fit, FitProblem, isSampledResult, WorkerEvaluator } from "hpcfit";
import { FIT_MIME, type FitBundle, type FitBundleBands } from "../../schema/fit.js";
import { addModelBands, BAND_DRAWS, MIN_BAND_DRAWS } from "../../fit/model-bands.js";
import { makeProblem } from "./mcmc-fixtures/peak-model.js";
import { lineProblem } from "../support/line-problem.js";

const modelFile = fileURLToPath(new URL("./mcmc-fixtures/peak-model.ts", import.meta.url));

/** Every grid point's values, checked for nesting; returns how often the best curve is inside each band. */
function nesting(curveY: (number | null)[], bands: FitBundleBands): { in68: number; in95: number } {
  let in68 = 0;
  let in95 = 0;
  curveY.forEach((y, j) => {
    const [l95, l68, u68, u95] = [bands.lower95[0][j], bands.lower68[0][j], bands.upper68[0][j], bands.upper95[0][j]];
    if (l95 === null || l68 === null || u68 === null || u95 === null || y === null) throw new Error(`null band at ${j}`);
    expect(l95).toBeLessThanOrEqual(l68);
    expect(l68).toBeLessThan(u68);
    expect(u68).toBeLessThanOrEqual(u95);
    if (y >= l68 && y <= u68) in68++;
    if (y >= l95 && y <= u95) in95++;
  });
  return { in68: in68 / curveY.length, in95: in95 / curveY.length };
}

describe("model bands", () => {
  test("a DREAM result's bundle has nested 68% and 95% bands around the best curve, as wide as the draws say", async () => {
    const result = await fit(lineProblem(), { method: "dream", samples: 6000, burn: 200, seed: 5 });
    if (!isSampledResult(result)) throw new Error("expected a sampler result");
    const bundle = result[DISPLAY]()[FIT_MIME] as FitBundle;
    expect(bundle.version).toBe(2);
    const curve = bundle.models[0].curve!;
    const bands = curve.bands!;
    expect(bands.draws).toBe(BAND_DRAWS);
    for (const key of ["lower68", "upper68", "lower95", "upper95"] as const) {
      expect(bands[key]).toHaveLength(1);
      expect(bands[key][0]).toHaveLength(curve.x.length);
    }
    const { in68, in95 } = nesting(curve.y[0], bands);
    expect(in95).toBe(1);
    expect(in68).toBeGreaterThan(0.9);
    // For a line the model's spread at x is sqrt(var m · x² + 2 cov(m, b) · x + var b), from the draws.
    const s = result.samples;
    const n = s.size;
    let mm = 0;
    let mb = 0;
    for (let i = 0; i < n; i++) {
      mm += s.points[2 * i] / n;
      mb += s.points[2 * i + 1] / n;
    }
    let vmm = 0;
    let vbb = 0;
    let vmb = 0;
    for (let i = 0; i < n; i++) {
      const dm = s.points[2 * i] - mm;
      const db = s.points[2 * i + 1] - mb;
      vmm += (dm * dm) / n;
      vbb += (db * db) / n;
      vmb += (dm * db) / n;
    }
    curve.x.forEach((x, j) => {
      const sd = Math.sqrt(vmm * x * x + 2 * vmb * x + vbb);
      const half68 = (bands.upper68[0][j]! - bands.lower68[0][j]!) / 2;
      const half95 = (bands.upper95[0][j]! - bands.lower95[0][j]!) / 2;
      // 300 draws: the quantiles are known to about 10%.
      expect(half68 / sd).toBeGreaterThan(0.8);
      expect(half68 / sd).toBeLessThan(1.2);
      expect(half95 / (1.96 * sd)).toBeGreaterThan(0.8);
      expect(half95 / (1.96 * sd)).toBeLessThan(1.2);
    });
    // The band is part of the stored model data: the result's JSON carries it too.
    expect((result.toJSON().fit as FitBundle).models[0].curve?.bands).toEqual(bands);
  });

  test("an optimizer's result has no band", async () => {
    const result = await fit(lineProblem(), { method: "lm" });
    const bundle = result[DISPLAY]()[FIT_MIME] as FitBundle;
    expect(bundle.models[0].curve).not.toBeNull();
    expect(bundle.models[0].curve!.bands).toBeUndefined();
    // Its HTML fallback plots the data, the curve and the residuals, without bands.
    const html = result[DISPLAY]()["text/html"] as string;
    expect(html.match(/<svg /g)).toHaveLength(1);
    expect(html.match(/class="hpcfit-data"/g)).toHaveLength(6);
    expect(html.match(/class="hpcfit-residual"/g)).toHaveLength(6);
    expect(html).toContain('class="hpcfit-model"');
    expect(html).not.toContain("hpcfit-band");
  });

  test("the HTML fallback draws the bands around the best curve, 95% outside 68%", async () => {
    const result = await fit(lineProblem(), { method: "dream", samples: 4000, burn: 100, seed: 8 });
    const html = result[DISPLAY]()["text/html"] as string;
    const points = (cls: string): [number, number][] => {
      const m = new RegExp(`class="${cls}" points="([^"]+)"`).exec(html);
      if (m === null) throw new Error(`no ${cls} in the HTML fallback`);
      return m[1].split(" ").map((pair) => pair.split(",").map(Number) as [number, number]);
    };
    const curve = points("hpcfit-model");
    const band68 = points("hpcfit-band68");
    const band95 = points("hpcfit-band95");
    // A band polygon runs along the upper edge, then back along the lower edge: as many points each way as the curve.
    expect(band68).toHaveLength(2 * curve.length);
    expect(band95).toHaveLength(2 * curve.length);
    const n = curve.length;
    let inside = 0;
    curve.forEach(([x, y], i) => {
      const [x68u, y68u] = band68[i];
      const [x68l, y68l] = band68[2 * n - 1 - i];
      const [, y95u] = band95[i];
      const [, y95l] = band95[2 * n - 1 - i];
      expect(x68u).toBe(x);
      expect(x68l).toBe(x);
      // SVG y grows downwards: the upper edge has the smaller y.
      expect(y95u).toBeLessThanOrEqual(y68u);
      expect(y68l).toBeLessThanOrEqual(y95l);
      if (y >= y68u - 0.05 && y <= y68l + 0.05) inside++;
    });
    expect(inside / n).toBeGreaterThan(0.9);
  });

  test("worker threads that load the model file give the band the calling thread gives", async () => {
    // Workers run the compiled JavaScript in dist/ (`npx tsc -p tsconfig.json`).
    const problem = makeProblem();
    const result = await fit(problem, { method: "dream", samples: 2000, burn: 40, seed: 12 });
    if (!isSampledResult(result)) throw new Error("expected a sampler result");
    const serial = structuredClone(result.models[0].curve!.bands!);
    delete result.models[0].curve!.bands;
    const outcome = await addModelBands(result, problem, { parallel: 2, modelFile, forceWorkers: true });
    expect(outcome).toMatchObject({ draws: BAND_DRAWS, workers: true });
    expect(result.models[0].curve!.bands).toEqual(serial);
    // The problem is left at the result's point.
    expect(Array.from(problem.getValues())).toEqual(Array.from(result.x));
    // Without a model file there are no workers: the same band, serially.
    delete result.models[0].curve!.bands;
    const alone = await addModelBands(result, problem, { parallel: 2, forceWorkers: true });
    expect(alone.workers).toBe(false);
    expect(result.models[0].curve!.bands).toEqual(serial);
    // Workers that cannot start (a model file gone) leave the band to the calling thread.
    delete result.models[0].curve!.bands;
    const fallback = await addModelBands(result, problem, {
      parallel: 2,
      modelFile: "/nonexistent/model.ts",
      forceWorkers: true,
    });
    expect(fallback).toMatchObject({ draws: BAND_DRAWS, workers: false });
    expect(result.models[0].curve!.bands).toEqual(serial);
    // The sampler's own worker pool is used when given, and left open for its owner.
    const pool = await WorkerEvaluator.start(problem, 2, modelFile);
    try {
      delete result.models[0].curve!.bands;
      const shared = await addModelBands(result, problem, { evaluator: pool, forceWorkers: true });
      expect(shared.workers).toBe(true);
      expect(result.models[0].curve!.bands).toEqual(serial);
      const out = new Float64Array(1);
      await pool.evaluatePopulation(result.x, 1, out);
      expect(out[0]).toBe(problem.nllf(result.x));
      // A budget too small for every draw on the pool's two threads thins the draws as the
      // calling thread would for the same budget on one: both make the band of the fewest draws.
      delete result.models[0].curve!.bands;
      const budgeted = await addModelBands(result, problem, { evaluator: pool, forceWorkers: true, budgetMs: 1e-6 });
      expect(budgeted).toMatchObject({ draws: MIN_BAND_DRAWS, workers: true });
      const fewer = result.models[0].curve!.bands;
      delete result.models[0].curve!.bands;
      expect(await addModelBands(result, problem, { budgetMs: 1e-6 })).toMatchObject({ draws: MIN_BAND_DRAWS, workers: false });
      expect(result.models[0].curve!.bands).toEqual(fewer);
    } finally {
      await pool.close();
    }
  });

  test("a model too slow for every draw in the calling thread gets a band of fewer draws", async () => {
    // At least 20 µs per point: one draw on the 401-point curve grid takes at least 8 ms, so fewer
    // than 300 draws fit the serial budget, and never fewer than the minimum.
    const M = new Curve(
      (x: number, m = 1, b = 0) => {
        const until = performance.now() + 0.02;
        while (performance.now() < until);
        return m * x + b;
      },
      [1, 2, 3, 4, 5, 6],
      [2.1, 4.0, 6.3, 8.03, 9.6, 11.9],
      [0.05, 0.05, 0.2, 0.05, 0.2, 0.2],
    );
    M.m.range(0, 4);
    M.b.range(-5, 5);
    const result = await fit(new FitProblem(M), { method: "dream", samples: 1000, burn: 20, seed: 1 });
    const bands = (result[DISPLAY]()[FIT_MIME] as FitBundle).models[0].curve!.bands!;
    expect(bands.draws).toBeGreaterThanOrEqual(MIN_BAND_DRAWS);
    expect(bands.draws).toBeLessThan(BAND_DRAWS);
    expect(bands.lower95[0].every((v) => v !== null)).toBe(true);
  });
});
