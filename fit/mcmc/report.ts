/**
 * How sampler draws show themselves: a text table in the layout of bumps' `.err` file, an HTML
 * fallback, and the `application/vnd.hpcfit.mcmc+json` bundle (see `schema/mcmc.ts`).
 */
import {
  MCMC_MIME,
  diagnosticLimits,
  judgeDiagnostics,
  untilEnding,
  untilWorst,
  type JudgedDiagnostic,
  type McmcBundle,
  type McmcDiagnostics,
  type McmcParameterStats,
  type McmcUntil,
} from "../../schema/mcmc.js";
import type { McmcSamples } from "./samples.js";
import { escapeHtml } from "../../util/html.js";

/** Most kept draws per chain sent in a bundle; more are subsampled evenly. */
const MAX_BUNDLE_DRAWS = 2000;
/** Most generations per chain in the logp-by-generation plot. */
const MAX_BUNDLE_GENERATIONS = 1000;

/** `value(uncertainty)` with two significant digits in the uncertainty, e.g. `2.0031(12)`. */
export function formatUncertainty(value: number, err: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (!Number.isFinite(err) || err <= 0) return value.toPrecision(6);
  const place = Math.floor(Math.log10(err)) - 1; // decimal place of the second digit
  let digits = Math.round(err / 10 ** place);
  let p = place;
  if (digits >= 100) {
    digits = Math.round(digits / 10);
    p += 1;
  }
  if (p < 0) return `${value.toFixed(-p)}(${digits})`;
  const scale = 10 ** p;
  return `${(Math.round(value / scale) * scale).toFixed(0)}(${digits * scale})`;
}

/** `x` rounded to decimal place `place` (10^place), as fixed-point text. */
function formatPlace(x: number, place: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (place < 0) return (x + 0).toFixed(Math.min(-place, 20)).replace(/^-(0\.?0*)$/, "$1");
  const scale = 10 ** place;
  return (Math.round(x / scale) * scale).toFixed(0);
}

/** Decimal place to show a parameter at: two digits below the width of its 95% interval. */
function placeFor(s: McmcParameterStats): number {
  const w = s.p95[1] - s.p95[0];
  if (w > 0) return Math.trunc(Math.log10(w)) - 2;
  if (s.p95[0] !== 0) return Math.trunc(Math.log10(Math.abs(s.p95[0]))) - 3;
  return 0;
}

/** The statistics table in bumps' `.err` layout (one row per parameter). */
export function statsTable(stats: McmcParameterStats[]): string {
  const pad = (s: string, n: number): string => s.padStart(n);
  const lines = [
    `   ${pad("Parameter", 20)} ${pad("mean", 10)} ${pad("median", 7)} ${pad("best", 7)} [${pad("68% interval", 15)}] [${pad("95% interval", 15)}]`,
  ];
  stats.forEach((s, i) => {
    const place = placeFor(s);
    lines.push(
      `${pad(String(i + 1), 2)} ${pad(s.name, 20)} ${pad(formatUncertainty(s.mean, s.std), 10)} ` +
        `${pad(formatPlace(s.median, place - 1), 7)} ${pad(formatPlace(s.best, place - 1), 7)} ` +
        `[${pad(formatPlace(s.p68[0], place), 7)} ${pad(formatPlace(s.p68[1], place), 7)}] ` +
        `[${pad(formatPlace(s.p95[0], place), 7)} ${pad(formatPlace(s.p95[1], place), 7)}]`,
    );
  });
  return lines.join("\n");
}

/** A diagnostic for a table: `digits` decimals, "-" when undefined, a trailing "!" when it fails its limit. */
function diagnosticText({ value, fails }: JudgedDiagnostic, digits: number): string {
  if (value === null || value === undefined) return "-";
  return `${value.toFixed(digits)}${fails ? "!" : " "}`;
}

/** A Monte Carlo standard error with 2 significant digits, "-" when undefined. */
function mcseText(v: number | null | undefined): string {
  return v === null || v === undefined ? "-" : v.toPrecision(2);
}

/** What the diagnostics table's marks mean, and what the until targets came to, as text lines. */
function diagnosticsNotes(d: McmcDiagnostics): string[] {
  const lines: string[] = [];
  const limits = diagnosticLimits(d);
  lines.push(`! marks R-hat > ${limits.rhat} or ESS < ${limits.ess} (Vehtari et al. 2021)`);
  if (d.until !== undefined) lines.push(untilText(d.until));
  return lines;
}

