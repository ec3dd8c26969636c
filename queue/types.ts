/**
 * The task queue's model: what a task is, the states it moves through, and the storage interface
 * that both backends implement: SQLite (one node) and PostgreSQL (workers on many nodes).
 */

/**
 * Where a task is in its life:
 * - `WAITING`: some task it requires has not succeeded yet;
 * - `PENDING`: ready, waiting for a worker;
 * - `RUNNING`: claimed by a worker that holds a lease on it;
 * - `SUCCEEDED` / `FAILED`: finished (a task whose requirement failed is FAILED too).
 */
export type TaskState = "WAITING" | "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED";

/** All task states, in the order a task normally passes through them. */
export const TASK_STATES: readonly TaskState[] = ["WAITING", "PENDING", "RUNNING", "SUCCEEDED", "FAILED"];

/** JSON values a task's parameters may hold. */
export type ParamValue = null | boolean | number | string | ParamValue[] | { [key: string]: ParamValue };

/** A task's parameters: a JSON object. */
export type TaskParams = { [key: string]: ParamValue };

/** Whether a queue hands out work (`active`) or holds it (`paused`). */
export type QueueState = "active" | "paused";

/** One task as stored. Times are milliseconds since the Unix epoch. */
export interface Task {
  /** Unique within its queue, assigned in insertion order (1, 2, ...). */
  readonly id: number;
  /** An optional user label, unique within the queue; `requires` may name tasks by it. */
  readonly key: string | null;
  /** A shell command line, which a worker runs with `/bin/sh -c`; null for other tasks. */
  readonly command: string | null;
  /**
   * An argument vector (the program, then its arguments), which a worker runs without a shell,
   * each word reaching the program exactly as given; null for other tasks. A task without a
   * command or an argument vector is handed to a TypeScript function.
   */
  readonly argv: readonly string[] | null;
  /** The task's parameters (JSON object) or null. */
  readonly params: TaskParams | null;
  /** Higher runs first; ties run in id order. */
  readonly priority: number;
  readonly state: TaskState;
  /** Ids of the tasks that must succeed before this one runs. */
  readonly requires: number[];
  /** Attempts started since the task was last (re)queued by `retry` or `rerun`. */
  readonly attempts: number;
  /**
   * The exit code (the command's, or the function's) of the last finished attempt: final once
   * the task is SUCCEEDED or FAILED, that of a failed attempt when the task waits to run again.
   */
  readonly exitCode: number | null;
  /** Why the task, or its last attempt, failed (exit code, lease lost, dependency failed, thrown error), else null. */
  readonly error: string | null;
  /** The worker that ran (or runs) the last attempt. */
  readonly worker: string | null;
  /** The node the last attempt ran (or runs) on. */
  readonly node: string | null;
  /** The batch job (`123` or `123_4` for an array task) of the worker of the last attempt, when it ran in one. */
  readonly jobId: string | null;
  /** Output of the last attempt (stdout and stderr), for command tasks. */
  readonly logFile: string | null;
  /** The attempts since the task was last (re)queued, oldest first. */
  readonly history: readonly TaskAttempt[];
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** When the current lease runs out (RUNNING tasks only). */
  readonly leaseExpiresAt: number | null;
}

/** One attempt at running a task. */
export interface TaskAttempt {
  /** 1 for the first attempt since the task was (re)queued. */
  readonly attempt: number;
  /** The worker that ran it. */
  readonly worker: string;
  /** The node it ran on (null for attempts recorded before nodes were). */
  readonly node: string | null;
  /** The batch job of its worker, when it ran in one. */
  readonly jobId: string | null;
  readonly startedAt: number;
  /** When it ended; null while it runs. */
  readonly finishedAt: number | null;
  /** Its exit code; null while it runs, or when it never finished (its worker was lost or stopped). */
  readonly exitCode: number | null;
  /** Why it failed, else null. */
  readonly error: string | null;
  /** Its output, for command tasks. */
  readonly logFile: string | null;
}

