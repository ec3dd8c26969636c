import type { FitBundleModel } from "../../../schema/fit.js";
import type { Figure } from "../plot/plot-host.js";
import type { PlotTrace } from "../plot/plotly-types.js";
import type { PlotTheme } from "../plot/theme.js";
import { parseColor } from "../transforms/corner.js";
import { fitSeries, type FitScales, type FitSeries } from "../transforms/fit-series.js";
import { legendAbove } from "../transforms/legend.js";

/** Height of a model's figure, in pixels (data and residual panels together). */
export const FIT_FIGURE_HEIGHT = 420;

/** Opacity of the 95% band's fill; the 68% band is drawn over it with {@link BAND68_ALPHA}, so it shows darker. */
const BAND95_ALPHA = 0.2;
const BAND68_ALPHA = 0.3;

/** `color` made translucent, or undefined when it is not a colour we can read (plotly's default fill then). */
function translucent(color: string | undefined, alpha: number): string | undefined {
  const rgb = color === undefined ? null : parseColor(color);
  return rgb === null ? undefined : `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})`;
}

/**
 * The model's 95% and 68% bands as filled areas (each an upper edge, then its lower edge filled up
 * to it), in the model's colour, drawn before the model so that the best curve lies on top.
 */
function bandTraces(s: FitSeries, suffix: string, group: string, color: string | undefined): PlotTrace[] {
  const bands = s.bands;
  if (bands === null) return [];
  const edge = (level: "68" | "95", side: "upper" | "lower", alpha: number): PlotTrace => {
    const fill = translucent(color, alpha);
    return {
      type: "scatter",
      mode: "lines",
      name: `${level}% band${suffix}`,
      legendgroup: group,
      showlegend: side === "lower",
      x: s.curveX,
      y: bands[`${side}${level}`],
      line: { width: 0, ...(fill !== undefined ? { color: fill } : {}) },
      ...(side === "lower" ? { fill: "tonexty", ...(fill !== undefined ? { fillcolor: fill } : {}) } : {}),
      connectgaps: false,
      hoverinfo: side === "upper" ? "skip" : "x+y",
      meta: `band${level}-${side}`,
    };
  };
  return [
    edge("95", "upper", BAND95_ALPHA),
    edge("95", "lower", BAND95_ALPHA),
    edge("68", "upper", BAND68_ALPHA),
    edge("68", "lower", BAND68_ALPHA),
  ];
}

/**
 * Builds the figure of one model: data with error bars, the model's uncertainty bands (from a
 * sampler's draws, when the bundle has them) and the model curve above, residuals below. With a
 * theme, traces take the theme's colours by their place among data, model and residuals, so that
 * a band takes its model's colour and adding bands changes no other colour.
 */
export function fitFigure(model: FitBundleModel, scales: FitScales, theme?: PlotTheme): { figure: Figure; dropped: number } {
  const data: PlotTrace[] = [];
  let dropped = 0;
  const responses = model.y.length;
  const colorOf = (index: number): string | undefined =>
    theme === undefined || theme.colorway.length === 0 ? undefined : theme.colorway[index % theme.colorway.length];
  const colored = (index: number): { color?: string } => {
    const color = colorOf(index);
    return color === undefined ? {} : { color };
  };
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
      error_y: { type: "data", array: s.dy, visible: true, thickness: 1, ...colored(3 * r) },
      marker: { size: 6, ...colored(3 * r) },
      meta: "data",
    });
    data.push(...bandTraces(s, suffix, group, colorOf(3 * r + 1)));
    data.push({
      type: "scatter",
      mode: "lines",
      name: `model${suffix}`,
      legendgroup: group,
      x: s.curveX,
      y: s.curveY,
      connectgaps: false,
      ...(colorOf(3 * r + 1) !== undefined ? { line: colored(3 * r + 1) } : {}),
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
      marker: { size: 5, ...colored(3 * r + 2) },
      meta: "residuals",
    });
  }
  const placement = legendAbove(1);
  const layout = {
    // Live updates (Plotly.react) keep the user's zoom; a new axis scale starts afresh.
    uirevision: `${scales.logX}-${scales.logY}`,
    height: FIT_FIGURE_HEIGHT,
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
