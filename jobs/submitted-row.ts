/**
 * The record of a job that a backend has just accepted: pending, not yet on a node, with what
 * sbatch's options say of it. Both backends describe a new job this way, so the Jobs panel and
 * `squeue` show a fresh job alike wherever it was submitted.
 */
import { resolve } from "node:path";
import type { JobRow, JobsBackendKind } from "../schema/jobs.js";
import { expandFilePattern } from "./job-ids.js";
import type { SbatchOptions } from "./sbatch-options.js";

/** What a backend knows of one job (or one task of an array) it has just accepted. */
export interface SubmittedJob {
  jobId: number;
  /** The array's id when the job is a task of an array, else null. */
  arrayJobId: number | null;
  /** The task index within the array, else null. */
  task: number | null;
  name: string;
  user: string;
  partition: string | null;
  /** ISO time of the submission. */
  submitTime: string;
  /** The job's working directory, where its output files are named from. */
  directory: string;
  /** The node `%N` stands for in an output file's name (empty where it is not known yet). */
  node: string;
  backend: JobsBackendKind;
  origin: string | null;
}

/**
 * The pending row of `job`, with its reason, CPUs, time limit and output files taken from sbatch's
 * `options` (Slurm's default output name when none is given; stderr joins stdout unless `--error`).
 */
export function submittedRow(job: SubmittedJob, options: SbatchOptions): JobRow {
  const vars = {
    jobId: job.jobId,
    name: job.name,
    arrayJobId: job.arrayJobId,
    arrayTaskId: job.task,
    user: job.user,
    node: job.node,
  };
  // Normalised, so the record names the file as the file system does (no `a/../`).
  const path = (pattern: string): string => resolve(job.directory, expandFilePattern(pattern, vars));
  const stdout = path(options.output ?? (options.array ? "slurm-%A_%a.out" : "slurm-%j.out"));
  return {
    id: job.arrayJobId !== null ? `${job.arrayJobId}_${job.task}` : String(job.jobId),
    jobId: job.jobId,
    arrayJobId: job.arrayJobId,
    arrayTaskId: job.task,
    name: job.name,
    user: job.user,
    state: "PENDING",
    reason: options.hold ? "JobHeldUser" : options.dependency ? "Dependency" : null,
    partition: job.partition,
    nodes: null,
    cpus: (options.ntasks ?? 1) * (options.cpusPerTask ?? 1),
    submitTime: job.submitTime,
    startTime: null,
    endTime: null,
    timeLimit: options.time ?? null,
    exitCode: null,
    signal: null,
    directory: job.directory,
    stdout,
    stderr: options.error ? path(options.error) : stdout,
    backend: job.backend,
    origin: job.origin,
  };
}
