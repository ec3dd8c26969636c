/**
 * Where a figure's legend goes. Plotly's default puts it inside the plot area's top right corner,
 * where fitted curves usually end and data usually sits; a legend there hides what the plot is
 * for. It goes above the plot area instead, in the top margin reserved for it.
 */

/** Height in pixels of one row of a horizontal legend at an 11 px font, with its padding. */
export const LEGEND_ROW_PX = 22;

/** Plotly legend settings: horizontal, right-aligned, its bottom edge on the top of the plot area. */
export interface LegendPlacement {
  orientation: "h";
  x: number;
  xanchor: "right";
  y: number;
  yanchor: "bottom";
  /** "normal": one row even when traces share a legend group (grouped entries would stack). */
  traceorder: "normal";
  bgcolor: string;
}

/**
 * A legend above the plot area, whose top (in paper coordinates) is `plotTop` (1 when the top
 * subplot reaches the top of the plotting region); `marginTop` is the top margin that holds one
 * row of legend (a title, left-aligned, shares that row).
 */
export function legendAbove(plotTop = 1): { legend: LegendPlacement; marginTop: number } {
  return {
    legend: {
      orientation: "h",
      x: 1,
      xanchor: "right",
      y: plotTop,
      yanchor: "bottom",
      traceorder: "normal",
      bgcolor: "rgba(0,0,0,0)",
    },
    marginTop: LEGEND_ROW_PX + 10,
  };
}

/**
 * True when a legend placed as `legend` lies outside the vertical span `[domainLow, domainHigh]`
 * (paper coordinates) of the plot area: above it with its bottom edge on or over its top edge, or
 * below it with its top edge under its bottom.
 */
export function legendOutsidePlot(legend: { y?: number; yanchor?: string }, domainHigh: number, domainLow = 0): boolean {
  if (legend.y === undefined) return false;
  if (legend.yanchor === "bottom") return legend.y >= domainHigh;
  if (legend.yanchor === "top") return legend.y <= domainLow;
  return false;
}
