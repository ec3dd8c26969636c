import { describe, expect, it } from "vitest";
import {
  binCount,
  centralInterval,
  histogram,
  quantileSorted,
  sortedFinite,
} from "../../labextension/src/transforms/intervals.js";
import { Random } from "../../fit/random.js";

describe("quantiles and central intervals", () => {
  it("interpolates between order statistics like numpy (type 7)", () => {
    const sorted = sortedFinite([4, 1, 3, 2, NaN, 5]);
    expect(Array.from(sorted)).toEqual([1, 2, 3, 4, 5]);
    expect(quantileSorted(sorted, 0)).toBe(1);
    expect(quantileSorted(sorted, 0.5)).toBe(3);
    expect(quantileSorted(sorted, 0.1)).toBeCloseTo(1.4, 12);
    expect(quantileSorted(sorted, 1)).toBe(5);
  });

  it("gives the 68% and 95% intervals of a normal sample", () => {
    const rng = new Random(7);
    const n = 200_000;
    const draws = new Float64Array(n);
    for (let i = 0; i < n; i++) draws[i] = 2 + 0.5 * rng.normal();
    const sorted = sortedFinite(draws);
    const [lo68, hi68] = centralInterval(sorted, 0.6827);
    const [lo95, hi95] = centralInterval(sorted, 0.95);
    expect(lo68).toBeCloseTo(1.5, 1);
    expect(hi68).toBeCloseTo(2.5, 1);
    expect(lo95).toBeCloseTo(2 - 1.96 * 0.5, 1);
    expect(hi95).toBeCloseTo(2 + 1.96 * 0.5, 1);
  });

  it("rejects levels and quantiles outside their ranges", () => {
    expect(() => centralInterval(new Float64Array([1]), 1.2)).toThrow(/level/);
    expect(() => quantileSorted(new Float64Array([1]), -0.1)).toThrow(/quantile/);
  });
});

describe("histogram", () => {
  it("counts every finite draw once, the maximum in the last bin, and the density integrates to 1", () => {
    const h = histogram([0, 0.5, 1, 1, 2, NaN, 4], 4);
    expect(Array.from(h.edges)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(h.counts)).toEqual([2, 2, 1, 1]);
    const area = Array.from(h.density).reduce((sum, d) => sum + d * 1, 0);
    expect(area).toBeCloseTo(1, 12);
  });

  it("draws a constant parameter as one visible bin", () => {
    const h = histogram([3, 3, 3], 5);
    expect(h.edges[0]).toBeLessThan(3);
    expect(h.edges[5]).toBeGreaterThan(3);
    expect(Array.from(h.counts).reduce((a, b) => a + b, 0)).toBe(3);
  });

  it("picks a Freedman–Diaconis bin count within bounds", () => {
    const sorted = sortedFinite(Array.from({ length: 1000 }, (_, i) => i));
    const bins = binCount(sorted);
    expect(bins).toBeGreaterThanOrEqual(5);
    expect(bins).toBeLessThanOrEqual(80);
    // range 999, IQR 499.5, n^(1/3) = 10: about 10 bins.
    expect(bins).toBe(10);
  });
});
