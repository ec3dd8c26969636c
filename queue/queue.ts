/**
 * The task queue's library API: `create` / `connect` a queue, then add tasks, list them, watch
 * the status, retry failures and run workers. The CLI (`hpcfit queue ...`) and the `%queue` magic
 * are thin front doors onto this.
 */
import { readFileSync, rmSync } from "node:fs";
import { DISPLAY, type Displayable, type MimeBundle } from "../schema/display.js";
import { checkQueueName, privateQueueDirectory, queueNames, queuesRoot } from "./location.js";
import { SqliteQueueStorage } from "./sqlite-storage.js";
import { PostgresQueueStorage, dropPostgresQueue, postgresQueueNames, redactUrl } from "./postgres-storage.js";
import { databaseUrl } from "./storage-location.js";
import { QueueStatus, RATE_WINDOW_MS, finishingRate } from "./status.js";
import { parseTaskLines, prepareBatch } from "./task-input.js";
import {
  TASK_STATES,
  type AddOptions,
  type NodeCounts,
  type QueueInfo,
  type QueueStorage,
  type Task,
  type TaskFilter,
  type TaskInput,
  type TaskState,
} from "./types.js";
import { launchWorkers, type LaunchOptions, type LaunchResult } from "./launch.js";
import { work as runWorkers, type TaskFunction, type WorkOptions, type WorkSummary } from "./worker.js";
import { UserError } from "../util/user-error.js";

/** Where to find queues. */
export interface LocationOptions {
  /**
   * The folder holding the queues (default: `$HPCFIT_DATA_DIR/queues` or
   * `~/.local/share/hpcfit/queues`): their databases when in SQLite, and their logs.
   */
  dir?: string;
  /**
   * A PostgreSQL URL (`postgres://user@host/database`) to keep the queues in, for workers on
   * many nodes (default: `$HPCFIT_QUEUE_DB`, else SQLite in the queue's directory).
   */
  db?: string;
}

/** Options for {@link create}. */
export interface CreateOptions extends LocationOptions {
  /**
   * Attempts a task gets before it fails for good (default 3). An attempt is spent when it
   * fails (unless `retryOnFailure` is false) or when its worker is lost (dead, stopped, its job ended).
   */
  maxAttempts?: number;
  /**
   * Whether a failed attempt (non-zero exit code, thrown error) is run again while attempts are
   * left (default true). With false, a failure is final at once and only lost workers are retried.
   */
  retryOnFailure?: boolean;
}

/** A queue's name, state and counts, as {@link list} returns them. */
export interface QueueListing {
  name: string;
  state: QueueInfo["state"];
  directory: string;
  counts: Record<TaskState, number>;
  total: number;
}

/** Options for {@link Queue.rerun}. */
export interface RerunOptions {
  /** Also requeue RUNNING tasks (their current attempts' results are then discarded). */
  force?: boolean;
}

/** Options for {@link Queue.load}. */
export interface LoadOptions extends AddOptions {
  /** Name used in error messages (default: the file's path, or "input"). */
  source?: string;
}

/** Creates a queue; fails when one of that name exists. */
export async function create(name: string, options: CreateOptions = {}): Promise<Queue> {
  checkQueueName(name);
  const maxAttempts = options.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new UserError(`max attempts must be a whole number >= 1, got ${maxAttempts}.`);
  const retryOnFailure = options.retryOnFailure ?? true;
  if (typeof retryOnFailure !== "boolean")
    throw new UserError(`retryOnFailure must be true or false, got ${JSON.stringify(retryOnFailure)}.`);
  const url = databaseUrl(options.db);
  const directory = privateQueueDirectory(queuesRoot(options.dir), name, options.dir === undefined);
  const storage =
    url === null
      ? SqliteQueueStorage.create(directory, name, { maxAttempts, retryOnFailure })
      : await PostgresQueueStorage.create(url, directory, name, { maxAttempts, retryOnFailure });
  return new Queue(storage, await storage.info(), url);
}

