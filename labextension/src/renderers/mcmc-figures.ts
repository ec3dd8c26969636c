import type { McmcBundle } from "../../../schema/mcmc.js";
import type { Figure } from "../plot/plot-host.js";
import type { PlotTrace } from "../plot/plotly-types.js";
import {
  binCentres,
  cornerColorscale,
  cornerHistogramColor,
  cornerSide,
  cornerTickCount,
  gridDomain,
  heatmapRows,
  histogram2d,
  parameterDraws,
} from "../transforms/corner.js";
import { minMaxDecimate, perChainBudget } from "../transforms/decimate.js";
import { binCount, histogram, sortedFinite, type Histogram } from "../transforms/intervals.js";
import { keptGenerationRange, keptLogpGenerations, keptLogpRange } from "../transforms/mcmc-axes.js";

/** Points drawn at most per tab, over all traces: keeps 20 chains × 10,000 draws responsive. */
export const POINT_BUDGET = 40_000;

const SHADE = "rgba(128,128,128,0.18)";

function values(column: ArrayLike<number>): number[] {
  return Array.from(column);
}

/** The bars of histogram `h` with heights `heights` (one per bin), on the axes numbered `axis` (`""` for the first). */
function histogramBars(h: Histogram, heights: ArrayLike<number>, axis: string): PlotTrace {
  return {
    type: "bar",
    x: binCentres(h.edges),
    y: values(heights),
    width: h.edges[1] - h.edges[0],
    xaxis: `x${axis}`,
    yaxis: `y${axis}`,
  };
}

/** One draw's values of chain `c` for parameter `p` over kept draws (`points[t][c][p]`). */
function chainColumn(bundle: McmcBundle, c: number, p: number): Float64Array {
  const out = new Float64Array(bundle.points.length);
  for (let t = 0; t < bundle.points.length; t++) out[t] = bundle.points[t][c]?.[p] ?? NaN;
  return out;
}

/**
 * Traces per parameter (one row each), every chain overlaid, decimated. The x axis spans the kept
 * draws only (the bundle holds no burn-in draws, and an empty burn-in span would take most of the
 * axis); a line and a note at its left edge mark where burn-in ended.
 */
export function traceFigure(bundle: McmcBundle): Figure {
  const k = bundle.labels.length;
  const chains = bundle.points[0]?.length ?? 0;
  const budget = perChainBudget(chains * Math.max(1, k), POINT_BUDGET);
  // Generation of kept draw t: burn-in, then every thin-th generation, subsampled by displayStride.
  const step = bundle.thin * bundle.displayStride;
  const data: PlotTrace[] = [];
  const layout: Record<string, unknown> = {
    uirevision: "traces",
    height: Math.max(260, 150 * k),
    margin: { l: 70, r: 16, t: bundle.burn > 0 ? 24 : 16, b: 40 },
    showlegend: false,
    hovermode: false,
    shapes: [] as unknown[],
    annotations: [] as unknown[],
  };
  const range = keptGenerationRange(bundle.burn, bundle.thin, bundle.displayStride, bundle.points.length);
  for (let p = 0; p < k; p++) {
    const axis = p === 0 ? "" : String(p + 1);
    const [lo, hi] = gridDomain(k - 1 - p, k, 0.04);
    layout[`yaxis${axis}`] = { domain: [lo, hi], title: { text: bundle.labels[p], font: { size: 11 } } };
    layout[`xaxis${axis}`] = {
      anchor: `y${axis}`,
      matches: p === 0 ? undefined : "x",
      range,
      showticklabels: p === k - 1,
      title: p === k - 1 ? { text: "generation" } : undefined,
    };
    for (let c = 0; c < chains; c++) {
      const s = minMaxDecimate(chainColumn(bundle, c, p), budget, step, bundle.burn + step);
      data.push({
        type: "scatter",
        mode: "lines",
        x: values(s.x),
        y: values(s.y),
        xaxis: `x${axis}`,
        yaxis: `y${axis}`,
        line: { width: 0.8 },
        opacity: 0.7,
        hoverinfo: "skip",
      });
    }
    if (bundle.burn > 0) {
      (layout.shapes as unknown[]).push({
        type: "line",
        xref: `x${axis}`,
        yref: `y${axis} domain`,
        x0: bundle.burn,
        x1: bundle.burn,
        y0: 0,
        y1: 1,
        line: { width: 2, dash: "dot", color: "rgba(128,128,128,0.8)" },
        meta: "burn-in-end",
      });
    }
  }
  if (bundle.burn > 0) {
    (layout.annotations as unknown[]).push({
      xref: "paper",
      yref: "paper",
      x: 0,
      y: 1,
      xanchor: "left",
      yanchor: "bottom",
      showarrow: false,
      font: { size: 10 },
      text: `burn-in: ${bundle.burn} generations before these draws (not kept)`,
      meta: "burn-in-note",
    });
  }
  return { data, layout };
}