/** One sentence on a run that sampled until targets: met or not, how it ended, the worst values. */
export function untilText(u: McmcUntil): string {
  const targets = [
    u.targets.rhat !== undefined ? `R-hat <= ${u.targets.rhat}` : "",
    u.targets.ess !== undefined ? `ESS >= ${u.targets.ess}` : "",
  ]
    .filter((t) => t !== "")
    .join(", ");
  return `until ${targets}: ${untilEnding(u)} after ${u.checks} check${u.checks === 1 ? "" : "s"} (${untilWorst(u, "-")})`;
}

/**
 * One line on how the chains stand, for the live display's last line: the worst R̂ and the
 * smallest ESS, how `until` ended, and the warnings.
 */
export function diagnosticsLine(samples: McmcSamples): string {
  const { diagnostics: d, warnings } = samples.summary();
  const worst = (values: (number | null)[] | undefined, pick: (a: number, b: number) => number): number | undefined => {
    const finite = (values ?? []).filter((v): v is number => v !== null);
    return finite.length > 0 ? finite.reduce((a, b) => pick(a, b)) : undefined;
  };
  const parts: string[] = [];
  const rhat = worst(d.rhat, Math.max);
  if (rhat !== undefined) parts.push(`R-hat max ${rhat.toFixed(3)}`);
  const bulk = worst(d.essBulk ?? d.ess, Math.min);
  const tail = worst(d.essTail, Math.min);
  if (bulk !== undefined) parts.push(`${samples.particleEss === undefined ? "bulk ESS" : "particle ESS"} min ${bulk.toFixed(0)}`);
  if (tail !== undefined) parts.push(`tail ESS min ${tail.toFixed(0)}`);
  if (d.until !== undefined) parts.push(untilText(d.until));
  for (const w of warnings) parts.push(`WARNING: ${w}`);
  return parts.join("; ");
}

/** Plain-text report: the table, the diagnostics per parameter and the warnings. */
export function mcmcText(samples: McmcSamples): string {
  const { stats, diagnostics: d, warnings } = samples.summary();
  const lines = [
    `${samples.sampler}: ${samples.nchains} chains, ${samples.nthin} kept draws per chain (thin ${samples.thin}), ` +
      `burn-in ${samples.burn}, ${samples.generations} generations, ${samples.evaluations} evaluations`,
    statsTable(stats),
    "",
    `   ${"Parameter".padStart(20)} ${"R-hat".padStart(7)} ${"ESS-bulk".padStart(9)} ${"ESS-tail".padStart(9)} ` +
      `${"tau".padStart(7)} ${"MCSE-mean".padStart(9)} ${"MCSE-5%".padStart(9)} ${"MCSE-95%".padStart(9)}`,
  ];
  stats.forEach((s, k) => {
    const q = d.mcseQuantiles?.[k];
    const { rhat, bulk, tail } = judgeDiagnostics(d, k);
    lines.push(
      `${String(k + 1).padStart(2)} ${s.name.padStart(20)} ${diagnosticText(rhat, 3).padStart(7)} ` +
        `${diagnosticText(bulk, 0).padStart(9)} ${diagnosticText(tail, 0).padStart(9)} ` +
        `${(d.tau[k] === null ? "-" : d.tau[k].toFixed(1)).padStart(7)} ${mcseText(d.mcseMean?.[k]).padStart(9)} ` +
        `${mcseText(q?.[0]).padStart(9)} ${mcseText(q?.[1]).padStart(9)}`,
    );
  });
  lines.push(`acceptance rate ${(100 * d.acceptanceRate).toFixed(1)}%`);
  lines.push(...diagnosticsNotes(d));
  for (const w of warnings) lines.push(`WARNING: ${w}`);
  return lines.join("\n");
}

