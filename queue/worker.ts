/**
 * The worker loop: claim the highest-priority ready task, hold its lease with a heartbeat while it
 * runs (an argument vector, a shell command, or a TypeScript function), record the outcome, repeat.
 * Several loops may run in one process; many processes may share a queue.
 */
import { hostname } from "node:os";
import { logFilePath, runCommand } from "./run-command.js";
import type { ClaimedTask, QueueInfo, QueueStorage, TaskOutcome, WorkerPlace } from "./types.js";
import type { TaskCommand } from "./run-command.js";
import { TaskWatchdog } from "./task-watchdog.js";
import { UserError } from "../util/user-error.js";
import { nodeName } from "../util/node-name.js";

/** What a task function receives besides its task. */
export interface TaskContext {
  /** Aborted when the worker loses the task's lease or is stopping: stop work and return. */
  readonly signal: AbortSignal;
  /** The worker's name, as stored on the task. */
  readonly worker: string;
}

/**
 * Runs one task in-process. Returning normally (or `0`) succeeds; a non-zero number is the exit
 * code of a failure; a thrown error fails the task with its message. The heartbeat runs on the
 * event loop: a function that blocks it for longer than the lease loses the task to another
 * worker (its result is then refused), so long synchronous work belongs in a command task or a
 * worker thread.
 */
export type TaskFunction = (task: ClaimedTask, context: TaskContext) => unknown;

/** One finished attempt, reported to {@link WorkOptions.onTask}. */
export interface TaskReport {
  task: ClaimedTask;
  worker: string;
  outcome: TaskOutcome;
  /** False when the lease had been lost and the outcome was discarded. */
  recorded: boolean;
  /** True when the attempt failed and the task waits to run again, having attempts left. */
  retrying: boolean;
}

/** How a worker runs. */
export interface WorkOptions {
  /** Concurrent worker loops in this process (default 1). */
  workers?: number;
  /** Lease length in seconds (default 60); the heartbeat renews it every third of that. */
  leaseSeconds?: number;
  /** How often an idle worker looks for work, in seconds (default 1). */
  pollSeconds?: number;
  /**
   * Return once no task is waiting, pending or running (default true). With false, wait for new
   * tasks until `signal` aborts.
   */
  exitWhenDone?: boolean;
  /** Stop after this many attempts in total (all loops). */
  maxTasks?: number;
  /** Stops the loops: running tasks are stopped and given back to the queue. */
  signal?: AbortSignal;
  /** A prefix for worker names (default `host:pid`). */
  name?: string;
  /** Called after every attempt. */
  onTask?: (report: TaskReport) => void;
}

/** What a worker did. */
export interface WorkSummary {
  succeeded: number;
  /** Tasks that failed for good. */
  failed: number;
  /** Failed attempts whose task was put back in line to run again. */
  retried: number;
  /** Attempts whose lease was lost (their outcome was not recorded) or that were stopped. */
  abandoned: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** The default worker name prefix: the Slurm job (when inside one), host and pid. */
export function defaultWorkerName(): string {
  const job = process.env.SLURM_ARRAY_JOB_ID
    ? `${process.env.SLURM_ARRAY_JOB_ID}_${process.env.SLURM_ARRAY_TASK_ID ?? "0"}`
    : process.env.SLURM_JOB_ID;
  return `${job ? `slurm-${job}@` : ""}${hostname()}:${process.pid}`;
}

/**
 * Where this process runs: the Slurm node name when inside a job (several nodes may share one
 * host, as on a test cluster), else the host name; and the batch job, when inside one.
 */
export function workerPlace(env: NodeJS.ProcessEnv = process.env): WorkerPlace {
  const jobId = env.SLURM_ARRAY_JOB_ID
    ? `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID ?? "0"}`
    : (env.SLURM_JOB_ID ?? null);
  return { node: nodeName(env), jobId: jobId === "" ? null : jobId };
}

function positive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new UserError(`${what} must be a positive number, got ${value}.`);
  return value;
}

/**
 * Runs worker loops on `storage` until the queue is done (or `signal` aborts). Without `fn`,
 * tasks are commands (argument vectors or shell command lines); a task without one then fails
 * with a clear error.
 */