/** Opens an existing queue; an unknown name is an error that lists the queues there are. */
export async function connect(name: string, options: LocationOptions = {}): Promise<Queue> {
  checkQueueName(name);
  const root = queuesRoot(options.dir);
  const url = databaseUrl(options.db);
  if (url !== null) {
    const storage = await PostgresQueueStorage.connect(
      url,
      privateQueueDirectory(root, name, options.dir === undefined),
      name,
    ).catch(async (e: unknown) => {
      if (!(e instanceof UserError) || !/^No queue named/.test(e.message)) throw e;
      const known = await postgresQueueNames(url);
      throw new UserError(
        `No queue named ${name} in ${redactUrl(url)}${known.length ? ` (queues: ${known.join(", ")})` : " (there are no queues there yet; create one with `hpcfit queue create NAME --db URL`)"}.`,
      );
    });
    return new Queue(storage, await storage.info(), url);
  }
  if (!queueNames(root).includes(name)) {
    const known = queueNames(root);
    throw new UserError(
      `No queue named ${name} in ${root}${known.length ? ` (queues: ${known.join(", ")})` : " (there are no queues yet; create one with `hpcfit queue create NAME`)"}.`,
    );
  }
  const storage = SqliteQueueStorage.connect(privateQueueDirectory(root, name, options.dir === undefined), name);
  return new Queue(storage, await storage.info(), null);
}

/** The queues in a folder with their counts. */
export async function list(options: LocationOptions = {}): Promise<QueueListing[]> {
  const root = queuesRoot(options.dir);
  const url = databaseUrl(options.db);
  const out: QueueListing[] = [];
  for (const name of url === null ? queueNames(root) : await postgresQueueNames(url)) {
    const q = await connect(name, options);
    try {
      const s = await q.status();
      out.push({ name, state: s.state, directory: q.directory, counts: s.counts, total: s.total });
    } finally {
      q.close();
    }
  }
  return out;
}

/**
 * Deletes a queue and its logs. Refuses while tasks are RUNNING under a live lease unless
 * `force` (their workers would lose their database).
 */
export async function remove(name: string, options: LocationOptions & { force?: boolean } = {}): Promise<void> {
  const q = await connect(name, options);
  let directory: string;
  try {
    await q.recover();
    const running = (await q.status()).counts.RUNNING;
    if (running > 0 && !options.force) {
      throw new UserError(`Queue ${name} has ${running} running task(s); stop its workers first, or delete with --force.`);
    }
    directory = q.directory;
  } finally {
    q.close();
  }
  const url = databaseUrl(options.db);
  if (url !== null) await dropPostgresQueue(url, name);
  rmSync(directory, { recursive: true, force: true });
}

/** One queue, open. Close it when done (workers and scripts exiting close it implicitly). */
export class Queue implements Displayable {
  /** The queue's name. */
  readonly name: string;
  /** Its folder: `logs/`, `jobs/`, and `queue.db` when the queue is in SQLite. */
  readonly directory: string;
  /** The PostgreSQL URL the queue is kept in, or null when it is in SQLite in its folder. */
  readonly databaseUrl: string | null;

  /** Use {@link create} or {@link connect}. */
  constructor(
    private readonly storage: QueueStorage,
    info: QueueInfo,
    databaseUrl: string | null = null,
  ) {
    this.name = info.name;
    this.directory = info.directory;
    this.databaseUrl = databaseUrl;
  }

  /** Where the queue's tasks are kept: the SQLite file, or the PostgreSQL URL with its password hidden. */
  get database(): string {
    return this.databaseUrl === null ? `${this.directory}/queue.db` : redactUrl(this.databaseUrl);
  }

  /** The queue's settings and state. */
  info(): Promise<QueueInfo> {
    return this.storage.info();
  }

  /** Adds one task; returns it as stored. */
  async add(task: TaskInput, options: AddOptions = {}): Promise<Task> {
    const [id] = await this.addMany([task], options);
    return (await this.task(id))!;
  }

  /**
   * Adds tasks in one transaction: all or, on any error, none. Tasks of the batch may require
   * each other by `key`. Returns the new ids in order.
   */
  async addMany(tasks: TaskInput[], options: AddOptions = {}): Promise<number[]> {
    if (!Array.isArray(tasks)) throw new UserError("addMany takes an array of tasks.");
    if (tasks.length === 0) return [];
    const rows = await prepareBatch(this.storage, tasks, options);
    return this.storage.insert(rows);
  }