/** HTML fallback: the statistics and diagnostics as a table, warnings as a list. */
export function mcmcHtml(samples: McmcSamples): string {
  const { stats, diagnostics: d, warnings } = samples.summary();
  const num = (v: number | null | undefined): string => (v === null || v === undefined ? "–" : v.toPrecision(4));
  const flagged = ({ value, fails }: JudgedDiagnostic): string =>
    fails ? `<td class="hpcfit-warning" style="color:#b00;font-weight:bold">${num(value)}</td>` : `<td>${num(value)}</td>`;
  const rows = stats
    .map((s, k) => {
      const { rhat, bulk, tail } = judgeDiagnostics(d, k);
      const q = d.mcseQuantiles?.[k];
      return (
        `<tr><td>${escapeHtml(s.name)}</td><td>${escapeHtml(formatUncertainty(s.mean, s.std))}</td>` +
        `<td>${num(s.median)}</td><td>${num(s.best)}</td><td>[${num(s.p68[0])}, ${num(s.p68[1])}]</td>` +
        `<td>[${num(s.p95[0])}, ${num(s.p95[1])}]</td>${flagged(rhat)}${flagged(bulk)}${flagged(tail)}` +
        `<td>${num(d.mcseMean?.[k])}</td><td>${q ? `${num(q[0])}, ${num(q[1])}` : "–"}</td></tr>`
      );
    })
    .join("");
  const notes = diagnosticsNotes(d)
    .map((line) => `<p>${escapeHtml(line.replace(/^! marks/, "Red marks"))}</p>`)
    .join("");
  const warn = warnings.length ? `<ul>${warnings.map((w) => `<li><b>Warning:</b> ${escapeHtml(w)}</li>`).join("")}</ul>` : "";
  return (
    `<div class="hpcfit-mcmc"><p>${escapeHtml(samples.sampler)}: ${samples.nchains} chains × ${samples.nthin} draws, ` +
    `acceptance ${(100 * d.acceptanceRate).toFixed(1)}%</p><table><thead><tr><th>parameter</th><th>mean</th>` +
    `<th>median</th><th>best</th><th>68% interval</th><th>95% interval</th><th>R-hat</th><th>bulk ESS</th>` +
    `<th>tail ESS</th><th>MCSE mean</th><th>MCSE 5%, 95%</th></tr></thead><tbody>${rows}</tbody></table>${notes}${warn}</div>`
  );
}

/** The `application/vnd.hpcfit.mcmc+json` bundle of a run (version 1). */
export function mcmcBundle(samples: McmcSamples): McmcBundle {
  const { stats, diagnostics, warnings } = samples.summary();
  const p = samples.nparams;
  const nc = samples.nchains;
  const stride = Math.max(1, Math.ceil(samples.nthin / MAX_BUNDLE_DRAWS));
  const points: number[][][] = [];
  const logp: number[][] = [];
  for (let t = 0; t < samples.nthin; t += stride) {
    const rowP: number[][] = [];
    const rowL: number[] = [];
    for (let c = 0; c < nc; c++) {
      const o = (t * nc + c) * p;
      rowP.push(Array.from(samples.points.subarray(o, o + p)));
      rowL.push(jsonNumber(samples.logp[t * nc + c]));
    }
    points.push(rowP);
    logp.push(rowL);
  }
  const ngen = samples.genAcceptance.length;
  const gstride = Math.max(1, Math.ceil(ngen / MAX_BUNDLE_GENERATIONS));
  const generationLogp: number[][] = [];
  const generationIndex: number[] = [];
  for (let g = 0; g < ngen; g += gstride) {
    generationIndex.push(g);
    const row: number[] = [];
    for (let c = 0; c < nc; c++) row.push(jsonNumber(samples.genLogp[g * nc + c]));
    generationLogp.push(row);
  }
  return {
    version: 1,
    sampler: samples.sampler,
    labels: samples.labels.slice(),
    nchains: nc,
    nthin: samples.nthin,
    thin: samples.thin,
    burn: samples.burn,
    generations: samples.generations,
    evaluations: samples.evaluations,
    points,
    logp,
    displayStride: stride,
    generationLogp,
    generationIndex,
    generationStride: gstride,
    stats,
    diagnostics,
    warnings,
  };
}

/** JSON has no infinities: a chain that never found a finite logp is shown at -1e308. */
function jsonNumber(v: number): number {
  return Number.isFinite(v) ? v : v > 0 ? 1e308 : -1e308;
}

/** The MIME bundle entries a sampler result contributes (text, HTML and the MCMC JSON). */
export function mcmcMime(samples: McmcSamples): Record<string, unknown> {
  return {
    "text/plain": mcmcText(samples),
    "text/html": mcmcHtml(samples),
    [MCMC_MIME]: mcmcBundle(samples),
  };
}
