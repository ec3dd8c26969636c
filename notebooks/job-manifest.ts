/**
 * What a notebook batch job runs, kept beside it: `<job cwd>/.hpcfit-notebook-jobs/<job id>.json`
 * names the input, each task's output and parameters, and the form's order when it came from the
 * "Run as Job…" form. The Jobs panel's feed reads it to show a job as a notebook run, and a
 * sweep's summary is made from it.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NotebookJobOrder } from "../schema/notebook-jobs.js";
import type { ParameterValues } from "./parameters.js";

/** The record of one notebook batch job (a run, or a sweep's job array). */
export interface NotebookJobManifest {
  version: 1;
  kind: "run" | "sweep";
  /** The run's name (its folder's name for the form's runs). */
  name: string;
  /** The input notebook (absolute). */
  input: string;
  /** The run's folder: the outputs and, for a sweep, its summary. */
  runDir: string;
  /** Output notebook of each task (one for a run), absolute. */
  outputs: string[];
  /** Parameters of each task. */
  parameters: ParameterValues[];
  /** The form's order, when the job came from the form. */
  order: NotebookJobOrder | null;
  /** Whether each run also writes HTML. */
  html: boolean;
}

const FOLDER = ".hpcfit-notebook-jobs";

function manifestPath(cwd: string, jobId: string): string {
  return join(cwd, FOLDER, `${jobId}.json`);
}

/** Writes the manifest of job `jobId` (an array's id for a sweep) submitted in `cwd`. */
export function writeManifest(cwd: string, jobId: string, manifest: NotebookJobManifest): void {
  mkdirSync(join(cwd, FOLDER), { recursive: true });
  writeFileSync(manifestPath(cwd, jobId), JSON.stringify(manifest, null, 1));
}

/** The manifest of job `jobId` run in `cwd`, or null when that job is no notebook job (or its record is unreadable). */
export function readManifest(cwd: string, jobId: string): NotebookJobManifest | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(manifestPath(cwd, jobId), "utf8"));
  } catch {
    return null;
  }
  const m = parsed as Partial<NotebookJobManifest> | null;
  if (
    m === null ||
    m.version !== 1 ||
    (m.kind !== "run" && m.kind !== "sweep") ||
    typeof m.input !== "string" ||
    !Array.isArray(m.outputs) ||
    !Array.isArray(m.parameters)
  )
    return null;
  return m as NotebookJobManifest;
}
