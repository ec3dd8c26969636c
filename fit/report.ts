/**
 * Text and HTML reports of a fit result, in the manner of lmfit's fit report: values with
 * uncertainties rounded to matching significant digits, correlations above 0.1, statistics.
 */
import { escapeHtml } from "../util/html.js";

/** What the reports need from a result. */
export interface ReportData {
  method: string;
  labels: string[];
  x: ArrayLike<number>;
  stderr: ArrayLike<number>;
  corr: ArrayLike<number>;
  chisq: number;
  nllf: number;
  dof: number;
  points: number;
  evaluations: number;
  converged: boolean;
  message: string;
  hasUncertainties: boolean;
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
}

/** Correlations at or above this magnitude are listed. */
export const CORRELATION_THRESHOLD = 0.1;

/**
 * `value ± err` with the uncertainty to two significant digits and the value to the same decimal
 * place; scientific notation with a shared exponent for very large or small values.
 */
export function formatValueError(value: number, err: number): string {
  if (!Number.isFinite(value)) return `${value} ± ${Number.isFinite(err) ? fmt(err) : "?"}`;
  if (!(err > 0) || !Number.isFinite(err)) return `${fmt(value)} ± ${err === 0 ? "0" : "?"}`;
  const place = Math.floor(Math.log10(err)) - 1; // two significant digits of err
  const mag = value !== 0 ? Math.floor(Math.log10(Math.abs(value))) : place + 1;
  const top = Math.max(mag, place + 1);
  if (top >= 6 || top < -3) {
    const e = top;
    const decimals = Math.max(0, e - place);
    const s = 10 ** e;
    return `(${(value / s).toFixed(decimals)} ± ${(err / s).toFixed(decimals)})e${e >= 0 ? "+" : ""}${e}`;
  }
  if (place >= 0) {
    const q = 10 ** place;
    return `${(Math.round(value / q) * q).toFixed(0)} ± ${(Math.round(err / q) * q).toFixed(0)}`;
  }
  return `${value.toFixed(-place)} ± ${err.toFixed(-place)}`;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e6 || a < 1e-3) ? v.toExponential(6) : String(Number(v.toPrecision(7)));
}

function correlations(d: ReportData): Array<[string, string, number]> {
  const n = d.labels.length;
  const out: Array<[string, string, number]> = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const c = d.corr[i * n + j];
      if (Math.abs(c) >= CORRELATION_THRESHOLD) out.push([d.labels[i], d.labels[j], c]);
    }
  }
  return out.sort((a, b) => Math.abs(b[2]) - Math.abs(a[2]));
}

/** The plain-text fit report. */
export function textReport(d: ReportData): string {
  const lines: string[] = [];
  lines.push("[[Fit Statistics]]");
  lines.push(`    # fitting method   = ${d.method}`);
  lines.push(`    # function evals   = ${d.evaluations}`);
  lines.push(`    # data points      = ${d.points}`);
  lines.push(`    # variables        = ${d.labels.length}`);
  lines.push(`    degrees of freedom = ${d.dof}`);
  lines.push(`    chi-square / dof   = ${fmt(d.chisq)}`);
  lines.push(`    nllf               = ${fmt(d.nllf)}`);
  lines.push(`    converged          = ${d.converged ? "yes" : "no"} (${d.message})`);
  lines.push("[[Variables]]");
  const width = Math.max(4, ...d.labels.map((l) => l.length));
  d.labels.forEach((label, j) => {
    const v = d.x[j];
    const e = d.stderr[j];
    const pct = (100 * e) / Math.abs(v);
    const rel = Number.isFinite(pct) && v !== 0 ? ` (${pct >= 10 ? pct.toFixed(0) : pct.toPrecision(2)}%)` : "";
    let bounds = "";
    const lo = d.lower?.[j];
    const hi = d.upper?.[j];
    if (lo !== undefined && hi !== undefined && (Number.isFinite(lo) || Number.isFinite(hi)))
      bounds = `  in [${fmt(lo)}, ${fmt(hi)}]`;
    lines.push(`    ${(label + ":").padEnd(width + 1)} ${formatValueError(v, e)}${rel}${bounds}`);
  });
  if (!d.hasUncertainties) lines.push("    (no dy given: uncertainties scaled by sqrt(chi-square / dof))");
  const corr = correlations(d);
  if (corr.length > 0) {
    lines.push(`[[Correlations]] (unreported correlations are < ${CORRELATION_THRESHOLD.toFixed(3)})`);
    for (const [a, b, c] of corr) lines.push(`    C(${a}, ${b}) = ${c >= 0 ? "+" : ""}${c.toFixed(4)}`);
  }
  return lines.join("\n");
}

/** The HTML fallback: a statistics table, a parameter table and the listed correlations. */
export function htmlReport(d: ReportData): string {
  const stat = (k: string, v: string): string =>
    `<tr><th style="text-align:left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`;
  const rows = d.labels
    .map((label, j) => {
      const [value, err] = formatValueError(d.x[j], d.stderr[j]).split(" ± ");
      return `<tr><td>${escapeHtml(label)}</td><td>${escapeHtml(value)}</td><td>${escapeHtml(err ?? "")}</td></tr>`;
    })
    .join("");
  const corr = correlations(d)
    .map(([a, b, c]) => `<tr><td>C(${escapeHtml(a)}, ${escapeHtml(b)})</td><td>${c.toFixed(4)}</td></tr>`)
    .join("");
  return [
    `<div class="hpcfit-fit">`,
    `<table>${stat("method", d.method)}${stat("evaluations", String(d.evaluations))}${stat("data points", String(d.points))}`,
    `${stat("degrees of freedom", String(d.dof))}${stat("chi-square / dof", fmt(d.chisq))}${stat("converged", `${d.converged ? "yes" : "no"} (${d.message})`)}</table>`,
    `<table><thead><tr><th>parameter</th><th>value</th><th>uncertainty</th></tr></thead><tbody>${rows}</tbody></table>`,
    corr ? `<table><thead><tr><th>correlation</th><th></th></tr></thead><tbody>${corr}</tbody></table>` : "",
    `</div>`,
  ].join("");
}
