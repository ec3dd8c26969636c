/**
 * Data for the corner plot (pairs of parameters; D. Foreman-Mackey, "corner.py: Scatterplot
 * matrices in Python", JOSS 2016, for the layout): each parameter's draws flattened over chains,
 * 2-D histograms of pairs binned here (a heatmap of counts is cheap to draw whatever the number
 * of draws, a scatter of 200,000 points is not), and the grid of subplot domains.
 */

/** The most parameters a corner plot shows at once (66 panels below the diagonal). */
export const MAX_CORNER_PARAMETERS = 12;

/**
 * All kept draws of parameter `p` as one array, chain after chain within each draw
 * (`points[t][c][p]`, the McmcBundle layout).
 */
export function parameterDraws(points: readonly (readonly (readonly number[])[])[], p: number): Float64Array {
  let n = 0;
  for (const row of points) n += row.length;
  const out = new Float64Array(n);
  let k = 0;
  for (const row of points) for (const draw of row) out[k++] = draw[p];
  return out;
}

/** A 2-D histogram: `counts[j * nx + i]` counts draws in x bin i and y bin j. */
export interface Histogram2d {
  nx: number;
  ny: number;
  xEdges: Float64Array;
  yEdges: Float64Array;
  counts: Float64Array;
}

function finiteRange(values: Float64Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) {
    const half = Math.abs(lo) * 1e-6 || 0.5;
    return [lo - half, hi + half];
  }
  return [lo, hi];
}

/** Bins the pairs `(xs[i], ys[i])` into `nx × ny` equal bins over their ranges. */
export function histogram2d(xs: Float64Array, ys: Float64Array, nx: number, ny: number): Histogram2d {
  if (xs.length !== ys.length) throw new RangeError(`x and y must have the same length (${xs.length} vs ${ys.length})`);
  if (!(nx >= 1 && ny >= 1)) throw new RangeError("bin counts must be positive");
  const [x0, x1] = finiteRange(xs);
  const [y0, y1] = finiteRange(ys);
  const wx = (x1 - x0) / nx;
  const wy = (y1 - y0) / ny;
  const xEdges = new Float64Array(nx + 1);
  const yEdges = new Float64Array(ny + 1);
  for (let i = 0; i <= nx; i++) xEdges[i] = x0 + i * wx;
  for (let j = 0; j <= ny; j++) yEdges[j] = y0 + j * wy;
  const counts = new Float64Array(nx * ny);
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k];
    const y = ys[k];
    if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1)) continue;
    const i = x === x1 ? nx - 1 : Math.floor((x - x0) / wx);
    const j = y === y1 ? ny - 1 : Math.floor((y - y0) / wy);
    counts[j * nx + i]++;
  }
  return { nx, ny, xEdges, yEdges, counts };
}

/** Centres of the bins between consecutive `edges`. */
export function binCentres(edges: Float64Array): number[] {
  const out = new Array<number>(edges.length - 1);
  for (let i = 0; i + 1 < edges.length; i++) out[i] = (edges[i] + edges[i + 1]) / 2;
  return out;
}

/** `counts` as rows (`z[j][i]`) for a plotly heatmap, with empty bins as null (transparent). */
export function heatmapRows(h: Histogram2d): (number | null)[][] {
  const z: (number | null)[][] = [];
  for (let j = 0; j < h.ny; j++) {
    const row = new Array<number | null>(h.nx);
    for (let i = 0; i < h.nx; i++) {
      const c = h.counts[j * h.nx + i];
      row[i] = c === 0 ? null : c;
    }
    z.push(row);
  }
  return z;
}

/** Domain `[start, end]` (fraction of the figure) of row/column `i` of a `k × k` grid. */
export function gridDomain(i: number, k: number, gap = 0.02): [number, number] {
  const size = (1 - gap * (k - 1)) / k;
  const start = i * (size + gap);
  return [start, start + size];
}

/**
 * The parameters a corner plot shows by default: the first `max` (≤ 12); the user can choose
 * others in the renderer.
 */
export function defaultCornerSelection(count: number, max = 6): number[] {
  const k = Math.min(count, max, MAX_CORNER_PARAMETERS);
  return Array.from({ length: k }, (_, i) => i);
}

/**
 * Checks a user's choice of corner parameters: indices within range, no duplicates, at most
 * {@link MAX_CORNER_PARAMETERS}; returns an error message or null.
 */
