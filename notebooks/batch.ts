/**
 * Notebook runs as batch jobs: one run (`hpcfit run ... --sbatch`, `%run_notebook --sbatch`) or a
 * sweep as a job array, submitted through the jobs layer (Slurm or the local backend). The job
 * runs `hpcfit run` itself, so a batch run behaves exactly as a run on this machine.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { stringify as toYaml } from "yaml";
import { submit } from "../jobs/api.js";
import type { Job } from "../jobs/job.js";
import type { JobRow } from "../schema/jobs.js";
import { readNotebook, type Notebook } from "./notebook.js";
import { checkParameterNames, expandPathTemplate, type ParameterValues } from "./parameters.js";
import { RECORD_MIME } from "./record.js";
import type { SweepRow } from "./sweep.js";
import { writeManifest } from "./job-manifest.js";
import type { NotebookJobOrder } from "../schema/notebook-jobs.js";
import { compiledEntry } from "../util/paths.js";
import { shellQuote } from "../util/shell.js";

/** The options of a headless run that travel into the batch job. */
export interface BatchRunOptions {
  input: string;
  output: string;
  parameters: ParameterValues;
  kernel?: string;
  cwd?: string;
  allowErrors?: boolean;
  /** Inject parameters the notebook does not declare. */
  allowUnknownParameters?: boolean;
  startTimeout?: number;
  executionTimeout?: number;
  reportMode?: boolean;
  /** Also write each output as HTML (nbconvert). */
  html?: boolean;
  /** sbatch options, as on its command line (e.g. `["--time=00:10:00", "-J", "report"]`). */
  sbatch: string[];
  /** sbatch options in `--name=value` form written into the script as `#SBATCH` lines, so that the script says everything. */
  directives?: string[];
}

/** The options of `hpcfit run` inside the job; without a terminal its progress is a log of the cells (notebooks/run-log.ts). */
function runArguments(options: Omit<BatchRunOptions, "sbatch" | "parameters" | "input" | "output">): string[] {
  const args: string[] = [];
  if (options.kernel) args.push("--kernel", options.kernel);
  if (options.cwd) args.push("--cwd", resolve(options.cwd));
  if (options.allowErrors) args.push("--allow-errors");
  if (options.allowUnknownParameters) args.push("--allow-unknown");
  if (options.startTimeout) args.push("--start-timeout", String(options.startTimeout));
  if (options.executionTimeout) args.push("--execution-timeout", String(options.executionTimeout));
  if (options.reportMode) args.push("--report-mode");
  if (options.html) args.push("--html");
  return args;
}

function hasOption(sbatch: string[], short: string, long: string): boolean {
  return sbatch.some(
    (a) => a === short || a === long || a.startsWith(`${long}=`) || (a.startsWith(short) && a.length > 2 && !a.startsWith("--")),
  );
}

/** A batch job ready to submit: its script, the sbatch options and the folder it runs in. */
export interface BatchScript {
  script: string;
  args: string[];
  cwd: string;
}

/** What a notebook job records about itself beyond its outputs (see job-manifest.ts). */
export interface BatchRecord {
  /** The run's name (default: the output's stem, or the sweep folder's name). */
  name?: string;
  /** The form's order it came from. */
  order?: NotebookJobOrder | null;
}

/** The batch script of one notebook run; nothing is written or submitted. */
export function notebookRunScript(options: BatchRunOptions): BatchScript & { output: string } {
  const input = resolve(options.input);
  const output = resolve(expandPathTemplate(options.output, options.parameters));
  const stem = basename(output, extname(output));
  const lines = ["#!/bin/bash", ...(options.directives ?? []).map((d) => `#SBATCH ${d}`)];
  const given = [...options.sbatch, ...(options.directives ?? [])];
  if (!hasOption(given, "-J", "--job-name")) lines.push(`#SBATCH --job-name=${shellQuote(`run ${basename(input)}`)}`);
  if (!hasOption(given, "-o", "--output")) lines.push(`#SBATCH --output=${shellQuote(join(dirname(output), `${stem}-%j.log`))}`);
  const command = [
    process.execPath,
    compiledEntry("cli/main.js"),
    "run",
    input,
    output,
    "-y",
    toYaml(options.parameters).trimEnd(),
    ...runArguments(options),
  ];
  lines.push(`exec ${command.map(shellQuote).join(" ")}`);
  return { script: lines.join("\n") + "\n", args: options.sbatch, cwd: dirname(output), output };
}

