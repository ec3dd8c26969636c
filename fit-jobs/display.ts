/**
 * What a fit job looks like in the notebook: one status bundle while it waits or runs (the job's
 * state, then the sampler's progress), then the fit and MCMC bundles of the stored result.
 */
import { DISPLAY, type MimeBundle } from "../schema/display.js";
import { JOBS_MIME, type JobRow, type JobsBackendKind } from "../schema/jobs.js";
import type { FitResult } from "../fit/result.js";
import { stopWords } from "../fit/stop-reason.js";
import { progressLine, type FitProgress } from "./progress.js";
import { escapeHtml } from "../util/html.js";

/** The status line of a fit job: `Fit job 12 (name) RUNNING on n1 — dream generation ...`. */
export function fitStatusLine(row: JobRow, progress: FitProgress | undefined): string {
  let line = `Fit job ${row.id} (${row.name}) ${row.state}`;
  if (row.state === "PENDING" && row.reason) line += ` (${row.reason})`;
  if (row.state === "RUNNING" && row.nodes) line += ` on ${row.nodes}`;
  if (progress !== undefined && (row.state === "RUNNING" || progress.phase === "running")) {
    line += progress.phase === "starting" ? " — starting the sampler" : ` — ${progressLine(progress)}`;
  }
  if (progress?.phase === "failed" && progress.error) line += ` — failed: ${progress.error}`;
  if (progress?.phase === "done" && progress.stopped !== undefined)
    line += ` — ${stopWords(progress.stopped)}; the draws so far are stored`;
  return line;
}

/** The live bundle while the job waits or runs (also carries the job's row for the Jobs renderer). */
export function fitStatusBundle(
  row: JobRow,
  backend: JobsBackendKind,
  progress: FitProgress | undefined,
  directory: string,
  note?: string,
): MimeBundle {
  const line = fitStatusLine(row, progress);
  const text = `${line}\n  directory: ${directory}${note ? `\n${note}` : ""}`;
  return {
    "text/plain": text,
    "text/html": `<div class="hpcfit-fit-job"><code>${escapeHtml(line)}</code><br><small>${escapeHtml(directory)}</small>${note ? `<pre>${escapeHtml(note)}</pre>` : ""}</div>`,
    [JOBS_MIME]: { version: 1, backend, jobs: [row] },
  };
}

/** The final bundle: the result's own (fit and, for samplers, MCMC) with the job line on top. */
export function fitResultBundle(row: JobRow, result: FitResult, directory: string): MimeBundle {
  const bundle = { ...result[DISPLAY]() };
  const stopped = result.stopped !== undefined ? ` (sampling ${stopWords(result.stopped)}: the draws so far)` : "";
  const head = `Fit job ${row.id} (${row.name}) ${row.state} — results from ${directory}/store${stopped}`;
  const plain = bundle["text/plain"];
  bundle["text/plain"] = `${head}\n${typeof plain === "string" ? plain : ""}`;
  if (typeof bundle["text/html"] === "string")
    bundle["text/html"] = `<div><code>${escapeHtml(head)}</code></div>${bundle["text/html"]}`;
  return bundle;
}