export function checkCornerSelection(selection: readonly number[], count: number): string | null {
  if (selection.length === 0) return "choose at least one parameter";
  if (selection.length > MAX_CORNER_PARAMETERS)
    return `choose at most ${MAX_CORNER_PARAMETERS} parameters (got ${selection.length})`;
  const seen = new Set<number>();
  for (const p of selection) {
    if (!Number.isInteger(p) || p < 0 || p >= count) return `parameter index ${p} is out of range 0..${count - 1}`;
    if (seen.has(p)) return `parameter index ${p} is chosen twice`;
    seen.add(p);
  }
  return null;
}

/** Side of a corner figure never smaller than this (pixels): below it, labels cannot fit. */
export const MIN_CORNER_SIDE = 320;
/** Side of a corner figure never larger than this (pixels): it must fit a screen's height. */
export const MAX_CORNER_SIDE = 900;

/**
 * The side in pixels of a square corner figure of `k` parameters in an output `available` pixels
 * wide: as wide as the output allows, up to what `k` panels need (about 240 px each, plus room
 * for axis titles), between {@link MIN_CORNER_SIDE} and {@link MAX_CORNER_SIDE}.
 */
export function cornerSide(k: number, available: number): number {
  const wanted = 120 + 240 * Math.max(1, k);
  const width = Number.isFinite(available) && available > 0 ? available : wanted;
  return Math.round(Math.max(MIN_CORNER_SIDE, Math.min(width, wanted, MAX_CORNER_SIDE)));
}

/**
 * How many ticks an axis of `panelPx` pixels gets: one per 70 px (a tick label of 5–7 digits at
 * 9–10 px font is about 45 px wide), at least 2, so neighbouring labels never touch.
 */
export function cornerTickCount(panelPx: number): number {
  return Math.max(2, Math.min(6, Math.floor(panelPx / 70)));
}

/** A plotly colorscale: stops from 0 (fewest draws) to 1 (most draws). */
export type Colorscale = [number, string][];

/**
 * ColorBrewer's sequential "Blues" (light theme: the densest bins darkest on white) and a
 * dark-to-bright ramp after viridis (dark theme: the densest bins brightest on black). Each ramp
 * starts at a colour clearly apart from its theme's background, so bins with few draws show.
 */
const LIGHT_SCALE: Colorscale = [
  [0, "#9ecae1"],
  [0.35, "#6baed6"],
  [0.7, "#2171b5"],
  [1, "#08306b"],
];
const DARK_SCALE: Colorscale = [
  [0, "#3e4a89"],
  [0.35, "#26828e"],
  [0.7, "#6ece58"],
  [1, "#fde725"],
];

/** The colorscale of the corner plot's 2-D densities for a light or a dark theme. */
export function cornerColorscale(light: boolean): Colorscale {
  return light ? LIGHT_SCALE : DARK_SCALE;
}

/** The colour of the corner plot's 1-D histograms: the middle of the theme's 2-D ramp. */
export function cornerHistogramColor(light: boolean): string {
  return cornerColorscale(light)[light ? 2 : 1][1];
}

/** `[r, g, b]` (0–255) of a CSS colour written `#rgb`, `#rrggbb`, `rgb(...)` or `rgba(...)`; null otherwise. */
export function parseColor(color: string): [number, number, number] | null {
  const c = color.trim().toLowerCase();
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(c);
  if (short !== null)
    return [parseInt(short[1] + short[1], 16), parseInt(short[2] + short[2], 16), parseInt(short[3] + short[3], 16)];
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})(?:[0-9a-f]{2})?$/.exec(c);
  if (long !== null) return [parseInt(long[1], 16), parseInt(long[2], 16), parseInt(long[3], 16)];
  const rgb = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/.exec(c);
  if (rgb !== null) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  if (c === "white") return [255, 255, 255];
  if (c === "black") return [0, 0, 0];
  return null;
}

/**
 * WCAG 2 contrast ratio of two colours (1 = identical luminance, 21 = black on white); null
 * when either colour cannot be read.
 */
export function contrastRatio(a: string, b: string): number | null {
  const ca = parseColor(a);
  const cb = parseColor(b);
  if (ca === null || cb === null) return null;
  const luminance = ([r, g, b_]: [number, number, number]): number => {
    const lin = (v: number): number => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b_);
  };
  const la = luminance(ca);
  const lb = luminance(cb);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}
