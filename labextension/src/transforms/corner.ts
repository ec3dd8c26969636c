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
  if (selection.length > MAX_CORNER_PARAMETERS) return `choose at most ${MAX_CORNER_PARAMETERS} parameters (got ${selection.length})`;
  const seen = new Set<number>();
  for (const p of selection) {
    if (!Number.isInteger(p) || p < 0 || p >= count) return `parameter index ${p} is out of range 0..${count - 1}`;
    if (seen.has(p)) return `parameter index ${p} is chosen twice`;
    seen.add(p);
  }
  return null;
}
