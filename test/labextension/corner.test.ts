import { describe, expect, it } from "vitest";
import {
  binCentres,
  checkCornerSelection,
  contrastRatio,
  cornerColorscale,
  cornerSide,
  cornerTickCount,
  defaultCornerSelection,
  gridDomain,
  heatmapRows,
  histogram2d,
  MAX_CORNER_PARAMETERS,
  MAX_CORNER_SIDE,
  MIN_CORNER_SIDE,
  parameterDraws,
} from "../../labextension/src/transforms/corner.js";

describe("corner plot data", () => {
  it("flattens one parameter's draws over draws and chains", () => {
    // points[t][c][p]
    const points = [
      [
        [1, 10],
        [2, 20],
      ],
      [
        [3, 30],
        [4, 40],
      ],
    ];
    expect(Array.from(parameterDraws(points, 0))).toEqual([1, 2, 3, 4]);
    expect(Array.from(parameterDraws(points, 1))).toEqual([10, 20, 30, 40]);
  });

  it("bins pairs into a 2-D histogram that conserves the number of draws", () => {
    const xs = new Float64Array([0, 0.1, 0.9, 1, 0.5, 0.5]);
    const ys = new Float64Array([0, 0.2, 0.8, 1, 0.5, 0.6]);
    const h = histogram2d(xs, ys, 2, 2);
    expect(Array.from(h.counts).reduce((a, b) => a + b, 0)).toBe(6);
    // (0,0) and (0.1,0.2) in the lower-left bin; (0.9,0.8), (1,1), (0.5,0.5), (0.5,0.6) in the upper-right.
    expect(h.counts[0]).toBe(2);
    expect(h.counts[3]).toBe(4);
    expect(binCentres(h.xEdges)).toEqual([0.25, 0.75]);
    const rows = heatmapRows(h);
    expect(rows).toEqual([
      [2, null],
      [null, 4],
    ]);
  });

  it("keeps correlated draws on the diagonal", () => {
    const n = 5000;
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      xs[i] = i / n;
      ys[i] = i / n;
    }
    const h = histogram2d(xs, ys, 10, 10);
    let diagonal = 0;
    for (let i = 0; i < 10; i++) diagonal += h.counts[i * 10 + i];
    expect(diagonal).toBe(n);
  });

  it("rejects mismatched arrays", () => {
    expect(() => histogram2d(new Float64Array(2), new Float64Array(3), 2, 2)).toThrow(/same length/);
  });

  it("lays out a k × k grid inside [0, 1] without overlaps", () => {
    for (const k of [1, 3, 12]) {
      let previous = -1;
      for (let i = 0; i < k; i++) {
        const [a, b] = gridDomain(i, k);
        expect(a).toBeGreaterThan(previous);
        expect(b).toBeGreaterThan(a);
        previous = b;
      }
      expect(previous).toBeCloseTo(1, 12);
    }
  });

  it("chooses at most 12 parameters and explains a bad choice", () => {
    expect(defaultCornerSelection(20, 20)).toHaveLength(MAX_CORNER_PARAMETERS);
    expect(defaultCornerSelection(3)).toEqual([0, 1, 2]);
    expect(checkCornerSelection([0, 1], 3)).toBeNull();
    expect(checkCornerSelection([], 3)).toMatch(/at least one/);
    expect(checkCornerSelection([0, 5], 3)).toMatch(/out of range/);
    expect(checkCornerSelection([1, 1], 3)).toMatch(/twice/);
    expect(
      checkCornerSelection(
        Array.from({ length: 13 }, (_, i) => i),
        20,
      ),
    ).toMatch(/at most 12/);
  });
});

describe("corner plot size and colours", () => {
  it("is as wide as the output allows, up to what its panels need", () => {
    // Two parameters in a 1000 px output: 600 px, not the 320 px minimum.
    expect(cornerSide(2, 1000)).toBe(600);
    expect(cornerSide(2, 450)).toBe(450);
    expect(cornerSide(12, 2000)).toBe(MAX_CORNER_SIDE);
    expect(cornerSide(2, 100)).toBe(MIN_CORNER_SIDE);
    // Unknown width (not yet in the DOM): what the panels need.
    expect(cornerSide(2, 0)).toBe(600);
  });

  it("gives each axis as many ticks as fit without touching", () => {
    expect(cornerTickCount(100)).toBe(2);
    expect(cornerTickCount(257)).toBe(3);
    expect(cornerTickCount(1000)).toBe(6);
  });

  it("draws low densities apart from the background in both themes", () => {
    // JupyterLab's --jp-layout-color0 in the Light and Dark themes.
    for (const [light, background] of [
      [true, "#ffffff"],
      [false, "#111111"],
    ] as const) {
      const scale = cornerColorscale(light);
      expect(scale[0][0]).toBe(0);
      expect(scale.at(-1)![0]).toBe(1);
      expect(contrastRatio(scale[0][1], background)!).toBeGreaterThanOrEqual(1.5);
      // The densest bins stand out most.
      expect(contrastRatio(scale.at(-1)![1], background)!).toBeGreaterThanOrEqual(7);
      const contrasts = scale.map(([, c]) => contrastRatio(c, background)!);
      expect([...contrasts].sort((a, b) => a - b)).toEqual(contrasts);
    }
  });

  it("computes WCAG contrast ratios", () => {
    expect(contrastRatio("#000", "#fff")).toBeCloseTo(21, 5);
    expect(contrastRatio("rgb(17, 17, 17)", "#111111")).toBeCloseTo(1, 10);
    expect(contrastRatio("var(--x)", "#fff")).toBeNull();
  });
});