/** Submits one notebook run as a batch job; the output lands at `options.output`. */
export async function submitNotebookRun(options: BatchRunOptions, record: BatchRecord = {}): Promise<Job> {
  const input = resolve(options.input);
  // Refused here, not in the job: a misspelt name should not cost a queue wait.
  checkParameterNames(readNotebook(input), options.parameters, input, options.allowUnknownParameters);
  const { script, args, cwd, output } = notebookRunScript(options);
  mkdirSync(cwd, { recursive: true });
  const job = await submit({ script, args, cwd });
  writeManifest(cwd, job.id, {
    version: 1,
    kind: "run",
    name: record.name ?? basename(output, extname(output)),
    input,
    runDir: cwd,
    outputs: [output],
    parameters: [options.parameters],
    order: record.order ?? null,
    html: options.html === true,
  });
  return job;
}

/** Options of a sweep's job array. */
export type SweepArrayOptions = Omit<BatchRunOptions, "output" | "parameters"> & {
  combos: ParameterValues[];
  outputs: string[];
  outputDir: string;
  limit?: number;
};

function sweepParamsDir(options: SweepArrayOptions): string {
  return join(resolve(options.outputDir), `.${basename(options.input, extname(options.input))}-sweep`);
}

/** The batch script of a sweep's job array; nothing is written or submitted. */
export function sweepArrayScript(options: SweepArrayOptions): BatchScript & { outputs: string[] } {
  const input = resolve(options.input);
  const dir = resolve(options.outputDir);
  const paramsDir = sweepParamsDir(options);
  const outputs = options.outputs.map((o) => resolve(dir, o));
  const lines = ["#!/bin/bash", ...(options.directives ?? []).map((d) => `#SBATCH ${d}`)];
  const given = [...options.sbatch, ...(options.directives ?? [])];
  if (!hasOption(given, "-J", "--job-name")) lines.push(`#SBATCH --job-name=${shellQuote(`sweep ${basename(input)}`)}`);
  if (!hasOption(given, "-o", "--output")) lines.push(`#SBATCH --output=${shellQuote(join(paramsDir, "%a.log"))}`);
  const last = options.combos.length - 1;
  lines.push(`#SBATCH --array=0-${last}${options.limit ? `%${options.limit}` : ""}`);
  // A run on a node that fails goes back in line and runs again on another node, whatever the
  // site's default (JobRequeue); a run that completed never runs again. --no-requeue opts out.
  if (!given.some((a) => a === "--requeue" || a === "--no-requeue")) lines.push("#SBATCH --requeue");
  lines.push(`out=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" ${shellQuote(join(paramsDir, "outputs.txt"))})`);
  const command = [process.execPath, compiledEntry("cli/main.js"), "run", input].map(shellQuote).join(" ");
  const rest = ["-f", `${paramsDir}/$SLURM_ARRAY_TASK_ID.yaml`].map((w) => (w.includes("$") ? `"${w}"` : shellQuote(w)));
  lines.push(["exec", command, '"$out"', ...rest, ...runArguments(options).map(shellQuote)].join(" "));
  return { script: lines.join("\n") + "\n", args: options.sbatch, cwd: dir, outputs };
}

/**
 * Submits a sweep as one job array: task i runs combination i, reading its parameters from a
 * file the sweep writes beside the outputs. Returns the array job and each task's output path.
 */
