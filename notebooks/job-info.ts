/**
 * A job row as a notebook run, for the Jobs panel's feed: what it runs (from its manifest, see
 * job-manifest.ts) and how far it is (from its output notebook, see run-progress.ts).
 */
import { isTerminalState, type JobRow } from "../schema/jobs.js";
import type { NotebookJobInfo } from "../schema/notebook-jobs.js";
import { htmlPathOf } from "./html-export.js";
import { readManifest, type NotebookJobManifest } from "./job-manifest.js";
import { PENDING_PROGRESS, readRunProgress } from "./run-progress.js";

/** Manifests found, by job directory and id (they never change once written). */
const manifests = new Map<string, NotebookJobManifest>();

function manifestOf(row: JobRow): NotebookJobManifest | null {
  const id = row.arrayJobId !== null ? String(row.arrayJobId) : row.id;
  const key = `${row.directory}\0${id}`;
  const known = manifests.get(key);
  if (known !== undefined) return known;
  const found = readManifest(row.directory, id);
  if (found !== null) manifests.set(key, found);
  return found;
}

/**
 * What `row` runs and how far it is, or null when it is no notebook job. A task that never
 * started has pending progress; one that ended without writing its output shows what the
 * output had when it stopped.
 */
export function notebookJobInfo(row: JobRow): NotebookJobInfo | null {
  const manifest = manifestOf(row);
  if (manifest === null) return null;
  const task = manifest.kind === "sweep" ? row.arrayTaskId : 0;
  const output = task !== null ? manifest.outputs[task] : undefined;
  const base = {
    kind: manifest.kind,
    name: manifest.name,
    input: manifest.input,
    runDir: manifest.runDir,
    order: manifest.order,
  };
  if (output === undefined) {
    // A pending array not yet split into tasks: the sweep as a whole.
    return { ...base, output: manifest.runDir, parameters: {}, html: null, progress: PENDING_PROGRESS };
  }
  const progress = row.state === "PENDING" ? PENDING_PROGRESS : readRunProgress(output);
  // A job that ended while its notebook says "running" was stopped from outside (cancelled, timed out).
  const stopped = isTerminalState(row.state) && progress.state === "running";
  return {
    ...base,
    output,
    parameters: manifest.parameters[task ?? 0] ?? {},
    html: manifest.html ? htmlPathOf(output) : null,
    progress: stopped ? { ...progress, state: "failed", current: null, remainingSeconds: null } : progress,
  };
}
