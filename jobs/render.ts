/**
 * How jobs look in a notebook: a table (`application/vnd.hpcfit.jobs+json` with HTML and text
 * fallbacks) and a one-line live status.
 */
import { JOBS_MIME, type JobRow, type JobState, type JobsBackendKind, type JobsTable } from "../schema/jobs.js";
import type { MimeBundle } from "../schema/display.js";
import { escapeHtml } from "../util/html.js";
import { ACTIVE_STATES } from "./states.js";
import type { CancelOutcome } from "./types.js";

/**
 * One line saying what cancelling one id did: `123: cancelled (was RUNNING)`,
 * `7: already COMPLETED, nothing to cancel`.
 */
export function describeCancel(o: CancelOutcome): string {
  const states = [...new Set(o.before)].join("/");
  if (!o.cancelled) return `${o.id}: already ${states}, nothing to cancel`;
  const ended = o.before.filter((s) => !ACTIVE_STATES.includes(s)).length;
  const tasks = o.before.length > 1 ? `, ${o.before.length - ended} of ${o.before.length} tasks` : "";
  return `${o.id}: cancelled (was ${[...new Set(o.before.filter((s) => ACTIVE_STATES.includes(s)))].join("/")}${tasks})`;
}

/** How a job that did not finish on its own ended, in words. */
const ABNORMAL_ENDS: Partial<Record<JobState, string>> = {
  CANCELLED: "was cancelled",
  TIMEOUT: "reached its time limit and was killed",
  NODE_FAIL: "was ended by the failure of its node",
  PREEMPTED: "was preempted by the scheduler",
  OUT_OF_MEMORY: "ran out of memory and was killed",
  BOOT_FAIL: "could not start: its node failed to boot",
  DEADLINE: "was ended at its deadline",
};

/**
 * What to tell someone reading the output of a job that ended without finishing its script
 * (cancelled, timed out, node failure, ...): the output stops there because of that, not because
 * the script was done. Undefined for jobs that are running, completed or failed on their own.
 */
export function endNotice(row: JobRow): string | undefined {
  const how = ABNORMAL_ENDS[row.state];
  if (how === undefined) return undefined;
  const when = row.endTime ? ` at ${row.endTime.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC")}` : "";
  const ran = row.startTime ? "" : " before it started";
  return `Job ${row.id} ${how}${ran}${when}; its output ends here.`;
}

/** `1:02:03`-style elapsed time between two ISO times (or until now). */
export function elapsed(start: string | null, end: string | null): string {
  if (!start) return "";
  const s = Math.max(0, Math.round(((end ? Date.parse(end) : Date.now()) - Date.parse(start)) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}` : `${m}:${String(sec).padStart(2, "0")}`;
}

const COLUMNS: [string, (r: JobRow) => string][] = [
  ["JOBID", (r) => r.id],
  ["NAME", (r) => r.name],
  ["USER", (r) => r.user],
  ["STATE", (r) => r.state],
  ["TIME", (r) => elapsed(r.startTime, r.endTime)],
  ["NODES", (r) => r.nodes ?? ""],
  ["EXIT", (r) => (r.exitCode === null ? "" : r.signal ? `${r.exitCode}:${r.signal}` : String(r.exitCode))],
  ["REASON", (r) => r.reason ?? ""],
];

/** A plain-text table (names shown whole, never cut to eight characters). */
export function jobsText(rows: JobRow[], extra: [string, (r: JobRow) => string][] = []): string {
  const cols = [...COLUMNS, ...extra];
  if (rows.length === 0) return "(no jobs)";
  const cells = rows.map((r) => cols.map(([, f]) => f(r)));
  const widths = cols.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(cols.map(([h]) => h)), ...cells.map(line)].join("\n");
}

/** The rich bundle of a jobs table. */
export function jobsBundle(rows: JobRow[], backend: JobsBackendKind, options: { withDirectory?: boolean } = {}): MimeBundle {
  const extra: [string, (r: JobRow) => string][] = options.withDirectory ? [["DIRECTORY", (r) => r.directory]] : [];
  const cols = [...COLUMNS, ...extra];
  const table: JobsTable = { version: 1, backend, jobs: rows };
  const html =
    `<table class="hpcfit-jobs"><thead><tr>${cols.map(([h]) => `<th>${h}</th>`).join("")}</tr></thead><tbody>` +
    rows.map((r) => `<tr>${cols.map(([, f]) => `<td>${escapeHtml(f(r))}</td>`).join("")}</tr>`).join("") +
    `</tbody></table>`;
  return { [JOBS_MIME]: table, "text/html": html, "text/plain": jobsText(rows, extra) };
}

/** A one-line status of a job (or of an array, summarised by state). */
export function statusLine(id: string, name: string, rows: JobRow[]): string {
  if (rows.length === 1) {
    const r = rows[0];
    const parts = [`Job ${r.id} (${r.name}) ${r.state}`];
    if (r.state === "PENDING" && r.reason) parts.push(`(${r.reason})`);
    if (r.nodes && r.state === "RUNNING") parts.push(`on ${r.nodes}`);
    if (r.startTime) parts.push(r.endTime ? `after ${elapsed(r.startTime, r.endTime)}` : `for ${elapsed(r.startTime, null)}`);
    if (r.exitCode !== null && r.state !== "COMPLETED")
      parts.push(`exit code ${r.exitCode}${r.signal ? ` signal ${r.signal}` : ""}`);
    return parts.join(" ");
  }
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  return `Job array ${id} (${name}), ${rows.length} tasks: ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}`;
}

/** The live status bundle of a job: one line, plus its rows for the rich renderer. */
export function statusBundle(id: string, name: string, rows: JobRow[], backend: JobsBackendKind): MimeBundle {
  const text = statusLine(id, name, rows);
  const table: JobsTable = { version: 1, backend, jobs: rows };
  return {
    [JOBS_MIME]: table,
    "text/html": `<div class="hpcfit-job-status"><code>${escapeHtml(text)}</code></div>`,
    "text/plain": text,
  };
}
