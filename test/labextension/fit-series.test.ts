import { describe, expect, it } from "vitest";
import type { FitBundleModel } from "../../schema/fit.js";
import { fitSeries, formatSignificant, formatWithUncertainty } from "../../labextension/src/transforms/fit-series.js";
import { checkFitBundle, checkMcmcBundle } from "../../labextension/src/transforms/validate-bundles.js";

const model: FitBundleModel = {
  name: "line",
  kind: "curve",
  x: [-1, 0, 1, 2],
  y: [[-1, 0.5, 2, 4]],
  dy: [[0.1, 0.1, 0.2, 0.2]],
  fx: [[-1.1, 0.6, 2.1, 3.9]],
  residuals: [[-1, 1, 0.5, -0.5]],
  curve: { x: [-1, 0, 1, 2], y: [[-1.1, 0.6, 2.1, 3.9]] },
  hasUncertainties: true,
};

const bands = {
  draws: 300,
  lower68: [[-1.2, 0.5, 2.0, 3.7]],
  upper68: [[-1.0, 0.7, 2.2, 4.1]],
  lower95: [[-1.3, 0.4, 1.9, 3.5]],
  upper95: [[-0.9, 0.8, 2.3, 4.3]],
};

describe("fitSeries", () => {
  it("has no bands for a bundle without them (version 1), and the bands along the curve when there are", () => {
    expect(fitSeries(model, 0, { logX: false, logY: false }).bands).toBeNull();
    const banded = { ...model, curve: { ...model.curve!, bands } };
    expect(fitSeries(banded, 0, { logX: false, logY: false }).bands).toEqual({
      lower68: bands.lower68[0],
      upper68: bands.upper68[0],
      lower95: bands.lower95[0],
      upper95: bands.upper95[0],
    });
    // On log axes the band follows the curve's points and leaves gaps where it is not positive.
    const log = fitSeries(banded, 0, { logX: true, logY: true }).bands!;
    expect(log.lower95).toEqual([1.9, 3.5]);
    const negative = { ...banded, curve: { ...banded.curve, bands: { ...bands, lower95: [[-1.3, 0.4, -0.1, 3.5]] } } };
    expect(fitSeries(negative, 0, { logX: true, logY: true }).bands!.lower95).toEqual([null, 3.5]);
  });

  it("passes every point through on linear axes", () => {
    const s = fitSeries(model, 0, { logX: false, logY: false });
    expect(s.x).toEqual([-1, 0, 1, 2]);
    expect(s.dy).toEqual([0.1, 0.1, 0.2, 0.2]);
    expect(s.residuals).toEqual([-1, 1, 0.5, -0.5]);
    expect(s.dropped).toBe(0);
  });

  it("leaves out and counts points a log axis cannot show", () => {
    const s = fitSeries(model, 0, { logX: true, logY: true });
    expect(s.x).toEqual([1, 2]);
    expect(s.dropped).toBe(2);
    expect(s.curveX).toEqual([1, 2]);
    const y = fitSeries(model, 0, { logX: false, logY: true });
    expect(y.curveY).toEqual([null, 0.6, 2.1, 3.9]);
  });

  it("plots against the point index when x is not 1-D", () => {
    const s = fitSeries({ ...model, x: null, curve: null }, 0, { logX: false, logY: false });
    expect(s.x).toEqual([0, 1, 2, 3]);
    expect(s.curveY).toEqual([-1.1, 0.6, 2.1, 3.9]);
  });
});

describe("formatting values with uncertainties", () => {
  it("rounds the value to the uncertainty's second significant digit", () => {
    expect(formatWithUncertainty(1.99594, 0.012345)).toBe("1.996 ± 0.012");
    expect(formatWithUncertainty(123.456, 2.5)).toBe("123.5 ± 2.5");
    expect(formatWithUncertainty(0.0023456, 0.0000123)).toBe("0.002346 ± 0.000012");
    expect(formatWithUncertainty(2.5, null)).toBe("2.5");
    expect(formatWithUncertainty(2.5, Number.NaN)).toBe("2.5 ± ?");
  });

  it("switches to exponents for very large or small numbers", () => {
    expect(formatWithUncertainty(2.5e9, 1.2e7)).toMatch(/e\+9 ± 1\.2e\+7$/);
    expect(formatSignificant(1.23456789e-7, 3)).toBe("1.23e-7");
    expect(formatSignificant(1234.5678, 6)).toBe("1234.57");
  });
});

describe("bundle checks", () => {
  it("accepts a version-1 fit bundle and names what is wrong with a bad one", () => {
    const bundle = {
      version: 1,
      method: "lm",
      parameters: [{ name: "m", value: 2, stderr: 0.1, lower: 0, upper: 4 }],
      models: [model],
    };
    expect(checkFitBundle(bundle).ok).toBe(true);
    expect(checkFitBundle({ ...bundle, version: 3 })).toEqual({ ok: false, error: expect.stringMatching(/version 3/) });
    expect(checkFitBundle({ ...bundle, models: [{ ...model, x: [1, 2] }] })).toEqual({
      ok: false,
      error: expect.stringMatching(/x has 2 points but y has 4/),
    });
    expect(checkFitBundle("nope")).toEqual({ ok: false, error: expect.stringMatching(/not a JSON object/) });
  });

  it("accepts a version-2 fit bundle with bands and names a band of the wrong shape", () => {
    const banded = { ...model, curve: { ...model.curve!, bands } };
    const bundle = { version: 2, method: "dream", parameters: [{ name: "m", value: 2, stderr: 0.1 }], models: [banded] };
    expect(checkFitBundle(bundle).ok).toBe(true);
    const short = { ...banded, curve: { ...banded.curve, bands: { ...bands, upper95: [[1, 2]] } } };
    expect(checkFitBundle({ ...bundle, models: [short] })).toEqual({
      ok: false,
      error: "models[0].curve.bands: upper95 rows must be number arrays as long as curve.x",
    });
  });

  it("checks that every MCMC draw has one value per label", () => {
    const bundle = {
      version: 1,
      labels: ["a", "b"],
      points: [[[1, 2]], [[1, 3]]],
      logp: [[-1], [-2]],
      stats: [{}, {}],
      diagnostics: {},
      generationLogp: [],
      generationIndex: [],
      warnings: [],
    };
    expect(checkMcmcBundle(bundle).ok).toBe(true);
    expect(checkMcmcBundle({ ...bundle, points: [[[1]], [[1, 3]]] })).toEqual({
      ok: false,
      error: "points[0][0] must hold 2 values (one per label)",
    });
  });
});
