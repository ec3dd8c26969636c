/**
 * The jobs layer's vocabulary, shared by both backends, the Job object, the magics and the
 * comm feed. A job's data is a {@link JobRow} (schema/jobs.ts), the same shape the Jobs panel
 * receives, so nothing is translated twice.
 */
import type { JobRow, JobState, JobsBackendKind } from "../schema/jobs.js";

export type { JobRow, JobState, JobsBackendKind };

/** What to submit: sbatch's own command line, and optionally the script's text. */
export interface SubmitRequest {
  /**
   * sbatch options, then (unless `script` is given or `--wrap` is used) the script file and its
   * arguments, exactly as on sbatch's command line, e.g. `["-J", "fit", "run.sh", "a1"]`.
   */
  args: string[];
  /** The batch script's text (the cell of `%%sbatch`); `#SBATCH` lines in it are read. */
  script?: string;
  /** Directory relative paths are taken from (default: the process's working directory). */
  cwd?: string;
  /** Recorded as the rows' `origin` (default: where this process submits from, see origin.ts). */
  origin?: string;
}

/** Which jobs to list; every field narrows the result. */
export interface JobFilter {
  /** A user name; `undefined` means everyone (Slurm's default), use the current user for `--me`. */
  user?: string;
  /** Job ids (`"123"`, `"123_4"`); an array id matches all its tasks. */
  ids?: string[];
  /**
   * States to include. Default: the active ones (PENDING, RUNNING, SUSPENDED, COMPLETING),
   * like squeue; `"all"` adds finished jobs the backend still knows.
   */
  states?: JobState[] | "all";
  partition?: string;
  /** Only jobs whose records hpcfit holds (submitted through hpcfit). */
  recordedOnly?: boolean;
}

/** What `cancel` did to one of the ids it was given. */
export interface CancelOutcome {
  /** The id as given. */
  id: string;
  /** True when at least one of its tasks was pending or running and was cancelled. */
  cancelled: boolean;
  /** The states its tasks were in before (one per task, in task order). */
  before: JobState[];
}

/** One partition, as `sinfo` shows it. */
export interface PartitionInfo {
  name: string;
  default: boolean;
  available: boolean;
  /** The maximum wall time in seconds, null when unlimited. */
  timeLimit: number | null;
  nodes: number;
  cpusAllocated: number;
  cpusIdle: number;
  cpusTotal: number;
}

/** One compute node. */
export interface NodeInfo {
  name: string;
  /** Slurm's node state in lower case (`idle`, `mixed`, `allocated`, `down`, ...). */
  state: string;
  cpus: number;
  cpusAllocated: number;
  partitions: string[];
}

/** A scheduler the jobs layer can drive. Every method rejects with a {@link UserError} on failure. */
export interface JobsBackend {
  readonly kind: JobsBackendKind;
  /** Submits a job (or a job array) and records it; resolves with its row(s): one per array task. */
  submit(request: SubmitRequest): Promise<JobRow[]>;
  /** Jobs matching `filter`. */
  list(filter?: JobFilter): Promise<JobRow[]>;
  /**
   * Cancels jobs (array ids cancel every task); says for each id whether it was cancelled or had
   * already ended. Unknown ids are an error and then nothing is cancelled.
   */
  cancel(ids: string[]): Promise<CancelOutcome[]>;
  /** Holds pending jobs. */
  hold(ids: string[]): Promise<void>;
  /** Releases held jobs. */
  release(ids: string[]): Promise<void>;
  /** `scontrol show job`: the job's attributes as key/value pairs. */
  show(id: string): Promise<Record<string, string>>;
  /** Accounting of finished and running jobs (sacct, or hpcfit's records when Slurm keeps none). */
  accounting(filter?: JobFilter): Promise<{ source: "sacct" | "records"; jobs: JobRow[] }>;
  partitions(): Promise<PartitionInfo[]>;
  nodes(): Promise<NodeInfo[]>;
  /** Forgets hpcfit's record of finished jobs (the scheduler is not touched). */
  forget(ids: string[]): Promise<number>;
}
