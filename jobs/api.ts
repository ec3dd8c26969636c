/**
 * The jobs API that the magics, the CLI and the Jobs panel feed all use: one current backend
 * (Slurm when its commands and a configuration are present, else the local scheduler), chosen
 * automatically or with {@link useBackend}.
 */
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { JobRow, JobsBackendKind } from "../schema/jobs.js";
import { Job, type WaitOptions } from "./job.js";
import { checkJobIds, matchesId } from "./job-ids.js";
import { LocalBackend } from "./local/local-backend.js";
import { submissionOrigin } from "./origin.js";
import { SlurmBackend, slurmConfPath } from "./slurm-backend.js";
import type { CancelOutcome, JobFilter, JobsBackend, NodeInfo, PartitionInfo, SubmitRequest } from "./types.js";
import { UserError } from "../util/user-error.js";

let current: JobsBackend | undefined;

/** Called with the rows of every job this process submits, as soon as the backend accepted it. */
export type SubmittedListener = (backend: JobsBackendKind, rows: JobRow[]) => void;

const submittedListeners = new Set<SubmittedListener>();

/**
 * Calls `listener` for every job this process submits (through {@link submit} or
 * {@link announceSubmitted}), so that a watcher such as the Jobs panel's feed shows it at once
 * instead of at its next poll. Returns a function that stops the calls.
 */
export function onSubmitted(listener: SubmittedListener): () => void {
  submittedListeners.add(listener);
  return () => submittedListeners.delete(listener);
}

/** Tells the {@link onSubmitted} listeners about jobs just submitted; a listener's error is not the submitter's. */
export function announceSubmitted(backend: JobsBackendKind, rows: JobRow[]): void {
  for (const listener of [...submittedListeners]) {
    try {
      listener(backend, rows);
    } catch {
      // A watcher that cannot show the job does not undo its submission.
    }
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, command)));
}

/**
 * Which backend `auto` picks: `HPCFIT_JOBS_BACKEND` when set, else Slurm when `sbatch` is on
 * PATH and a Slurm configuration is found (`SLURM_CONF` or /etc/slurm), else local.
 */
export function detectBackend(): JobsBackendKind {
  const forced = process.env.HPCFIT_JOBS_BACKEND;
  if (forced === "slurm" || forced === "local") return forced;
  return onPath("sbatch") && slurmConfPath() !== undefined ? "slurm" : "local";
}

/** Chooses the backend for this process (`%slurm backend ...`); returns it. */
export function useBackend(kind: JobsBackendKind | "auto"): JobsBackend {
  const k = kind === "auto" ? detectBackend() : kind;
  if (k === "slurm") {
    if (!onPath("sbatch")) throw new UserError("the Slurm backend needs sbatch, which is not on PATH");
    current = new SlurmBackend();
  } else if (k === "local") current = new LocalBackend();
  else throw new UserError(`unknown backend "${kind}" (slurm or local)`);
  return current;
}

/** The backends this process can submit to: local always, Slurm when sbatch and a configuration are there. */
export function availableBackends(): JobsBackendKind[] {
  return onPath("sbatch") && slurmConfPath() !== undefined ? ["local", "slurm"] : ["local"];
}

/**
 * A backend of `kind` to ask questions of (partitions, a dry check) without making it current:
 * the current one when it is of that kind, else a new one.
 */
export function backendOfKind(kind: JobsBackendKind): JobsBackend {
  if (current?.kind === kind) return current;
  if (kind === "slurm" && !availableBackends().includes("slurm"))
    throw new UserError(
      "the Slurm backend needs sbatch on PATH and a Slurm configuration (SLURM_CONF or /etc/slurm), and one of them is missing here",
    );
  return kind === "slurm" ? new SlurmBackend() : new LocalBackend();
}

/** The current backend (chosen automatically on first use). */
export function backend(): JobsBackend {
  return current ?? useBackend("auto");
}

function jobFor(b: JobsBackend, id: string, rows: JobRow[]): Job {
  return new Job(b, id, rows);
}

/**
 * Submits a batch job: sbatch's command line (`["-J", "fit", "run.sh"]`), or a script's text
 * (`#SBATCH` lines are read) with options. Resolves with the job (an array as one Job).
 */
export async function submit(request: SubmitRequest | string, args: string[] = []): Promise<Job> {
  const req: SubmitRequest = typeof request === "string" ? { script: request, args } : request;
  const b = backend();
  const rows = await b.submit({ ...req, origin: req.origin ?? submissionOrigin() });
  announceSubmitted(b.kind, rows);
  const first = rows[0];
  const id = first.arrayJobId !== null ? String(first.arrayJobId) : first.id;
  return jobFor(b, id, rows);
}

/** Jobs matching `filter` (by default the active ones, like squeue), one Job per row. */
export async function list(filter: JobFilter = {}): Promise<Job[]> {
  const b = backend();
  return (await b.list(filter)).map((r) => jobFor(b, r.id, [r]));
}

/** One job (or a whole array by its id), in any state; an unknown id is an error. */
export async function get(id: string): Promise<Job> {
  const [checked] = checkJobIds([id]);
  const b = backend();
  const rows = (await b.list({ ids: [checked], states: "all" })).filter((r) => matchesId(r, checked));
  if (rows.length === 0) throw new UserError(`no such job: ${id}`);
  return jobFor(b, checked, rows);
}

/**
 * Cancels jobs; says for each id whether it was cancelled or had already ended. Unknown ids are
 * an error and then nothing is cancelled.
 */
export async function cancel(ids: string[]): Promise<CancelOutcome[]> {
  return backend().cancel(ids);
}

/** Holds pending jobs. */
export async function hold(ids: string[]): Promise<void> {
  await backend().hold(ids);
}

/** Releases held jobs. */
export async function release(ids: string[]): Promise<void> {
  await backend().release(ids);
}

/** A job's output (the last `lines` lines when given). */
export async function output(id: string, options: { stream?: "stdout" | "stderr"; lines?: number } = {}): Promise<string> {
  return (await get(id)).output(options);
}

/** Waits until every job named has ended; resolves with them. */
export async function wait(ids: string[], options: WaitOptions = {}): Promise<Job[]> {
  const jobs = await Promise.all(checkJobIds(ids).map((id) => get(id)));
  return Promise.all(jobs.map((j) => j.wait(options)));
}

/** `scontrol show job`: the job's attributes. */
export async function show(id: string): Promise<Record<string, string>> {
  return backend().show(id);
}

/** Accounting (sacct, or hpcfit's records when Slurm keeps none). */
export async function accounting(filter: JobFilter = {}): Promise<{ source: "sacct" | "records"; jobs: Job[] }> {
  const b = backend();
  const r = await b.accounting(filter);
  return { source: r.source, jobs: r.jobs.map((row) => jobFor(b, row.id, [row])) };
}

/** Partitions of the current backend. */
export async function partitions(): Promise<PartitionInfo[]> {
  return backend().partitions();
}

/** Nodes of the current backend. */
export async function nodes(): Promise<NodeInfo[]> {
  return backend().nodes();
}

/** Forgets hpcfit's records of ended jobs; returns how many were dropped. */
export async function forget(ids: string[]): Promise<number> {
  return backend().forget(ids);
}