/** What a caller gives to add one task. */
export interface TaskInput {
  /** A shell command line, run with `/bin/sh -c` (pipes, redirections, `$VAR` and `;` work). */
  command?: string;
  /** An argument vector, run without a shell: no word is split, expanded or interpreted. */
  argv?: readonly string[];
  /** Parameters: expanded into `script` (when given) or handed to the worker function. */
  params?: TaskParams;
  /** Higher runs first (default 0). */
  priority?: number;
  /** Ids (numbers) or keys (strings) of tasks that must succeed first; may name tasks of the same batch. */
  requires?: Array<number | string>;
  /** A label unique in the queue, so that later tasks can require this one by name. */
  key?: string;
}

/** Options that apply to a whole batch of added tasks. */
export interface AddOptions {
  /** A command template, `"fit {model} --steps {steps}"`, filled from each task's params. */
  script?: string;
  /** Priority for tasks that do not set their own. */
  priority?: number;
}

/**
 * A row ready to insert: validated (at most one of `command` and `argv`), template expanded,
 * dependencies resolved to ids or batch indexes.
 */
export interface NewTaskRow {
  key: string | null;
  command: string | null;
  argv: readonly string[] | null;
  params: string | null;
  priority: number;
  /** Existing task ids this task requires. */
  requiresIds: number[];
  /** Indexes into the same batch of the tasks this task requires. */
  requiresBatch: number[];
}

/** Which tasks `tasks()` lists. */
export interface TaskFilter {
  state?: TaskState | TaskState[];
  /** Only these ids. */
  ids?: number[];
  /** At most this many (in id order); default: all. */
  limit?: number;
  /** Skip tasks with id <= this (for paging). */
  afterId?: number;
}

/** The queue's settings and state as stored. */
export interface QueueInfo {
  readonly name: string;
  readonly state: QueueState;
  /** Attempts a task gets before it fails for good. */
  readonly maxAttempts: number;
  /**
   * Whether an attempt that fails (non-zero exit, thrown error) counts as one of those attempts
   * and the task runs again; when false, only a lost lease (a dead or stopped worker) does.
   */
  readonly retryOnFailure: boolean;
  readonly createdAt: number;
  /** The queue's directory (database and logs). */
  readonly directory: string;
}

/** Task counts per state. */
export type StateCounts = Record<TaskState, number>;

/** A task handed to a worker by a claim. */
export interface ClaimedTask extends Task {
  /** The attempt number this claim started (1 for the first). */
  readonly attempt: number;
}

/** Where a worker runs, recorded on the tasks it claims. */
export interface WorkerPlace {
  /** The node: `$SLURMD_NODENAME` inside a Slurm job, else the host name. */
  readonly node: string;
  /** The batch job (`123`, or `123_4` for an array task), or null outside one. */
  readonly jobId: string | null;
}

/** Task counts of one node per state (tasks whose last attempt ran there). */
export interface NodeCounts {
  readonly node: string;
  readonly counts: StateCounts;
}

/** How an attempt ended, as the worker reports it. */
export interface TaskOutcome {
  exitCode: number;
  /** A short reason for a failure (signal, thrown error); null on success. */
  error: string | null;
}

/** A task a worker holds: its id and the attempt its claim started. */
export interface HeldAttempt {
  readonly id: number;
  readonly attempt: number;
}

/** An attempt a worker has run, with how it ended. */
export interface FinishedAttempt extends HeldAttempt {
  readonly outcome: TaskOutcome;
}

/** What a worker sends in one exchange with the storage; every part is optional. */
export interface ExchangeRequest {
  /**
   * Attempts to record as ended. A failed attempt returns the task to PENDING while it has
   * attempts left and the queue retries on failure; otherwise the task ends, releasing or failing
   * its dependents. An attempt the worker no longer holds changes nothing.
   */
  finished?: readonly FinishedAttempt[];
  /**
   * Tasks claimed but never started (the worker is stopping, or holds more than it will run
   * soon): each returns to PENDING as it was before the claim, its attempt unspent and forgotten.
   */
  release?: readonly HeldAttempt[];
  /** Then claims up to `limit` tasks (see {@link QueueStorage.claimBatch}). */
  claim?: { readonly limit: number; readonly leaseMs: number; readonly place: WorkerPlace };
}

