import type { FitBundleModel } from "../../../schema/fit.js";

/** The arrays plotted for one response of one model of a fit. */
export interface FitSeries {
  /** Data abscissae (point index when the model has no 1-D x). */
  x: number[];
  y: number[];
  dy: number[];
  /** Residuals `(f(x) - y) / dy` at the kept points (null where undefined). */
  residuals: (number | null)[];
  /** The dense model curve, or the model at the data's x when there is no curve. */
  curveX: number[];
  curveY: (number | null)[];
  /** The model's 68% and 95% bands at `curveX` (from a sampler's draws), or null when the bundle has none. */
  bands: FitSeriesBands | null;
  /** Points left out because a log axis cannot show them (x or y ≤ 0). */
  dropped: number;
}

/** A model band's ends along the curve, null where undefined or not drawable on a log axis. */
export interface FitSeriesBands {
  lower68: (number | null)[];
  upper68: (number | null)[];
  lower95: (number | null)[];
  upper95: (number | null)[];
}

/** Axis scales chosen by the user. */
export interface FitScales {
  logX: boolean;
  logY: boolean;
}

/**
 * Builds the plotted series of response `r` of `model`. On a log axis, points at or below zero
 * cannot be drawn: they are left out and counted in `dropped` so the renderer can say so.
 */
export function fitSeries(model: FitBundleModel, r: number, scales: FitScales): FitSeries {
  const y = model.y[r] ?? [];
  const n = y.length;
  const xs = model.x ?? Array.from({ length: n }, (_, i) => i);
  const dy = model.dy[r] ?? [];
  const res = model.residuals[r] ?? [];
  const out: FitSeries = { x: [], y: [], dy: [], residuals: [], curveX: [], curveY: [], bands: null, dropped: 0 };
  // Bands came with version 2 of the bundle; a version-1 bundle (an older notebook) has none.
  const source = model.curve?.bands;
  const bands: FitSeriesBands | null =
    source !== undefined && source.lower68[r] !== undefined ? { lower68: [], upper68: [], lower95: [], upper95: [] } : null;
  const keys = ["lower68", "upper68", "lower95", "upper95"] as const;
  const drawable = (v: number | null | undefined): number | null =>
    v === null || v === undefined || (scales.logY && !(v > 0)) ? null : v;
  for (let i = 0; i < n; i++) {
    if ((scales.logX && !(xs[i] > 0)) || (scales.logY && !(y[i] > 0))) {
      out.dropped++;
      continue;
    }
    out.x.push(xs[i]);
    out.y.push(y[i]);
    out.dy.push(dy[i] ?? 0);
    out.residuals.push(res[i] ?? null);
  }
  const cx = model.curve !== null ? model.curve.x : xs;
  const cy = model.curve !== null ? (model.curve.y[r] ?? []) : (model.fx[r] ?? []);
  for (let i = 0; i < cx.length; i++) {
    if (scales.logX && !(cx[i] > 0)) continue;
    const v = cy[i] ?? null;
    out.curveX.push(cx[i]);
    // A curve value a log axis cannot show becomes a gap rather than a wrong point.
    out.curveY.push(v !== null && scales.logY && !(v > 0) ? null : v);
    if (bands !== null && source !== undefined) for (const key of keys) bands[key].push(drawable(source[key][r][i]));
  }
  out.bands = bands;
  return out;
}

/** Number of significant digits of an uncertainty shown (two, as the PDG and lmfit do). */
const UNCERTAINTY_DIGITS = 2;

/**
 * Formats `value ± stderr` with the value rounded to the uncertainty's last shown digit,
 * e.g. `(1.9959, 0.0123)` → `"1.996 ± 0.012"`. Without an uncertainty, 6 significant digits.
 */
export function formatWithUncertainty(value: number, stderr: number | null): string {
  if (!Number.isFinite(value)) return String(value);
  if (stderr === null || !Number.isFinite(stderr) || stderr <= 0)
    return `${formatSignificant(value, 6)}${stderr === null ? "" : " ± ?"}`;
  const exponent = Math.floor(Math.log10(stderr)) - (UNCERTAINTY_DIGITS - 1);
  const scale = 10 ** exponent;
  if (Math.abs(exponent) > 6 || Math.abs(value) >= 1e7) {
    return `${value.toExponential(Math.max(0, Math.floor(Math.log10(Math.abs(value) || 1)) - exponent))} ± ${stderr.toExponential(UNCERTAINTY_DIGITS - 1)}`;
  }
  const decimals = Math.max(0, -exponent);
  const rv = Math.round(value / scale) * scale;
  const re = Math.round(stderr / scale) * scale;
  return `${rv.toFixed(decimals)} ± ${re.toFixed(decimals)}`;
}

/** `value` with `digits` significant digits, without trailing exponent noise for ordinary sizes. */
export function formatSignificant(value: number, digits: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e7 || magnitude < 1e-4) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}