  /**
   * Adds the tasks of a text: one shell command line or one JSON object per line (see
   * `parseTaskLines`). One transaction; a bad line adds nothing and names its line number.
   */
  async load(text: string, options: LoadOptions = {}): Promise<number[]> {
    const source = options.source ?? "input";
    const { tasks, lines } = parseTaskLines(text, source);
    if (tasks.length === 0) throw new UserError(`${source} holds no tasks (only blank or # lines).`);
    const rows = await prepareBatch(this.storage, tasks, options, (i) => `${source}, line ${lines[i]}`);
    return this.storage.insert(rows);
  }

  /** {@link load} from a file. */
  async loadFile(path: string, options: AddOptions = {}): Promise<number[]> {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new UserError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
    }
    return this.load(text, { ...options, source: path });
  }

  /** Tasks matching `filter` (all by default), in id order. */
  tasks(filter: TaskFilter = {}): Promise<Task[]> {
    for (const s of filter.state === undefined ? [] : Array.isArray(filter.state) ? filter.state : [filter.state]) {
      if (!TASK_STATES.includes(s))
        throw new UserError(`Unknown task state ${JSON.stringify(s)}; states are ${TASK_STATES.join(", ")}.`);
    }
    return this.storage.tasks(filter);
  }

  /** One task, or undefined. */
  async task(id: number): Promise<Task | undefined> {
    return (await this.storage.tasks({ ids: [id] }))[0];
  }

  /** Counts per state, finishing rate over the last minute and the time left at that rate. */
  async status(): Promise<QueueStatus> {
    const info = await this.storage.info();
    const counts = await this.storage.counts();
    const now = Date.now();
    const recent = await this.storage.finishedSince(now - RATE_WINDOW_MS);
    const rate = finishingRate(recent.count, recent.first, now);
    const total = TASK_STATES.reduce((n, s) => n + counts[s], 0);
    const remaining = counts.WAITING + counts.PENDING + counts.RUNNING;
    const nodes: NodeCounts[] = await this.storage.nodeCounts();
    return new QueueStatus({
      name: this.name,
      state: info.state,
      counts,
      total,
      rate,
      etaSeconds: rate > 0 ? remaining / rate : null,
      at: now,
      nodes,
    });
  }

  /** Failed tasks (all, or those of `ids`) back to PENDING, or WAITING behind unfinished requirements. Returns how many. */
  retry(ids?: number[]): Promise<number> {
    return this.storage.retry(ids);
  }

  /** Every finished task back to PENDING/WAITING; with `force`, running ones too. Returns how many. */
  rerun(options: RerunOptions = {}): Promise<number> {
    return this.storage.rerun(options.force ?? false);
  }

  /**
   * Returns tasks whose lease has expired to PENDING (or FAILED after max attempts) now. Workers
   * do this themselves on every claim; this is for looking at an accurate status with no worker
   * running. Only expired leases are touched, so it is safe while workers run.
   */
  recover(): Promise<number> {
    return this.storage.reclaimExpired();
  }

  /** Stops handing out tasks (running ones finish). */
  pause(): Promise<void> {
    return this.storage.setState("paused");
  }

  /** Hands out tasks again. */
  resume(): Promise<void> {
    return this.storage.setState("active");
  }

  /**
   * Runs workers in this process until the queue is done: each claims a task, runs `fn(task)`
   * (or, without `fn`, the task's argument vector or shell command) and records the outcome.
   */
  async work(fn?: TaskFunction, options: WorkOptions = {}): Promise<WorkSummary> {
    return runWorkers(this.storage, await this.storage.info(), fn, options);
  }

  /**
   * Submits `n` worker jobs (one job array) through the jobs layer; each runs `hpcfit queue work`
   * on this queue until it is done.
   */
  launch(n: number, options: Omit<LaunchOptions, "jobs"> = {}): Promise<LaunchResult> {
    return launchWorkers(this, { ...options, jobs: n });
  }

  /** Releases the database. */
  close(): void {
    this.storage.close();
  }

  [DISPLAY](): MimeBundle {
    return { "text/plain": `Queue ${this.name} (${this.database})` };
  }
}
