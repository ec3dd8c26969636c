import { describe, expect, it } from "vitest";
import type { McmcBundle } from "../../schema/mcmc.js";
import {
  cornerFigure,
  logpFigure,
  marginalFigure,
  POINT_BUDGET,
  traceFigure,
} from "../../labextension/src/renderers/mcmc-figures.js";
import { contrastRatio, cornerColorscale, cornerSide } from "../../labextension/src/transforms/corner.js";
import { largeMcmcBundle } from "../browser/notebook-fixtures.js";

const bundle = largeMcmcBundle(20, 10_000, ["a", "b", "c"]) as unknown as McmcBundle;

function points(figure: { data: Record<string, unknown>[] }): number {
  return figure.data.reduce((n, trace) => n + ((trace.x as unknown[] | undefined)?.length ?? 0), 0);
}

describe("MCMC figures", () => {
  it("draw every chain of every parameter within the point budget, the axis on the kept draws, burn-in marked", () => {
    const traces = traceFigure(bundle);
    expect(traces.data).toHaveLength(3 * 20);
    expect(points(traces)).toBeLessThanOrEqual(POINT_BUDGET);
    expect(points(traces)).toBeGreaterThan(3 * 20 * 64);
    // The x axis starts where burn-in ended: no empty span for draws the bundle does not hold.
    for (const axis of ["xaxis", "xaxis2", "xaxis3"]) {
      expect((traces.layout[axis] as { range: number[] }).range).toEqual([1000, 11_000]);
    }
    const shapes = traces.layout.shapes as { type: string; x0: number; x1: number; meta: string }[];
    expect(shapes).toHaveLength(3);
    expect(shapes[0]).toMatchObject({ type: "line", x0: 1000, x1: 1000, meta: "burn-in-end" });
    const notes = traces.layout.annotations as { text: string }[];
    expect(notes.map((n) => n.text)).toEqual(["burn-in: 1000 generations before these draws (not kept)"]);
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
    const corner = cornerFigure(bundle, [0, 2], { light: true, available: 800 });
    expect(corner.data.map((t) => t.meta)).toEqual(["corner-diagonal", "corner-pair", "corner-diagonal"]);
    const all = cornerFigure(bundle, [0, 1, 2], { light: true, available: 800 });
    expect(all.data).toHaveLength(6);
  });

  it("size a two-parameter corner plot to the output, with few enough ticks to read", () => {
    const corner = cornerFigure(bundle, [0, 1], { light: true, available: 1000 });
    const layout = corner.layout as { width: number; height: number; margin: { l: number; r: number } } & Record<
      string,
      { nticks?: number }
    >;
    expect(layout.width).toBe(cornerSide(2, 1000));
    expect(layout.width).toBeGreaterThanOrEqual(560);
    expect(layout.height).toBe(layout.width);
    const panel = (layout.width - layout.margin.l - layout.margin.r) / 2;
    // At most one tick per 70 px of panel.
    expect(layout.xaxis3.nticks).toBeLessThanOrEqual(panel / 70);
    expect(layout.xaxis3.nticks).toBeGreaterThanOrEqual(2);
  });

  it("colour the corner densities for the theme, low densities apart from the background", () => {
    for (const [light, background] of [
      [true, "#ffffff"],
      [false, "#111111"],
    ] as const) {
      const corner = cornerFigure(bundle, [0, 1], { light, available: 800 });
      const pair = corner.data.find((t) => t.meta === "corner-pair") as { colorscale: [number, string][] };
      expect(pair.colorscale).toEqual(cornerColorscale(light));
      expect(contrastRatio(pair.colorscale[0][1], background)!).toBeGreaterThanOrEqual(1.5);
    }
  });

  it("draw the log-posterior per chain by generation", () => {
    const logp = logpFigure(bundle);
    expect(logp.data).toHaveLength(20);
    expect(points(logp)).toBeLessThanOrEqual(POINT_BUDGET);
  });

  it("scale the log-posterior to the kept draws, burn-in shown on request", () => {
    // A run whose burn-in starts at logp -5000 and settles near -2 by generation 1000.
    const withBurnIn = { ...bundle, burn: 1000 } as McmcBundle;
    const early = Array.from({ length: 100 }, (_, g) => Array.from({ length: 20 }, () => -5000 * (1 - g / 100) - 2));
    withBurnIn.generationLogp = [...early, ...bundle.generationLogp];
    withBurnIn.generationIndex = [...early.map((_, g) => g * 10), ...bundle.generationIndex];
    const kept = logpFigure(withBurnIn);
    const y = (kept.layout.yaxis as { range: [number, number] }).range;
    let lo = Infinity;
    for (const row of bundle.generationLogp) for (const v of row) lo = Math.min(lo, v);
    expect(y[0]).toBeLessThan(lo);
    expect(y[0]).toBeGreaterThan(lo - 2);
    expect(y[1]).toBeLessThanOrEqual(1);
    expect((kept.layout.xaxis as { range: number[] }).range).toEqual([1000, bundle.generationIndex.at(-1)]);
    const all = logpFigure(withBurnIn, true);
    expect((all.layout.yaxis as { autorange: boolean; range?: unknown }).range).toBeUndefined();
    expect((all.layout.shapes as { x1: number }[])[0]).toMatchObject({ x0: 0, x1: 1000 });
    expect(all.layout.uirevision).not.toBe(kept.layout.uirevision);
  });
});