/** Marginal histograms, the 68% interval shaded and the 95% interval and median marked. */
export function marginalFigure(bundle: McmcBundle): Figure {
  const k = bundle.labels.length;
  const cols = Math.min(k, 3);
  const rows = Math.ceil(k / cols);
  const data: PlotTrace[] = [];
  const shapes: unknown[] = [];
  const layout: Record<string, unknown> = {
    height: Math.max(260, 220 * rows),
    margin: { l: 50, r: 16, t: 28, b: 40 },
    showlegend: false,
    bargap: 0,
    shapes,
    annotations: [] as unknown[],
  };
  for (let p = 0; p < k; p++) {
    const axis = p === 0 ? "" : String(p + 1);
    const col = p % cols;
    const row = Math.floor(p / cols);
    layout[`xaxis${axis}`] = {
      domain: gridDomain(col, cols, 0.06),
      anchor: `y${axis}`,
      title: { text: bundle.labels[p], font: { size: 11 } },
    };
    layout[`yaxis${axis}`] = { domain: gridDomain(rows - 1 - row, rows, 0.12), anchor: `x${axis}`, showticklabels: false };
    const draws = parameterDraws(bundle.points, p);
    const h = histogram(draws, binCount(sortedFinite(draws)));
    data.push({
      ...histogramBars(h, h.density, axis),
      name: bundle.labels[p],
      hovertemplate: "%{x:.4g}: %{y:.3g}<extra></extra>",
    });
    const s = bundle.stats[p];
    const xref = `x${axis}`;
    const yref = `y${axis} domain`;
    shapes.push({
      type: "rect",
      xref,
      yref,
      x0: s.p68[0],
      x1: s.p68[1],
      y0: 0,
      y1: 1,
      fillcolor: SHADE,
      line: { width: 0 },
      layer: "below",
    });
    for (const x of s.p95) shapes.push({ type: "line", xref, yref, x0: x, x1: x, y0: 0, y1: 1, line: { dash: "dot", width: 1 } });
    shapes.push({ type: "line", xref, yref, x0: s.median, x1: s.median, y0: 0, y1: 1, line: { width: 1.5 } });
  }
  return { data, layout };
}

/** How a corner figure is drawn: for which theme and in how wide an output. */
export interface CornerOptions {
  /** True for a light theme: the 2-D density colorscale follows the theme (see `cornerColorscale`). */
  light: boolean;
  /** Width in pixels of the output area the figure must fit. */
  available: number;
}

/**
 * Corner plot of the chosen parameters: histograms on the diagonal, 2-D histograms below it. The
 * figure is a square sized to the output, with as many ticks per axis as its panels have room for.
 */
