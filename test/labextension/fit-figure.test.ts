import { describe, expect, it } from "vitest";
import type { FitBundleModel } from "../../schema/fit.js";
import { fitFigure } from "../../labextension/src/renderers/fit-figure.js";
import { legendAbove, legendOutsidePlot } from "../../labextension/src/transforms/legend.js";

const model: FitBundleModel = {
  name: "line",
  kind: "curve",
  x: [1, 2, 3, 4],
  y: [[2, 4, 6, 8]],
  dy: [[0.1, 0.1, 0.1, 0.1]],
  fx: [[2, 4, 6, 8]],
  residuals: [[0, 0, 0, 0]],
  curve: { x: [1, 2.5, 4], y: [[2, 5, 8]] },
  hasUncertainties: true,
};

describe("fit figure", () => {
  it("puts the legend above the data area, where no point or curve can be", () => {
    const { figure } = fitFigure(model, { logX: false, logY: false });
    const layout = figure.layout as {
      legend: { y?: number; yanchor?: string; x?: number; xanchor?: string };
      yaxis: { domain: [number, number] };
      margin: { t: number };
    };
    expect(legendOutsidePlot(layout.legend, layout.yaxis.domain[1], layout.yaxis.domain[0])).toBe(true);
    // The top margin holds the legend's row.
    expect(layout.margin.t).toBeGreaterThanOrEqual(legendAbove().marginTop);
    // One row: entries of a legend group would otherwise stack into a taller box.
    expect(layout.legend).toMatchObject({ orientation: "h", xanchor: "right", x: 1, traceorder: "normal" });
  });

  it("titles the panel with the model's name", () => {
    const { figure } = fitFigure(model, { logX: false, logY: false });
    expect((figure.layout as { title: { text: string } }).title.text).toBe("line");
  });
});

describe("legend placement", () => {
  it("is outside the plot area only when anchored beyond its edge", () => {
    expect(legendOutsidePlot({ y: 1, yanchor: "bottom" }, 1)).toBe(true);
    expect(legendOutsidePlot({ y: 1.08 }, 1)).toBe(false); // plotly's "auto" anchor: inside for y > 2/3
    expect(legendOutsidePlot({ y: 1.08, yanchor: "top" }, 1)).toBe(false);
    expect(legendOutsidePlot({ y: -0.2, yanchor: "top" }, 1, 0)).toBe(true);
  });
});
