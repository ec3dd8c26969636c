/**
 * A whole sweep as one library call, the same for `hpcfit sweep` and a notebook (the scaling
 * study runs its sweep this way): one run per grid combination, here (in parallel up to a limit)
 * or as a job array, then the summary files.
 */
import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, extname, join, resolve } from "node:path";
import type { Job } from "../jobs/job.js";
import { rowFromOutput, submitSweepArray } from "./batch.js";
import { checkParameterNames, type ParameterValues } from "./parameters.js";
import { readNotebook } from "./notebook.js";
import { runNotebookFile } from "./run-file.js";
import { gridCombinations, runLimited, sweepOutputName, writeSummary, type GridAxis, type SweepRow } from "./sweep.js";
import { nodeName } from "../util/node-name.js";

/** Options of {@link runSweep}. */
export interface SweepOptions {
  input: string;
  /** The grid: one axis per parameter varied. */
  axes: GridAxis[];
  /** Parameters shared by every run. */
  fixed?: ParameterValues;
  /** Where outputs and the summary go (default: `<input stem>-sweep/` in the working directory). */
  outputDir?: string;
  /** Runs at once here, or the array's `%` limit with `sbatch` (default here: the CPUs available). */
  parallel?: number;
  kernel?: string;
  allowErrors?: boolean;
  /** Inject parameters the notebook does not declare. */
  allowUnknownParameters?: boolean;
  executionTimeout?: number;
  /** Submit as a job array with these sbatch options instead of running here. */
  sbatch?: string[];
  /** With `sbatch`: wait for the array and summarise the finished runs. */
  wait?: boolean;
  /** Called after each local run finishes. */
  onRun?: (finished: number, total: number, row: SweepRow) => void;
}

/** What a sweep produced. */
export interface SweepResult {
  rows: SweepRow[];
  /** Paths of the summary CSV and notebook. */
  summary: { csv: string; notebook: string };
  /** The job array, when submitted with `sbatch`. */
  job?: Job;
}

/** Runs (or submits) a sweep and writes its summary. */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const { input, axes } = options;
  const combos = gridCombinations(axes, options.fixed ?? {});
  if (combos.length > 0) checkParameterNames(readNotebook(input), combos[0], input, options.allowUnknownParameters);
  const outputDir = resolve(options.outputDir ?? `${basename(input, extname(input))}-sweep`);
  mkdirSync(outputDir, { recursive: true });
  const names = combos.map((c) => sweepOutputName(input, c, axes));
  let rows: SweepRow[];
  let job: Job | undefined;
  if (options.sbatch) {
    const submitted = await submitSweepArray({
      input,
      combos,
      outputs: names,
      outputDir,
      limit: options.parallel,
      kernel: options.kernel,
      allowErrors: options.allowErrors,
      allowUnknownParameters: options.allowUnknownParameters,
      executionTimeout: options.executionTimeout,
      sbatch: options.sbatch,
    });
    job = submitted.job;
    const arrayId = job.id;
    if (options.wait) {
      await job.wait({ live: false });
      // Each run is judged with its task's end as well as its output: a run killed mid-way
      // leaves an output that was saved part way.
      const tasks = new Map(job.tasks.map((t) => [t.id, t]));
      rows = submitted.outputs.map((o, i) => rowFromOutput(o, combos[i], `${arrayId}_${i}`, tasks.get(`${arrayId}_${i}`)));
    } else {
      rows = submitted.outputs.map((o, i) => ({
        parameters: combos[i],
        status: "submitted",
        output: o,
        jobId: `${arrayId}_${i}`,
        records: {},
      }));
    }
  } else {
    let finished = 0;
    const parallel = options.parallel ?? Math.max(1, Math.min(availableParallelism(), combos.length));
    rows = await runLimited(
      combos.map((combo, i) => async (): Promise<SweepRow> => {
        const output = join(outputDir, names[i]);
        const result = await runNotebookFile({
          input,
          output,
          parameters: combo,
          kernel: options.kernel,
          allowErrors: options.allowErrors,
          allowUnknownParameters: options.allowUnknownParameters,
          executionTimeout: options.executionTimeout,
        });
        const row: SweepRow = {
          parameters: combo,
          status: result.ok ? "ok" : "failed",
          runTime: result.duration,
          output,
          node: nodeName(),
          error: result.ok || !result.failure ? undefined : `${result.failure.ename}: ${result.failure.evalue}`,
          records: result.records,
        };
        options.onRun?.(++finished, combos.length, row);
        return row;
      }),
      parallel,
    );
  }
  return { rows, summary: writeSummary(rows, input, outputDir), job };
}