export function cornerFigure(bundle: McmcBundle, selection: readonly number[], options: CornerOptions): Figure {
  const k = selection.length;
  const draws = selection.map((p) => parameterDraws(bundle.points, p));
  const data: PlotTrace[] = [];
  const side = cornerSide(k, options.available);
  const margin = { l: 70, r: 16, t: 16, b: 60 };
  const panel = (side - margin.l - margin.r) / Math.max(1, k);
  const nticks = cornerTickCount(panel);
  const colorscale = cornerColorscale(options.light);
  const color = cornerHistogramColor(options.light);
  const layout: Record<string, unknown> = { height: side, width: side, margin, showlegend: false, bargap: 0 };
  const bins = k > 6 ? 24 : 32;
  const font = { size: k > 4 ? 9 : 11 };
  let n = 0;
  for (let row = 0; row < k; row++) {
    for (let col = 0; col <= row; col++) {
      n++;
      const axis = n === 1 ? "" : String(n);
      layout[`xaxis${axis}`] = {
        domain: gridDomain(col, k),
        anchor: `y${axis}`,
        nticks,
        tickangle: 0,
        showticklabels: row === k - 1,
        title: row === k - 1 ? { text: bundle.labels[selection[col]], font } : undefined,
        tickfont: font,
      };
      layout[`yaxis${axis}`] = {
        domain: gridDomain(k - 1 - row, k),
        anchor: `x${axis}`,
        nticks,
        showticklabels: col === 0 && row > 0,
        title: col === 0 && row > 0 ? { text: bundle.labels[selection[row]], font } : undefined,
        tickfont: font,
      };
      if (row === col) {
        const h = histogram(draws[col], bins);
        data.push({
          ...histogramBars(h, h.counts, axis),
          marker: { color },
          hoverinfo: "skip",
          meta: "corner-diagonal",
        });
      } else {
        const h = histogram2d(draws[col], draws[row], bins, bins);
        data.push({
          type: "heatmap",
          x: binCentres(h.xEdges),
          y: binCentres(h.yEdges),
          z: heatmapRows(h),
          xaxis: `x${axis}`,
          yaxis: `y${axis}`,
          showscale: false,
          colorscale,
          hoverinfo: "skip",
          meta: "corner-pair",
        });
      }
    }
  }
  return { data, layout };
}

/**
 * Log-posterior per chain by generation. By default the axes show the kept generations only:
 * burn-in starts far below (often thousands of units) and would flatten the sampled part into a
 * line. With `showBurnIn`, the whole run is drawn with burn-in shaded.
 */
export function logpFigure(bundle: McmcBundle, showBurnIn = false): Figure {
  const chains = bundle.generationLogp[0]?.length ?? 0;
  const budget = perChainBudget(chains, POINT_BUDGET);
  const data: PlotTrace[] = [];
  const gens = bundle.generationIndex;
  for (let c = 0; c < chains; c++) {
    const column = new Float64Array(bundle.generationLogp.length);
    for (let g = 0; g < column.length; g++) column[g] = bundle.generationLogp[g][c] ?? NaN;
    const s = minMaxDecimate(column, budget);
    data.push({
      type: "scatter",
      mode: "lines",
      x: Array.from(s.x, (i) => gens[i] ?? i),
      y: values(s.y),
      line: { width: 0.8 },
      opacity: 0.7,
      hoverinfo: "skip",
    });
  }
  const keptX = showBurnIn ? null : keptLogpGenerations(gens, bundle.burn);
  const keptY = showBurnIn ? null : keptLogpRange(bundle.generationLogp, gens, bundle.burn);
  const shapes =
    showBurnIn && bundle.burn > 0
      ? [
          {
            type: "rect",
            xref: "x",
            yref: "y domain",
            x0: 0,
            x1: bundle.burn,
            y0: 0,
            y1: 1,
            fillcolor: SHADE,
            line: { width: 0 },
            layer: "below",
          },
        ]
      : [];
  return {
    data,
    layout: {
      // A new view (burn-in shown or not) starts from its own ranges, not the user's last zoom.
      uirevision: `logp-${showBurnIn}`,
      height: 320,
      margin: { l: 70, r: 16, t: 16, b: 44 },
      showlegend: false,
      hovermode: false,
      xaxis:
        keptX === null ? { title: { text: "generation" }, autorange: true } : { title: { text: "generation" }, range: keptX },
      yaxis:
        keptY === null
          ? { title: { text: "log posterior" }, autorange: true }
          : { title: { text: "log posterior" }, range: keptY },
      shapes,
    },
  };
}
