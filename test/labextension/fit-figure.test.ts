import { describe, expect, it } from "vitest";
import type { FitBundleModel } from "../../schema/fit.js";
import { fitFigure } from "../../labextension/src/renderers/fit-figure.js";
import { legendAbove, legendOutsidePlot } from "../../labextension/src/transforms/legend.js";
import type { PlotTheme } from "../../labextension/src/plot/theme.js";

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

describe("fit figure with bands", () => {
  const bands = {
    draws: 300,
    lower68: [[1.9, 4.8, 7.7]],
    upper68: [[2.1, 5.2, 8.3]],
    lower95: [[1.8, 4.6, 7.4]],
    upper95: [[2.2, 5.4, 8.6]],
  };
  const banded: FitBundleModel = { ...model, curve: { ...model.curve!, bands } };
  const theme: PlotTheme = {
    light: true,
    background: "white",
    foreground: "black",
    grid: "#eee",
    fontFamily: "sans-serif",
    colorway: ["#111111", "#222222", "#333333"],
    shade: "#ccc",
  };

  it("draws the 95% and 68% bands as filled areas under the model curve, in the model's colour", () => {
    const data = fitFigure(banded, { logX: false, logY: false }, theme).figure.data as Record<string, unknown>[];
    expect(data.map((t) => t.meta)).toEqual([
      "data",
      "band95-upper",
      "band95-lower",
      "band68-upper",
      "band68-lower",
      "model",
      "residuals",
    ]);
    expect(data[2]).toMatchObject({ fill: "tonexty", fillcolor: "rgba(34, 34, 34, 0.2)", y: bands.lower95[0], showlegend: true });
    expect(data[4]).toMatchObject({ fill: "tonexty", fillcolor: "rgba(34, 34, 34, 0.3)", y: bands.lower68[0] });
    expect(data[5]).toMatchObject({ line: { color: "#222222" } });
    // Data and residuals keep the colours they have without bands.
    expect(data[0]).toMatchObject({ marker: { color: "#111111" } });
    expect(data[6]).toMatchObject({ marker: { color: "#333333" } });
  });

  it("draws a bundle without bands (version 1) as before: data, model, residuals", () => {
    const data = fitFigure(model, { logX: false, logY: false }, theme).figure.data as Record<string, unknown>[];
    expect(data.map((t) => t.meta)).toEqual(["data", "model", "residuals"]);
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
