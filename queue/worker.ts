/**
 * The worker loop: claim the highest-priority ready tasks (one, or a batch of short ones), hold
 * their leases with one heartbeat while they run one after the other (an argument vector, a shell
 * command, or a TypeScript function), record the outcomes and claim the next batch in one
 * exchange, repeat. Several loops may run in one process; many processes may share a queue.
 */
import { hostname } from "node:os";
import { BatchSizer, checkBatch, type BatchSetting } from "./batch-size.js";
import { logFilePath, runCommand } from "./run-command.js";
import type { ClaimedTask, HeldAttempt, QueueInfo, QueueStorage, TaskOutcome, TaskState, WorkerPlace } from "./types.js";
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
  /** How many tasks the claim that handed this one out took (1 when it was claimed alone). */
  claimedWith: number;
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
  /**
   * Tasks each loop claims per exchange with the storage (default `"auto"`: one at first, more
   * while tasks are short next to the exchange, never more than about 200 ms of work held
   * unstarted). A loop runs its batch in priority order before it claims again (a task retried
   * or released meanwhile waits for the batch's end, and the outcomes are recorded then); tasks it has not
   * started when it stops go back to the queue at once, unspent, and a loop that dies holds
   * them until their leases run out, like the task it was running.
   */
  batch?: BatchSetting;
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

/** A claimed task in a loop's hands, and how many the claim that handed it out took. */
interface Held {
  readonly task: ClaimedTask;
  readonly claimedWith: number;
}

/** A task a loop has run whose outcome is not recorded yet. */
interface Finished extends Held {
  readonly outcome: TaskOutcome;
}

const attemptOf = (h: Held): HeldAttempt => ({ id: h.task.id, attempt: h.task.attempt });

