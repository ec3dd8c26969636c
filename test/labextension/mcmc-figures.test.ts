import { describe, expect, it } from "vitest";
import type { McmcBundle } from "../../schema/mcmc.js";
import { cornerFigure, logpFigure, marginalFigure, POINT_BUDGET, traceFigure } from "../../labextension/src/renderers/mcmc-figures.js";
import { largeMcmcBundle } from "../browser/notebook-fixtures.js";

const bundle = largeMcmcBundle(20, 10_000, ["a", "b", "c"]) as unknown as McmcBundle;

function points(figure: { data: Record<string, unknown>[] }): number {
  return figure.data.reduce((n, trace) => n + ((trace.x as unknown[] | undefined)?.length ?? 0), 0);
}

describe("MCMC figures", () => {
  it("draw every chain of every parameter within the point budget, burn-in shaded", () => {
    const traces = traceFigure(bundle);
    expect(traces.data).toHaveLength(3 * 20);
    expect(points(traces)).toBeLessThanOrEqual(POINT_BUDGET);
    expect(points(traces)).toBeGreaterThan(3 * 20 * 64);
    const shapes = traces.layout.shapes as { x0: number; x1: number }[];
    expect(shapes).toHaveLength(3);
    expect(shapes[0]).toMatchObject({ x0: 0, x1: 1000 });
    // Kept draws are placed at their generations: after burn-in, up to the last generation.
    const x = traces.data[0].x as number[];
    expect(Math.min(...x)).toBeGreaterThanOrEqual(1001);
    expect(Math.max(...x)).toBeLessThanOrEqual(11_000);
    expect(Math.max(...x)).toBeGreaterThan(10_900);
  });

  it("mark the 68% interval, the 95% interval and the median on each marginal", () => {
    const marginals = marginalFigure(bundle);
    expect(marginals.data).toHaveLength(3);
    const shapes = marginals.layout.shapes as { type: string; x0: number; x1: number }[];
    // Per parameter: the 68% band, two 95% lines, the median line.
    expect(shapes).toHaveLength(3 * 4);
    const s = bundle.stats[1];
    expect(shapes[4]).toMatchObject({ type: "rect", x0: s.p68[0], x1: s.p68[1] });
    expect(shapes[7]).toMatchObject({ type: "line", x0: s.median, x1: s.median });
  });

  it("lay out k(k+1)/2 corner panels for the chosen parameters", () => {
    const corner = cornerFigure(bundle, [0, 2]);
    expect(corner.data.map((t) => t.meta)).toEqual(["corner-diagonal", "corner-pair", "corner-diagonal"]);
    const all = cornerFigure(bundle, [0, 1, 2]);
    expect(all.data).toHaveLength(6);
  });

  it("draw the log-posterior per chain by generation", () => {
    const logp = logpFigure(bundle);
    expect(logp.data).toHaveLength(20);
    expect(points(logp)).toBeLessThanOrEqual(POINT_BUDGET);
  });
});
