/** Shared by the queue tests: a private queues folder, the built CLI, and worker processes. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { readOr } from "../support/processes.js";
import { PostgresQueueStorage } from "../../queue/postgres-storage.js";
import { SqliteQueueStorage } from "../../queue/sqlite-storage.js";
import type { ClaimedTask, HeldAttempt, QueueStorage, TaskOutcome, TaskState, WorkerPlace } from "../../queue/types.js";
import { workerPlace } from "../../queue/worker.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = join(ROOT, "dist", "cli", "main.js");

/**
 * A program that prints its arguments as a JSON array (Node, so it runs wherever the tests do):
 * append words and compare what it prints with them.
 */
export const ECHO_ARGV: readonly string[] = [
  process.execPath,
  "-e",
  "process.stdout.write(JSON.stringify(process.argv.slice(1)))",
  "--",
];

/** Words that a shell would split, expand or interpret, and that must reach a program unchanged. */
export const TRICKY_WORDS: readonly string[] = [
  "two words",
  "it's",
  'say "hi"',
  "a;b",
  "sleep 1; echo hi",
  "$HOME",
  "${X:-y}",
  "$(touch pwned)",
  "`touch pwned`",
  "back\\slash",
  "trailing\\",
  "new\nline",
  "tab\tstop",
  "",
  "*",
  "-n",
  "--version",
  "é ✓",
];

/** A fresh folder for queues; removed by `cleanup`. */
export function tempQueuesDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "hpcfit-queue-test-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `hpcfit queue ARGS --dir DIR` to completion. */
export function cli(dir: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);
  // --dir goes right after the verb: after `--` it would be part of the task's command.
  const [verb, ...rest] = args;
  const r = spawnSync(process.execPath, [CLI, "queue", verb, "--dir", dir, ...rest], { encoding: "utf8", cwd: dir });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like {@link cli}, but fails the test unless the command succeeds. */
export function cliOk(dir: string, ...args: string[]): string {
  const r = cli(dir, ...args);
  if (r.status !== 0) throw new Error(`hpcfit queue ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** A worker process (`hpcfit queue work`), in its own process group so a kill takes its tasks too. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves with the exit code (or signal) and output. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** SIGKILLs the worker's process group (as when a batch job's processes are killed). */
  killHard(): void;
  /** SIGKILLs the worker process alone (as the kernel's OOM killer or a stray `kill -9` would). */
  killWorker(): void;
}

const started: WorkerProcess[] = [];

/** Starts `hpcfit queue work QUEUE ARGS --dir DIR`. */
export function startWorker(dir: string, queue: string, ...args: string[]): WorkerProcess {
  const child = spawn(process.execPath, [CLI, "queue", "work", queue, "--dir", dir, "--poll", "0.1", ...args], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const w: WorkerProcess = {
    child,
    done,
    killHard: () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    },
    killWorker: () => {
      try {
        process.kill(child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
  started.push(w);
  return w;
}

/** Kills every worker a test left behind (call in afterEach). */
export function killAllWorkers(): void {
  for (const w of started.splice(0)) if (w.child.exitCode === null && w.child.signalCode === null) w.killHard();
}

/** Polls `test` every 50 ms until true; fails after `timeoutMs` with `what`. */
export async function waitUntil(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether process `pid` exists and has not ended (a zombie waiting to be reaped has ended). */
export function running(pid: number): boolean {
  const stat = readOr(`/proc/${pid}/stat`, "");
  if (stat === "") return false;
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}

/** The storages every queue test runs against. */
export const STORAGES = ["sqlite", "postgres"] as const;
/** One of {@link STORAGES}. */
export type StorageKind = (typeof STORAGES)[number];

/** Where a test's queues are kept: the folder (logs, and SQLite files) and, for PostgreSQL, the URL. */
export interface TestStorage {
  kind: StorageKind;
  dir: string;
  /** The database URL of a PostgreSQL test (also in `$HPCFIT_QUEUE_DB`), else undefined. */
  db: string | undefined;
  /** Opens queue `name`'s storage directly, for tests that play the part of a worker. */
  open(name: string): Promise<QueueStorage>;
  /** Removes the folder and (PostgreSQL) drops the database. */
  cleanup(): Promise<void>;
}

/**
 * A fresh place for one test's queues in storage `kind`. For PostgreSQL: a database of its own
 * on the test server, named in `$HPCFIT_QUEUE_DB`, so that the library, the CLI and the worker
 * processes a test starts (they inherit the environment) all use it without `--db`.
 */
export async function useStorage(kind: StorageKind): Promise<TestStorage> {
  const { dir, cleanup } = tempQueuesDir();
  if (kind === "sqlite") {
    delete process.env.HPCFIT_QUEUE_DB;
    return {
      kind,
      dir,
      db: undefined,
      open: async (name) => SqliteQueueStorage.connect(join(dir, name), name),
      cleanup: async () => cleanup(),
    };
  }
  const admin = process.env.HPCFIT_TEST_POSTGRES_URL;
  if (!admin) throw new Error("HPCFIT_TEST_POSTGRES_URL is not set: the vitest global setup starts the test PostgreSQL server");
  const database = `queue_test_${process.pid}_${++databases}_${Date.now().toString(36)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${database}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${database}`;
  const db = url.toString();
  process.env.HPCFIT_QUEUE_DB = db;
  return {
    kind,
    dir,
    db,
    open: async (name) => PostgresQueueStorage.connect(db, join(dir, name), name),
    cleanup: async () => {
      delete process.env.HPCFIT_QUEUE_DB;
      cleanup();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await c.end();
    },
  };
}
let databases = 0;

/** Where the test process plays a worker: where its own workers run. */
export const TEST_PLACE: WorkerPlace = workerPlace();

/** Records the end of attempt `attempt` of task `id` in one exchange; the task's state afterwards, or null when `worker` no longer held it. */
export async function complete(
  store: QueueStorage,
  id: number,
  worker: string,
  attempt: number,
  outcome: TaskOutcome,
): Promise<TaskState | null> {
  return (await store.exchange(worker, { finished: [{ id, attempt, outcome }] })).states[0];
}

/** {@link complete}, then a claim of one task for the same worker, in the same exchange. */
export async function completeAndClaim(
  store: QueueStorage,
  id: number,
  worker: string,
  attempt: number,
  outcome: TaskOutcome,
  leaseMs: number,
  place: WorkerPlace,
): Promise<{ state: TaskState | null; next: ClaimedTask | null }> {
  const r = await store.exchange(worker, { finished: [{ id, attempt, outcome }], claim: { limit: 1, leaseMs, place } });
  return { state: r.states[0], next: r.next[0] ?? null };
}

/** Gives back claimed, unstarted tasks in one exchange; how many `worker` still held. */
export async function release(store: QueueStorage, worker: string, held: readonly HeldAttempt[]): Promise<number> {
  return (await store.exchange(worker, { release: held })).released;
}