export async function work(
  storage: QueueStorage,
  info: QueueInfo,
  fn: TaskFunction | undefined,
  options: WorkOptions = {},
): Promise<WorkSummary> {
  const loops = positive(options.workers, 1, "workers");
  if (!Number.isInteger(loops)) throw new UserError(`workers must be a whole number, got ${loops}.`);
  const leaseMs = positive(options.leaseSeconds, 60, "lease") * 1000;
  const pollMs = positive(options.pollSeconds, 1, "poll interval") * 1000;
  const exitWhenDone = options.exitWhenDone ?? true;
  const prefix = options.name ?? defaultWorkerName();
  const place = workerPlace();
  const stop = new AbortController();
  const outer = options.signal;
  const onOuterAbort = () => stop.abort();
  if (outer?.aborted) stop.abort();
  outer?.addEventListener("abort", onOuterAbort, { once: true });
  const summary: WorkSummary = { succeeded: 0, failed: 0, retried: 0, abandoned: 0 };
  let started = 0;

  // Command tasks die with this process: see task-watchdog.ts.
  const watchdog = fn ? undefined : TaskWatchdog.start();
  const wantsMore = () => !stop.signal.aborted && (options.maxTasks === undefined || started < options.maxTasks);
  const loop = async (worker: string) => {
    // The task the last completion claimed in the same round trip, if any.
    let carried: ClaimedTask | null = null;
    try {
      while (wantsMore() || carried !== null) {
        if (stop.signal.aborted) return;
        const task = carried ?? (await storage.claim(worker, leaseMs, place));
        carried = null;
        if (!task) {
          if (exitWhenDone) {
            const c = await storage.counts();
            if (c.WAITING + c.PENDING + c.RUNNING === 0) return;
          }
          await sleep(pollMs, stop.signal);
          continue;
        }
        started++;
        const { report, next } = await runOne(storage, info, task, worker, leaseMs, place, fn, stop.signal, wantsMore, watchdog);
        carried = next;
        if (!report.recorded) summary.abandoned++;
        else if (report.retrying) summary.retried++;
        else if (report.outcome.exitCode === 0) summary.succeeded++;
        else summary.failed++;
        options.onTask?.(report);
      }
    } finally {
      // Stopped while holding a task claimed with the last completion: hand it back at once.
      if (carried !== null) await storage.abandon(carried.id, worker, carried.attempt);
    }
  };
  try {
    const names = Array.from({ length: loops }, (_, i) => (loops === 1 ? prefix : `${prefix}/${i}`));
    // A loop that fails (the database gone, say) stops the others, whose tasks are given back,
    // and the error is thrown once every loop has ended: the watchdog is told that the worker
    // ends normally only when none of its tasks runs any more.
    const ended = await Promise.allSettled(
      names.map((name) =>
        loop(name).catch((e: unknown) => {
          stop.abort();
          throw e;
        }),
      ),
    );
    const failure = ended.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) throw failure.reason;
  } finally {
    outer?.removeEventListener("abort", onOuterAbort);
    watchdog?.close();
  }
  return summary;
}

async function runOne(
  storage: QueueStorage,
  info: QueueInfo,
  task: ClaimedTask,
  worker: string,
  leaseMs: number,
  place: WorkerPlace,
  fn: TaskFunction | undefined,
  stopping: AbortSignal,
  wantsMore: () => boolean,
  watchdog: TaskWatchdog | undefined,
): Promise<{ report: TaskReport; next: ClaimedTask | null }> {
  const attempt = task.attempt;
  const taskAbort = new AbortController();
  let leaseLost = false;
  const onStop = () => taskAbort.abort();
  stopping.addEventListener("abort", onStop, { once: true });
  const beat = setInterval(
    () => {
      storage.heartbeat(task.id, worker, attempt, leaseMs).then(
        (held) => {
          if (!held && !taskAbort.signal.aborted) {
            leaseLost = true;
            taskAbort.abort();
          }
        },
        () => undefined, // a busy database delays one beat; the next one retries
      );
    },
    Math.max(50, Math.floor(leaseMs / 3)),
  );
  let outcome: TaskOutcome;
  try {
    if (fn) {
      outcome = await runFunction(fn, task, { signal: taskAbort.signal, worker });
    } else if (task.command === null && task.argv === null) {
      outcome = {
        exitCode: 2,
        error: "task has parameters but no command; run this queue with q.work(fn) from the library, or load it with --script",
      };
    } else {
      const command: TaskCommand = task.argv !== null ? { argv: task.argv } : { shell: task.command! };
      const logFile = logFilePath(info.directory, task.id, attempt);
      await storage.setLogFile(task.id, worker, attempt, logFile);
      const env = {
        ...process.env,
        HPCFIT_QUEUE: info.name,
        HPCFIT_QUEUE_DIR: info.directory,
        HPCFIT_TASK_ID: String(task.id),
        HPCFIT_TASK_ATTEMPT: String(attempt),
        HPCFIT_WORKER: worker,
        ...watchdog?.env,
      };
      outcome = await runCommand(command, logFile, env, taskAbort.signal);
    }
  } finally {
    clearInterval(beat);
    stopping.removeEventListener("abort", onStop);
  }
  if (leaseLost) return { report: { task, worker, outcome, recorded: false, retrying: false }, next: null };
  if (stopping.aborted) {
    // Stopped from outside (SIGTERM at the end of a batch job): hand the task back now rather
    // than when its lease would run out.
    await storage.abandon(task.id, worker, attempt);
    return { report: { task, worker, outcome, recorded: false, retrying: false }, next: null };
  }
  // A worker that goes on claims its next task with this completion, in one exchange.
  const { state, next } = wantsMore()
    ? await storage.completeAndClaim(task.id, worker, attempt, outcome, leaseMs, place)
    : { state: await storage.complete(task.id, worker, attempt, outcome), next: null };
  return { report: { task, worker, outcome, recorded: state !== null, retrying: state === "PENDING" }, next };
}

async function runFunction(
  fn: TaskFunction,
  task: ClaimedTask,
  context: { signal: AbortSignal; worker: string },
): Promise<TaskOutcome> {
  try {
    const result = await fn(task, context);
    if (typeof result === "number") {
      if (!Number.isInteger(result)) return { exitCode: 1, error: `task function returned ${result}, not an exit code` };
      return { exitCode: result, error: result === 0 ? null : `exit code ${result}` };
    }
    return { exitCode: 0, error: null };
  } catch (e) {
    return { exitCode: 1, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}
