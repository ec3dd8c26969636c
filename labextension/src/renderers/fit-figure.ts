import type { FitBundleModel } from "../../../schema/fit.js";
import type { Figure } from "../plot/plot-host.js";
import type { PlotTrace } from "../plot/plotly-types.js";
import { fitSeries, type FitScales } from "../transforms/fit-series.js";
import { legendAbove } from "../transforms/legend.js";

/** Builds the figure of one model: data with error bars and the model curve above, residuals below. */
export function fitFigure(model: FitBundleModel, scales: FitScales): { figure: Figure; dropped: number } {
  const data: PlotTrace[] = [];
  let dropped = 0;
  const responses = model.y.length;
  for (let r = 0; r < responses; r++) {
    const s = fitSeries(model, r, scales);
    dropped += s.dropped;
    const suffix = responses > 1 ? ` ${r + 1}` : "";
    const group = `response${r}`;
    data.push({
      type: "scatter",
      mode: "markers",
      name: `data${suffix}`,
      legendgroup: group,
      x: s.x,
      y: s.y,
      error_y: { type: "data", array: s.dy, visible: true, thickness: 1 },
      marker: { size: 6 },
      meta: "data",
    });
    data.push({
      type: "scatter",
      mode: "lines",
      name: `model${suffix}`,
      legendgroup: group,
      x: s.curveX,
      y: s.curveY,
      connectgaps: false,
      meta: "model",
    });
    data.push({
      type: "scatter",
      mode: "markers",
      name: `residuals${suffix}`,
      legendgroup: group,
      showlegend: false,
      x: s.x,
      y: s.residuals,
      xaxis: "x2",
      yaxis: "y2",
      marker: { size: 5 },
      meta: "residuals",
    });
  }
  const placement = legendAbove(1);
  const layout = {
    // Live updates (Plotly.react) keep the user's zoom; a new axis scale starts afresh.
    uirevision: `${scales.logX}-${scales.logY}`,
    height: 420,
    margin: { l: 60, r: 16, t: placement.marginTop, b: 44 },
    // The title sits left and the legend right on one row above the data, so neither hides a point.
    title: {
      text: model.name,
      font: { size: 13 },
      x: 0,
      xanchor: "left",
      xref: "paper",
      y: 1,
      yanchor: "bottom",
      yref: "paper",
      pad: { b: 4 },
    },
    showlegend: true,
    legend: placement.legend,
    xaxis: { type: scales.logX ? "log" : "linear", anchor: "y", showticklabels: false },
    yaxis: { type: scales.logY ? "log" : "linear", domain: [0.32, 1], title: { text: "y" } },
    xaxis2: {
      type: scales.logX ? "log" : "linear",
      anchor: "y2",
      matches: "x",
      title: { text: model.x === null ? "point" : "x" },
    },
    yaxis2: { domain: [0, 0.26], title: { text: "(f−y)/dy" }, zeroline: true },
  };
  return { figure: { data, layout }, dropped };
}
