/**
 * A static SVG of one model's fit for the HTML fallback of a result (what nbconvert, GitHub and
 * viewers without the JupyterLab extension show): the data with error bars, the model's 95% and
 * 68% bands from a sampler's draws (when the bundle has them) under the best curve, and the
 * residuals in a panel below. The extension draws the same content interactively.
 */
import type { FitBundleBands, FitBundleModel } from "../schema/fit.js";
import { escapeHtml } from "../util/html.js";

const WIDTH = 560;
const HEIGHT = 380;
const LEFT = 56;
const RIGHT = 12;
const TOP = 24;
const MAIN_BOTTOM = 262;
const RESIDUAL_TOP = 282;
const RESIDUAL_BOTTOM = 346;
/** Colours in the order the extension's light theme gives them: data, model (and its bands), residuals of each response. */
const COLORS = ["#1976d2", "#f57c00", "#388e3c", "#d32f2f", "#00897b"];

type Scale = (v: number) => number;

function extent(values: Iterable<number | null>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return null;
  if (lo === hi) return [lo - 1, hi + 1];
  const pad = 0.04 * (hi - lo);
  return [lo - pad, hi + pad];
}

function linear([d0, d1]: [number, number], r0: number, r1: number): Scale {
  return (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
}

/** About five round tick values over `[lo, hi]`. */
function ticks([lo, hi]: [number, number]): number[] {
  const raw = (hi - lo) / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(Math.abs(v) < 1e-12 * step ? 0 : v);
  return out;
}

function label(v: number): string {
  return String(Number(v.toPrecision(4)));
}

function num(v: number): string {
  return v.toFixed(1);
}

/** Polygons between `lower` and `upper` along `x`, one per stretch where both are defined. */
function bandPolygons(x: number[], lower: (number | null)[], upper: (number | null)[], sx: Scale, sy: Scale): string[] {
  const polygons: string[] = [];
  let run: number[] = [];
  const flush = (): void => {
    if (run.length > 1) {
      const top = run.map((i) => `${num(sx(x[i]))},${num(sy(upper[i]!))}`);
      const bottom = run.reverse().map((i) => `${num(sx(x[i]))},${num(sy(lower[i]!))}`);
      polygons.push([...top, ...bottom].join(" "));
    }
    run = [];
  };
  x.forEach((_, i) => {
    const l = lower[i];
    const u = upper[i];
    if (l === null || u === null || l === undefined || u === undefined || !Number.isFinite(l) || !Number.isFinite(u)) flush();
    else run.push(i);
  });
  flush();
  return polygons;
}

/** Polylines through the defined points of `y` along `x`. */
function polylines(x: number[], y: (number | null)[], sx: Scale, sy: Scale): string[] {
  const lines: string[] = [];
  let run: string[] = [];
  x.forEach((xi, i) => {
    const v = y[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      if (run.length > 1) lines.push(run.join(" "));
      run = [];
    } else run.push(`${num(sx(xi))},${num(sy(v))}`);
  });
  if (run.length > 1) lines.push(run.join(" "));
  return lines;
}

function axis(scale: Scale, domain: [number, number], orientation: "x" | "y", at: number): string {
  return ticks(domain)
    .map((t) => {
      const p = num(scale(t));
      return orientation === "x"
        ? `<text x="${p}" y="${num(at + 14)}" text-anchor="middle">${label(t)}</text>`
        : `<text x="${num(at - 4)}" y="${p}" text-anchor="end" dominant-baseline="middle">${label(t)}</text>`;
    })
    .join("");
}

/**
 * The SVG of `model`'s fit, or null when the model has no data to plot (an nllf model) or no
 * finite values. Plain SVG with classes (`hpcfit-data`, `hpcfit-band95`, `hpcfit-band68`,
 * `hpcfit-model`, `hpcfit-residual`) and no script.
 */
export function fitSvg(model: FitBundleModel): string | null {
  if (model.kind === "nllf" || model.y.length === 0) return null;
  const n = model.y[0].length;
  const xs = model.x ?? Array.from({ length: n }, (_, i) => i);
  const curveX = model.curve?.x ?? xs;
  const curveY = (r: number): (number | null)[] => (model.curve !== null ? (model.curve.y[r] ?? []) : (model.fx[r] ?? []));
  const bands: FitBundleBands | undefined = model.curve?.bands;
  const yValues: (number | null)[] = [];
  model.y.forEach((row, r) => {
    row.forEach((v, i) => yValues.push(v - (model.dy[r]?.[i] ?? 0), v + (model.dy[r]?.[i] ?? 0)));
    yValues.push(...curveY(r));
    if (bands !== undefined) yValues.push(...(bands.lower95[r] ?? []), ...(bands.upper95[r] ?? []));
  });
  const xDomain = extent([...xs, ...curveX]);
  const yDomain = extent(yValues);
  if (xDomain === null || yDomain === null) return null;
  const residualDomain = extent([0, ...model.residuals.flat()]) ?? [-1, 1];
  const sx = linear(xDomain, LEFT, WIDTH - RIGHT);
  const sy = linear(yDomain, MAIN_BOTTOM, TOP);
  const sr = linear(residualDomain, RESIDUAL_BOTTOM, RESIDUAL_TOP);
  const parts: string[] = [];
  model.y.forEach((row, r) => {
    const color = COLORS[(3 * r + 1) % COLORS.length];
    const dataColor = COLORS[(3 * r) % COLORS.length];
    const residualColor = COLORS[(3 * r + 2) % COLORS.length];
    if (bands !== undefined) {
      for (const [level, lower, upper, opacity] of [
        ["95", bands.lower95[r], bands.upper95[r], 0.2],
        ["68", bands.lower68[r], bands.upper68[r], 0.3],
      ] as const) {
        if (lower === undefined || upper === undefined) continue;
        for (const points of bandPolygons(curveX, lower, upper, sx, sy))
          parts.push(
            `<polygon class="hpcfit-band${level}" points="${points}" fill="${color}" fill-opacity="${opacity}" stroke="none"/>`,
          );
      }
    }
    for (const points of polylines(curveX, curveY(r), sx, sy))
      parts.push(`<polyline class="hpcfit-model" points="${points}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    row.forEach((v, i) => {
      const x = xs[i];
      const dy = model.dy[r]?.[i] ?? 0;
      if (!Number.isFinite(x) || !Number.isFinite(v)) return;
      const cx = num(sx(x));
      parts.push(
        `<g class="hpcfit-data"><line x1="${cx}" x2="${cx}" y1="${num(sy(v - dy))}" y2="${num(sy(v + dy))}" stroke="#555"/>` +
          `<circle cx="${cx}" cy="${num(sy(v))}" r="2.5" fill="${dataColor}"/></g>`,
      );
      const res = model.residuals[r]?.[i];
      if (res !== null && res !== undefined && Number.isFinite(res))
        parts.push(`<circle class="hpcfit-residual" cx="${cx}" cy="${num(sr(res))}" r="2" fill="${residualColor}"/>`);
    });
  });
  const legend =
    bands !== undefined
      ? `<text x="${WIDTH - RIGHT}" y="14" text-anchor="end">shaded: 68% and 95% bands of the model (${bands.draws} draws)</text>`
      : "";
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="hpcfit-fit-plot" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="10">`,
    `<text x="${LEFT}" y="14" font-size="12">${escapeHtml(model.name)}</text>${legend}`,
    `<rect x="${LEFT}" y="${TOP}" width="${WIDTH - LEFT - RIGHT}" height="${MAIN_BOTTOM - TOP}" fill="none" stroke="#ccc"/>`,
    `<rect x="${LEFT}" y="${RESIDUAL_TOP}" width="${WIDTH - LEFT - RIGHT}" height="${RESIDUAL_BOTTOM - RESIDUAL_TOP}" fill="none" stroke="#ccc"/>`,
    `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${num(sr(0))}" y2="${num(sr(0))}" stroke="#aaa" stroke-dasharray="3,3"/>`,
    axis(sy, yDomain, "y", LEFT),
    axis(sr, residualDomain, "y", LEFT),
    axis(sx, xDomain, "x", RESIDUAL_BOTTOM),
    `<text x="${num((LEFT + WIDTH - RIGHT) / 2)}" y="${HEIGHT - 4}" text-anchor="middle">${model.x === null ? "point" : "x"}</text>`,
    `<text x="12" y="${num((RESIDUAL_TOP + RESIDUAL_BOTTOM) / 2)}" transform="rotate(-90 12 ${num((RESIDUAL_TOP + RESIDUAL_BOTTOM) / 2)})" text-anchor="middle">(f−y)/dy</text>`,
    ...parts,
    `</svg>`,
  ].join("");
}
