import { describe, expect, it } from "vitest";
import { keptGenerationRange, keptLogpGenerations, keptLogpRange } from "../../labextension/src/transforms/mcmc-axes.js";

describe("MCMC axis ranges", () => {
  it("span the kept draws' generations, from the end of burn-in", () => {
    // 100 kept draws, every 2nd generation, subsampled every 5th for display, after 3000 of burn-in.
    expect(keptGenerationRange(3000, 2, 5, 100)).toEqual([3000, 3000 + 100 * 10]);
    expect(keptGenerationRange(0, 1, 1, 10)).toEqual([0, 10]);
  });

  it("scale the log-posterior to the generations after burn-in", () => {
    const index = [0, 10, 20, 30, 40];
    const logp = [
      [-5000, -4800],
      [-300, -250],
      [-12, -11],
      [-10.5, -11.5],
      [-10, -12],
    ];
    const range = keptLogpRange(logp, index, 20)!;
    // -12..-10 padded by 5% of the span.
    expect(range[0]).toBeCloseTo(-12.1, 10);
    expect(range[1]).toBeCloseTo(-9.9, 10);
    expect(keptLogpGenerations(index, 20)).toEqual([20, 40]);
  });

  it("ignore non-finite values and give null when nothing is left", () => {
    expect(keptLogpRange([[null, -Infinity]], [5], 0)).toBeNull();
    expect(keptLogpRange([[-1, -1]], [5], 10)).toBeNull();
    const flat = keptLogpRange([[-3, -3]], [5], 0)!;
    expect(flat[0]).toBeLessThan(-3);
    expect(flat[1]).toBeGreaterThan(-3);
    expect(keptLogpGenerations([0, 1], 5)).toBeNull();
  });
});