/** What one exchange did. */
export interface ExchangeResult {
  /** For each finished attempt, in order: the task's state afterwards, or null when the worker no longer held it. */
  readonly states: Array<TaskState | null>;
  /** How many of the tasks to release were still held, and went back. */
  readonly released: number;
  /** The tasks claimed, in the order to run them (highest priority first). */
  readonly next: ClaimedTask[];
}

/**
 * What a storage backend provides. Every state change that involves more than one row happens in
 * one transaction. A claim is exclusive: two workers never hold the same task. All methods are
 * async so that a networked backend (PostgreSQL) fits behind the same interface.
 */
export interface QueueStorage {
  /** The queue's settings and state. */
  info(): Promise<QueueInfo>;
  /** Pauses or resumes handing out tasks. */
  setState(state: QueueState): Promise<void>;
  /** Inserts a validated batch in one transaction; returns the new ids in batch order. */
  insert(rows: NewTaskRow[]): Promise<number[]>;
  /** Resolves task keys to ids; unknown keys are absent from the result. */
  idsForKeys(keys: string[]): Promise<Map<string, number>>;
  /** Which of `ids` exist. */
  existingIds(ids: number[]): Promise<Set<number>>;
  /**
   * Returns expired leases to PENDING (or FAILED after max attempts), then claims the
   * highest-priority PENDING task for `worker`, running at `place`, with a lease of `leaseMs`.
   * Null when the queue is paused or nothing is ready.
   */
  claim(worker: string, leaseMs: number, place: WorkerPlace): Promise<ClaimedTask | null>;
  /**
   * Like {@link claim}, but takes up to `limit` tasks at once, in priority order, each with its
   * own lease and attempt: a worker of short tasks pays one exchange with the database for many.
   * Empty when the queue is paused or nothing is ready.
   */
  claimBatch(worker: string, limit: number, leaseMs: number, place: WorkerPlace): Promise<ClaimedTask[]>;
  /** Extends the lease; false when the worker no longer holds the task (it was reclaimed). */
  heartbeat(id: number, worker: string, attempt: number, leaseMs: number): Promise<boolean>;
  /** Extends the leases of all of `held` at once; returns the ids the worker still holds. */
  heartbeatBatch(worker: string, held: readonly HeldAttempt[], leaseMs: number): Promise<Set<number>>;
  /**
   * Records finished attempts, gives back unstarted ones and claims the next tasks, in this order,
   * in one transaction and (where the storage is remote) one round trip.
   */
  exchange(worker: string, request: ExchangeRequest): Promise<ExchangeResult>;
  /**
   * Gives up a held task at once (the worker is stopping): its lease is made to expire now, so
   * the next claim returns it to PENDING as a finished attempt, exactly like a lost worker.
   */
  abandon(id: number, worker: string, attempt: number): Promise<void>;
  /** Sets the log file of a held task's attempt. */
  setLogFile(id: number, worker: string, attempt: number, logFile: string): Promise<void>;
  /** Returns expired leases to PENDING or FAILED now; returns how many. */
  reclaimExpired(): Promise<number>;
  /** Task counts per state. */
  counts(): Promise<StateCounts>;
  /** Task counts per state of each node that ran tasks, by node name. */
  nodeCounts(): Promise<NodeCounts[]>;
  /** How many tasks finished at or after `since` (ms epoch), and the earliest such finish, for rates. */
  finishedSince(since: number): Promise<{ count: number; first: number | null }>;
  /** Tasks matching `filter`, in id order. */
  tasks(filter: TaskFilter): Promise<Task[]>;
  /** FAILED tasks back to PENDING (or WAITING), their attempts forgotten; returns how many. */
  retry(ids?: number[]): Promise<number>;
  /** Every finished task (and, with `includeRunning`, running ones) back to PENDING/WAITING, attempts forgotten. */
  rerun(includeRunning: boolean): Promise<number>;
  /** Releases the database. */
  close(): void;
}