/** Runs the calls given to it one at a time, in order: a loop's exchanges and heartbeats never overlap. */
function serializer(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
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
  const batch = checkBatch(options.batch);
  const exitWhenDone = options.exitWhenDone ?? true;
  const prefix = options.name ?? defaultWorkerName();
  const place = workerPlace();
  const stop = new AbortController();
  const outer = options.signal;
  const onOuterAbort = () => stop.abort();
  if (outer?.aborted) stop.abort();
  outer?.addEventListener("abort", onOuterAbort, { once: true });
  const summary: WorkSummary = { succeeded: 0, failed: 0, retried: 0, abandoned: 0 };
  // Tasks claimed by all loops and not given back: what maxTasks bounds.
  let claimed = 0;
  const quota = () => (options.maxTasks === undefined ? Infinity : options.maxTasks - claimed);
  const wantsMore = () => !stop.signal.aborted && quota() > 0;

  // Command tasks die with this process: see task-watchdog.ts.
  const watchdog = fn ? undefined : TaskWatchdog.start();
  const loop = async (worker: string) => {
    const sizer = new BatchSizer(batch);
    const serial = serializer();
    // Claimed and not started, in the order to run them; run and not recorded yet.
    const waiting: Held[] = [];
    const finished: Finished[] = [];
    let current: { held: Held; lose: () => void } | null = null;

    const report = (held: Held, outcome: TaskOutcome, state: TaskState | null) => {
      const r: TaskReport = {
        task: held.task,
        worker,
        outcome,
        recorded: state !== null,
        retrying: state === "PENDING",
        claimedWith: held.claimedWith,
      };
      if (!r.recorded) summary.abandoned++;
      else if (r.retrying) summary.retried++;
      else if (outcome.exitCode === 0) summary.succeeded++;
      else summary.failed++;
      options.onTask?.(r);
    };

    /** Records the finished tasks and gives back `release`, claiming up to `limit` more, in one exchange; returns how many it claimed. */
    const settle = async (release: Held[], limit: number): Promise<number> => {
      const done = finished.splice(0);
      claimed += limit;
      const t0 = performance.now();
      let r;
      try {
        r = await serial(() =>
          storage.exchange(worker, {
            finished: done.map((f) => ({ ...attemptOf(f), outcome: f.outcome })),
            release: release.map(attemptOf),
            claim: limit > 0 ? { limit, leaseMs, place } : undefined,
          }),
        );
      } catch (e) {
        claimed -= limit;
        throw e;
      }
      sizer.observeExchange(performance.now() - t0);
      claimed -= limit - r.next.length + release.length;
      waiting.push(...r.next.map((task) => ({ task, claimedWith: r.next.length })));
      done.forEach((f, i) => report(f, f.outcome, r.states[i]));
      return r.next.length;
    };

    // One heartbeat renews the leases of every task the loop holds, running, waiting or finished.
    const beat = setInterval(
      () => {
        const sent = [...(current === null ? [] : [current.held]), ...waiting, ...finished];
        if (sent.length === 0) return;
        serial(() => storage.heartbeatBatch(worker, sent.map(attemptOf), leaseMs)).then(
          (kept) => {
            for (const h of sent) {
              if (kept.has(h.task.id)) continue;
              if (current?.held === h) current.lose();
              // A waiting task whose lease was lost may be another worker's now: it is not run here.
              const i = waiting.indexOf(h);
              if (i >= 0) {
                waiting.splice(i, 1);
                claimed--;
              }
            }
          },
          () => undefined, // a busy database delays one beat; the next one retries
        );
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );

    const run = async (held: Held): Promise<{ outcome: TaskOutcome; lost: boolean }> => {
      const taskAbort = new AbortController();
      let lost = false;
      const onStop = () => taskAbort.abort();
      stop.signal.addEventListener("abort", onStop, { once: true });
      current = {
        held,
        lose: () => {
          if (taskAbort.signal.aborted) return;
          lost = true;
          taskAbort.abort();
        },
      };
      try {
        const setLog = (logFile: string) => serial(() => storage.setLogFile(held.task.id, worker, held.task.attempt, logFile));
        const outcome = await runAttempt(info, held.task, worker, fn, taskAbort.signal, setLog, watchdog);
        return { outcome, lost };
      } finally {
        current = null;
        stop.signal.removeEventListener("abort", onStop);
      }
    };

    const drain = async () => {
      for (;;) {
        if (stop.signal.aborted) break;
        if (waiting.length === 0) {
          const limit = wantsMore() ? Math.min(sizer.size(), quota()) : 0;
          if (limit === 0) break;
          if ((await settle([], limit)) > 0) continue;
          if (exitWhenDone) {
            const c = await storage.counts();
            if (c.WAITING + c.PENDING + c.RUNNING === 0) break;
          }
          await sleep(pollMs, stop.signal);
          continue;
        }
        const held = waiting.shift()!;
        const t0 = performance.now();
        const { outcome, lost } = await run(held);
        sizer.observeTask(performance.now() - t0);
        if (lost) {
          report(held, outcome, null);
          continue;
        }
        if (stop.signal.aborted) {
          // Stopped from outside (SIGTERM at the end of a batch job): hand the task back now rather
          // than when its lease would run out.
          await serial(() => storage.abandon(held.task.id, worker, held.task.attempt));
          report(held, outcome, null);
          break;
        }
        finished.push({ ...held, outcome });
        // Tasks that turned out long: give back those beyond what one claim would take now.
        const surplus = sizer.surplus(waiting.length);
        if (surplus > 0) await settle(waiting.splice(waiting.length - surplus), 0);
      }
    };
    const failures: unknown[] = [];
    await drain().catch((e: unknown) => void failures.push(e));
    clearInterval(beat);
    // Record what ran, and give back what never started, unspent (the first error is the one thrown).
    if (finished.length > 0 || waiting.length > 0)
      await settle(waiting.splice(0), 0).catch((e: unknown) => void failures.push(e));
    if (failures.length > 0) throw failures[0];
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

/** Runs one attempt of `task` to its outcome (or until `signal` aborts it). */
async function runAttempt(
  info: QueueInfo,
  task: ClaimedTask,
  worker: string,
  fn: TaskFunction | undefined,
  signal: AbortSignal,
  setLogFile: (logFile: string) => Promise<void>,
  watchdog: TaskWatchdog | undefined,
): Promise<TaskOutcome> {
  if (fn) return runFunction(fn, task, { signal, worker });
  if (task.command === null && task.argv === null) {
    return {
      exitCode: 2,
      error: "task has parameters but no command; run this queue with q.work(fn) from the library, or load it with --script",
    };
  }
  const command: TaskCommand = task.argv !== null ? { argv: task.argv } : { shell: task.command! };
  const logFile = logFilePath(info.directory, task.id, task.attempt);
  await setLogFile(logFile);
  const env = {
    ...process.env,
    HPCFIT_QUEUE: info.name,
    HPCFIT_QUEUE_DIR: info.directory,
    HPCFIT_TASK_ID: String(task.id),
    HPCFIT_TASK_ATTEMPT: String(task.attempt),
    HPCFIT_WORKER: worker,
    ...watchdog?.env,
  };
  return runCommand(command, logFile, env, signal);
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
