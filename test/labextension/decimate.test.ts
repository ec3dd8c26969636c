import { describe, expect, it } from "vitest";
import { minMaxDecimate, perChainBudget, strideFor } from "../../labextension/src/transforms/decimate.js";

describe("minMaxDecimate", () => {
  it("returns short series unchanged, with scaled abscissae", () => {
    const s = minMaxDecimate([3, 1, 2], 10, 5, 100);
    expect(Array.from(s.x)).toEqual([100, 105, 110]);
    expect(Array.from(s.y)).toEqual([3, 1, 2]);
  });

  it("keeps the extremes of every bucket, in order, within the budget", () => {
    const n = 10_000;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = Math.sin(i / 50);
    values[7_777] = 40; // a spike striding would likely miss
    values[1_234] = -40;
    const s = minMaxDecimate(values, 200);
    expect(s.y.length).toBeLessThanOrEqual(200);
    expect(Math.max(...s.y)).toBe(40);
    expect(Math.min(...s.y)).toBe(-40);
    expect(s.x[Array.from(s.y).indexOf(40)]).toBe(7_777);
    for (let i = 1; i < s.x.length; i++) expect(s.x[i]).toBeGreaterThan(s.x[i - 1]);
  });

  it("does not let a NaN hide a finite extreme", () => {
    const s = minMaxDecimate([NaN, 1, 9, 2, 0, 5, NaN, 3], 4);
    expect(Array.from(s.y).filter(Number.isFinite)).toContain(9);
  });

  it("refuses a budget below two points", () => {
    expect(() => minMaxDecimate([1, 2, 3], 1)).toThrow(/at least 2/);
  });

  it("keeps 20 chains × 10,000 draws of 10 parameters within the display budget", () => {
    const budget = perChainBudget(20 * 10, 40_000);
    expect(budget).toBe(200);
    const chain = new Float64Array(10_000).map((_, i) => Math.cos(i));
    expect(minMaxDecimate(chain, budget).x.length).toBe(200);
  });
});

describe("strideFor", () => {
  it("is 1 when the data fit and the smallest sufficient stride otherwise", () => {
    expect(strideFor(100, 100)).toBe(1);
    expect(strideFor(101, 100)).toBe(2);
    expect(strideFor(200_000, 10_000)).toBe(20);
  });
});