export async function submitSweepArray(
  options: SweepArrayOptions,
  record: BatchRecord = {},
): Promise<{ job: Job; outputs: string[] }> {
  const { script, args, cwd, outputs } = sweepArrayScript(options);
  const paramsDir = sweepParamsDir(options);
  mkdirSync(paramsDir, { recursive: true });
  options.combos.forEach((combo, i) => writeFileSync(join(paramsDir, `${i}.yaml`), toYaml(combo)));
  writeFileSync(join(paramsDir, "outputs.txt"), outputs.join("\n") + "\n");
  const job = await submit({ script, args, cwd });
  writeManifest(cwd, job.id, {
    version: 1,
    kind: "sweep",
    name: record.name ?? basename(cwd),
    input: resolve(options.input),
    runDir: cwd,
    outputs,
    parameters: options.combos,
    order: record.order ?? null,
    html: options.html === true,
  });
  return { job, outputs };
}

/** How Slurm (or the local backend) last saw the job of one run, when it has ended. */
export type RunTask = Pick<JobRow, "id" | "state" | "exitCode" | "signal" | "nodes">;

/** The task's end in words: `FAILED (killed by signal 9) on n4`. */
function taskEnd(task: RunTask): string {
  const how = task.signal !== null ? ` (killed by signal ${task.signal})` : task.exitCode ? ` (exit code ${task.exitCode})` : "";
  return `${task.state}${how}${task.nodes ? ` on ${task.nodes}` : ""}`;
}

/**
 * Where a run stopped when its output was last saved before its process ended: the first code
 * cell still pending or running (the runner marks each cell as it goes), else null. Outputs
 * without these marks count as finished.
 */
function unfinishedAt(nb: Notebook): { number: number; of: number } | null {
  const code = nb.cells.filter((c) => c.cell_type === "code");
  const at = code.findIndex((c) => {
    const status = (c.metadata.hpcfit as { status?: unknown } | undefined)?.status;
    return status === "pending" || status === "running";
  });
  return at < 0 ? null : { number: at + 1, of: code.length };
}

/**
 * Reads a run's output notebook into a summary row (status, run time, records). With `task`,
 * the run's job as it ended, a run counts as ok only when its job completed too: a run whose
 * process was killed leaves an output saved part way, which says nothing of the end.
 */
export function rowFromOutput(output: string, parameters: ParameterValues, jobId?: string, task?: RunTask): SweepRow {
  const ended = task && task.state !== "COMPLETED" ? `its job ${task.id} ended ${taskEnd(task)}` : undefined;
  let nb: Notebook;
  try {
    nb = readNotebook(output);
  } catch (error) {
    const why = `no output notebook: ${(error as Error).message}`;
    return { parameters, status: "failed", output, jobId, error: ended ? `${why}; ${ended}` : why, records: {} };
  }
  const meta = (nb.metadata.hpcfit ?? {}) as { exception?: boolean; duration?: number; node?: unknown };
  const records: Record<string, unknown> = {};
  let error: string | undefined;
  for (const cell of nb.cells) {
    for (const out of cell.outputs ?? []) {
      const data = out.data as Record<string, unknown> | undefined;
      const rec = data?.[RECORD_MIME] as { name?: unknown; value?: unknown } | undefined;
      if (rec && typeof rec.name === "string") records[rec.name] = rec.value;
      if (out.output_type === "error" && !error) error = `${String(out.ename)}: ${String(out.evalue)}`;
    }
  }
  const stopped = meta.exception ? null : unfinishedAt(nb);
  let failure: string | undefined;
  if (meta.exception) failure = error ?? "the run failed";
  else if (stopped) failure = `the run stopped at code cell ${stopped.number} of ${stopped.of}${ended ? `: ${ended}` : ""}`;
  else if (ended) failure = `the output looks complete but ${ended}`;
  return {
    parameters,
    status: failure === undefined ? "ok" : "failed",
    runTime: typeof meta.duration === "number" ? meta.duration : undefined,
    output,
    jobId,
    node: typeof meta.node === "string" ? meta.node : undefined,
    error: failure,
    records,
  };
}
