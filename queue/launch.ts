/**
 * `launch`: submits N worker jobs, as one job array, through the jobs layer. Each array task runs
 * `hpcfit queue work` on the queue; the workers stop by themselves when the queue is done, and a
 * job that hits its wall time loses nothing: its tasks' leases expire and other workers rerun them.
 * A queue in SQLite is used from one node only, so several worker jobs on Slurm need a queue in
 * PostgreSQL; the workers are given its URL.
 */
import { dirname, join } from "node:path";
import type { JobRow } from "../schema/jobs.js";
import type { JobsBackend } from "../jobs/types.js";
import type { Queue } from "./queue.js";
import { checkBatch, type BatchSetting } from "./batch-size.js";
import { shellQuote } from "../util/shell.js";
import { UserError } from "../util/user-error.js";
import { compiledEntry, ensurePrivateDir } from "../util/paths.js";

/** How to launch workers. */
export interface LaunchOptions {
  /** Number of worker jobs (array tasks). */
  jobs: number;
  /** Cores each worker gets (default 1). */
  coresPerWorker?: number;
  /** Workers per job (default 1); a job asks for `coresPerWorker * workersPerJob` CPUs. */
  workersPerJob?: number;
  /** Time limit of each job, in sbatch's syntax (`30`, `1:00:00`, `2-00:00:00`). */
  walltime?: string;
  /** Lease length of the workers in seconds (default: the worker's, 60). */
  leaseSeconds?: number;
  /** Tasks each worker claims per exchange with the database (default `"auto"`, the worker's). */
  batch?: BatchSetting;
  /** Further sbatch options, e.g. `["--partition", "debug"]`. */
  sbatchArgs?: string[];
  /** The folder holding the queues, passed to the workers (default: the queue's parent). */
  queuesDir?: string;
  /** The jobs backend to submit with (default: the jobs layer's choice for this machine). */
  backend?: JobsBackend;
}

/** What `launch` submitted. */
export interface LaunchResult {
  /** The job ids of the array tasks (`123_0`, `123_1`, ...), or of the job. */
  jobIds: string[];
  /** The submitted jobs' rows as the jobs layer reported them. */
  jobs: JobRow[];
  /** The batch script that was submitted. */
  script: string;
}

/** Options we set ourselves; a user's copy would silently change what the workers get. */
const OURS = ["--array", "-a", "--cpus-per-task", "-c", "--wrap"];

async function defaultBackend(): Promise<JobsBackend> {
  // The jobs layer's current backend: Slurm when it is configured here, else its local scheduler.
  const { backend } = await import("../jobs/api.js");
  return backend();
}

/** Submits `options.jobs` worker jobs for `q` as one job array. */
export async function launchWorkers(q: Queue, options: LaunchOptions): Promise<LaunchResult> {
  const jobs = options.jobs;
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new UserError(`The number of worker jobs must be a whole number >= 1, got ${jobs}.`);
  const cores = options.coresPerWorker ?? 1;
  const perJob = options.workersPerJob ?? 1;
  if (!Number.isInteger(cores) || cores < 1) throw new UserError(`--cores-per-worker must be a whole number >= 1, got ${cores}.`);
  if (!Number.isInteger(perJob) || perJob < 1)
    throw new UserError(`--workers-per-job must be a whole number >= 1, got ${perJob}.`);
  const extra = options.sbatchArgs ?? [];
  for (const a of extra) {
    const flag = a.split("=")[0];
    if (OURS.includes(flag))
      throw new UserError(`${flag} is set by launch itself (use N, --cores-per-worker and --workers-per-job).`);
  }
  const info = await q.info();
  if (info.state === "paused") throw new UserError(`Queue ${q.name} is paused; resume it first, or its workers would sit idle.`);
  const root = options.queuesDir ?? dirname(q.directory);
  const outDir = ensurePrivateDir(join(q.directory, "jobs"));
  const work = [
    process.execPath,
    compiledEntry("cli/main.js"),
    "queue",
    "work",
    q.name,
    "--dir",
    root,
    "--workers",
    String(perJob),
  ];
  if (options.leaseSeconds !== undefined) work.push("--lease", String(options.leaseSeconds));
  if (options.batch !== undefined) work.push("--batch", String(checkBatch(options.batch)));
  if (q.databaseUrl !== null) work.push("--db", q.databaseUrl);
  const script = `#!/bin/sh\n# hpcfit queue worker for ${q.name}\nexec ${work.map(shellQuote).join(" ")}\n`;
  const args = [
    `--job-name=hpcfit-queue-${q.name}`,
    `--array=0-${jobs - 1}`,
    `--cpus-per-task=${cores * perJob}`,
    `--output=${join(outDir, "worker-%A_%a.out")}`,
    ...(options.walltime !== undefined ? [`--time=${options.walltime}`] : []),
    ...extra,
  ];
  const backend = options.backend ?? (await defaultBackend());
  if (q.databaseUrl === null && jobs > 1 && backend.kind === "slurm") {
    throw new UserError(
      `Queue ${q.name} is kept in SQLite, which workers on several nodes must not share (its file locks do not work across nodes: tasks would be lost or run twice), ` +
        `and Slurm may place ${jobs} worker jobs on ${jobs} nodes. Keep the queue in PostgreSQL to spread it over nodes (hpcfit queue create ${q.name} --db postgres://user@host/database, ` +
        `then launch with the same --db or $HPCFIT_QUEUE_DB), or run one worker job with several workers on one node: launch ${q.name} 1 --workers-per-job ${jobs}.`,
    );
  }
  const rows = await backend.submit({ args, script, cwd: q.directory });
  return { jobIds: rows.map((r) => r.id), jobs: rows, script };
}
