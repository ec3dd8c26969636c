/**
 * The SQLite backend of a queue (better-sqlite3, WAL mode). Many worker processes on one node
 * share the file: every write that reads before it writes (claims, completions, reclaims) runs in
 * `BEGIN IMMEDIATE`, which takes SQLite's single write lock up front, so two workers can never
 * both see a task as PENDING and take it; `busy_timeout` makes the others wait instead of failing.
 */
import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { attemptEnd, lostLease, waitingError } from "./attempt-end.js";
import { batchStates } from "./batch-states.js";
import { DATABASE_FILE } from "./location.js";
import { MIGRATIONS, SCHEMA_SQL, SCHEMA_VERSION } from "./sqlite-schema.js";
import {
  TASK_STATES,
  type ClaimedTask,
  type ExchangeRequest,
  type ExchangeResult,
  type HeldAttempt,
  type TaskAttempt,
  type NewTaskRow,
  type QueueInfo,
  type QueueState,
  type QueueStorage,
  type StateCounts,
  type Task,
  type TaskFilter,
  type TaskOutcome,
  type TaskState,
  type NodeCounts,
  type WorkerPlace,
} from "./types.js";
import { privateDatabase } from "../util/paths.js";
import { UserError } from "../util/user-error.js";
import { attemptFromRow, RESET_COLUMNS, taskFromRow, type StoredAttempt, type StoredTask } from "./stored-rows.js";

interface TaskRow extends StoredTask {
  has_deps: number;
}

interface AttemptRow extends StoredAttempt {
  task_id: number;
}

/** Options for creating a queue's database. */
export interface SqliteCreateOptions {
  maxAttempts: number;
  retryOnFailure: boolean;
}

/** How long a process waits for another's write lock before giving up (ms). */
const BUSY_TIMEOUT_MS = 60_000;

/** A queue stored in `<directory>/queue.db`. */
export class SqliteQueueStorage implements QueueStorage {
  private readonly db: Database.Database;
  private readonly maxAttempts: number;
  private readonly retryOnFailure: boolean;
  private readonly name: string;
  private readonly createdAt: number;
  private readonly stmt: ReturnType<SqliteQueueStorage["prepare"]>;
  private readonly exchangeTx: (worker: string, request: ExchangeRequest) => ExchangeResult;
  private readonly reclaimTx: () => number;

  private constructor(
    private readonly directory: string,
    db: Database.Database,
  ) {
    this.db = db;
    const meta = SqliteQueueStorage.upgrade(directory, db);
    this.name = meta.get("name") ?? "";
    this.maxAttempts = Number(meta.get("max_attempts") ?? "3");
    this.retryOnFailure = meta.get("retry_on_failure") !== "0";
    this.createdAt = Number(meta.get("created_at") ?? "0");
    this.stmt = this.prepare();
    // Each runs in BEGIN IMMEDIATE: the write lock is taken before the first read.
    const exchange = db.transaction((worker: string, request: ExchangeRequest) => this.exchangeInTx(worker, request));
    this.exchangeTx = (worker, request) => exchange.immediate(worker, request);
    const reclaim = db.transaction(() => this.reclaimInTx(Date.now()));
    this.reclaimTx = () => reclaim.immediate();
  }

  /**
   * Reads the meta rows, first bringing an older database to the current schema (in one
   * transaction, which also makes two processes opening an old file at once migrate it once).
   */
  private static upgrade(directory: string, db: Database.Database): Map<string, string> {
    const read = () =>
      new Map(
        (db.prepare("SELECT key, value FROM meta").all() as Array<{ key: string; value: string }>).map((r) => [r.key, r.value]),
      );
    let meta = read();
    const version = () => Number(meta.get("schema_version"));
    const unreadable = () =>
      new UserError(
        `${join(directory, DATABASE_FILE)} has queue schema version ${meta.get("schema_version")}; this hpcfit reads versions up to ${SCHEMA_VERSION}.`,
      );
    if (!Number.isInteger(version()) || version() < 1 || version() > SCHEMA_VERSION) throw unreadable();
    if (version() < SCHEMA_VERSION) {
      db.transaction(() => {
        meta = read();
        while (version() < SCHEMA_VERSION) {
          const step = MIGRATIONS[version()];
          if (step === undefined) throw unreadable();
          db.exec(step);
          meta = read();
        }
      }).immediate();
    }
    return meta;
  }

  /** Creates the queue's database in `directory`; fails when a queue is already there. */
  static create(directory: string, name: string, options: SqliteCreateOptions): SqliteQueueStorage {
    if (existsSync(join(directory, DATABASE_FILE))) throw new UserError(`Queue ${name} already exists in ${directory}.`);
    const db = SqliteQueueStorage.open(directory);
    db.exec(SCHEMA_SQL);
    const put = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
    db.transaction(() => {
      put.run("schema_version", String(SCHEMA_VERSION));
      put.run("name", name);
      put.run("state", "active");
      put.run("max_attempts", String(options.maxAttempts));
      put.run("retry_on_failure", options.retryOnFailure ? "1" : "0");
      put.run("created_at", String(Date.now()));
    }).immediate();
    return new SqliteQueueStorage(directory, db);
  }

  /** Opens an existing queue's database. */
  static connect(directory: string, name: string): SqliteQueueStorage {
    if (!existsSync(join(directory, DATABASE_FILE))) throw new UserError(`No queue named ${name} in ${directory}.`);
    return new SqliteQueueStorage(directory, SqliteQueueStorage.open(directory));
  }

  /** Opens the database file, created (or narrowed) readable by its owner only first. */
  private static open(directory: string): Database.Database {
    const db = new Database(privateDatabase(join(directory, DATABASE_FILE)), { timeout: BUSY_TIMEOUT_MS });
    // WAL lets readers (status, list) run while a worker writes; NORMAL sync is durable across
    // process crashes (a killed worker loses nothing committed), which is the failure we design for.
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    return db;
  }

  private prepare() {
    const db = this.db;
    return {
      getState: db.prepare("SELECT value FROM meta WHERE key = 'state'").pluck(),
      setState: db.prepare("UPDATE meta SET value = ? WHERE key = 'state'"),
      insert: db.prepare(
        "INSERT INTO tasks (key, command, argv, params, priority, state, error, created_at, finished_at, has_deps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      insertDep: db.prepare("INSERT OR IGNORE INTO deps (task_id, requires_id) VALUES (?, ?)"),
      stateOf: db.prepare("SELECT state FROM tasks WHERE id = ?").pluck(),
      idForKey: db.prepare("SELECT id FROM tasks WHERE key = ?").pluck(),
      exists: db.prepare("SELECT 1 FROM tasks WHERE id = ?").pluck(),
      claim: db.prepare(
        `UPDATE tasks SET state = 'RUNNING', attempts = attempts + 1, worker = ?, node = ?, job_id = ?, started_at = ?, lease_expires = ?,
           exit_code = NULL, error = NULL, finished_at = NULL, log_file = NULL
         WHERE id = (SELECT id FROM tasks WHERE state = 'PENDING' ORDER BY priority DESC, id LIMIT 1)
         RETURNING *`,
      ),
      startAttempt: db.prepare(
        "INSERT OR REPLACE INTO attempts (task_id, attempt, worker, node, job_id, started_at) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      // The node whose workers last claimed here, and a live lease held on another node: see claimInTx.
      workerNode: db.prepare("SELECT key, value FROM meta WHERE key IN ('worker_node', 'worker_node_seen')"),
      setMeta: db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"),
      runningElsewhere: db.prepare(
        "SELECT id, node FROM tasks WHERE state = 'RUNNING' AND node IS NOT NULL AND node <> ? AND lease_expires >= ? LIMIT 1",
      ),
      // An attempt claimed before its database was migrated has no row yet: the upsert adds it.
      endAttempt: db.prepare(
        `INSERT INTO attempts (task_id, attempt, worker, started_at, finished_at, exit_code, error) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (task_id, attempt) DO UPDATE SET finished_at = excluded.finished_at, exit_code = excluded.exit_code,
           error = coalesce(attempts.error, excluded.error)`,
      ),
      attemptNote: db.prepare("UPDATE attempts SET error = ? WHERE task_id = ? AND attempt = ? AND worker = ?"),
      attemptLog: db.prepare("UPDATE attempts SET log_file = ? WHERE task_id = ? AND attempt = ? AND worker = ?"),
      attemptsOf: db.prepare("SELECT * FROM attempts WHERE task_id = ? ORDER BY attempt"),
      attemptOf: db.prepare("SELECT * FROM attempts WHERE task_id = ? AND attempt = ?"),
      dropAttempt: db.prepare("DELETE FROM attempts WHERE task_id = ? AND attempt = ?"),
      // A claimed task that never started goes back as it was before the claim (see release).
      unclaim: db.prepare(
        `UPDATE tasks SET state = 'PENDING', attempts = attempts - 1, lease_expires = NULL, finished_at = NULL,
           worker = ?, node = ?, job_id = ?, started_at = ?, exit_code = ?, log_file = ?, error = ?
         WHERE id = ? AND state = 'RUNNING' AND worker = ? AND attempts = ?`,
      ),
      attemptsBetween: db.prepare("SELECT * FROM attempts WHERE task_id BETWEEN ? AND ? ORDER BY task_id, attempt"),
      expired: db.prepare("SELECT id, attempts, worker, started_at FROM tasks WHERE state = 'RUNNING' AND lease_expires < ?"),
      requeue: db.prepare("UPDATE tasks SET state = 'PENDING', lease_expires = NULL, error = ? WHERE id = ?"),
      // A failed attempt with attempts left: back in line, its exit code and reason kept for display.
      requeueFailed: db.prepare(
        `UPDATE tasks SET state = 'PENDING', exit_code = ?, error = ?, lease_expires = NULL
         WHERE id = ? AND state = 'RUNNING' AND worker = ? AND attempts = ?
         RETURNING started_at`,
      ),
      heartbeat: db.prepare(
        "UPDATE tasks SET lease_expires = ? WHERE id = ? AND state = 'RUNNING' AND worker = ? AND attempts = ?",
      ),
      finish: db.prepare(
        `UPDATE tasks SET state = ?, exit_code = ?, error = ?, finished_at = ?, lease_expires = NULL
         WHERE id = ? AND state = 'RUNNING' AND worker = ? AND attempts = ?
         RETURNING started_at`,
      ),
      failLost: db.prepare("UPDATE tasks SET state = 'FAILED', error = ?, finished_at = ?, lease_expires = NULL WHERE id = ?"),
      setLog: db.prepare("UPDATE tasks SET log_file = ? WHERE id = ? AND state = 'RUNNING' AND worker = ? AND attempts = ?"),
      // Dependents whose every requirement has now succeeded become ready.
      release: db.prepare(
        `UPDATE tasks SET state = 'PENDING'
         WHERE state = 'WAITING' AND id IN (SELECT task_id FROM deps WHERE requires_id = ?)
           AND NOT EXISTS (SELECT 1 FROM deps d JOIN tasks r ON r.id = d.requires_id
                           WHERE d.task_id = tasks.id AND r.state <> 'SUCCEEDED')`,
      ),
      // Everything downstream of a failed task fails too (it could never run).
      failDownstream: db.prepare(
        `WITH RECURSIVE down(id) AS (
           SELECT task_id FROM deps WHERE requires_id = ?
           UNION SELECT d.task_id FROM deps d JOIN down ON d.requires_id = down.id)
         UPDATE tasks SET state = 'FAILED', error = ?, finished_at = ?
         WHERE id IN (SELECT id FROM down) AND state IN ('WAITING', 'PENDING')`,
      ),
      counts: db.prepare("SELECT state, count(*) AS n FROM tasks GROUP BY state"),
      nodeCounts: db.prepare(
        "SELECT node, state, count(*) AS n FROM tasks WHERE node IS NOT NULL GROUP BY node, state ORDER BY node",
      ),
      finishedSince: db.prepare("SELECT count(*) AS count, min(finished_at) AS first FROM tasks WHERE finished_at >= ?"),
      abandon: db.prepare(
        "UPDATE tasks SET lease_expires = 0 WHERE id = ? AND state = 'RUNNING' AND worker = ? AND attempts = ?",
      ),
      requiresOf: db.prepare("SELECT requires_id FROM deps WHERE task_id = ? ORDER BY requires_id").pluck(),
      // Used after retry/rerun: waiting tasks with a failed requirement fail, those whose
      // requirements all succeeded become ready.
      failBlocked: db.prepare(
        `UPDATE tasks SET state = 'FAILED', error = 'a task it requires failed', finished_at = ?
         WHERE state = 'WAITING' AND EXISTS (SELECT 1 FROM deps d JOIN tasks r ON r.id = d.requires_id
                                             WHERE d.task_id = tasks.id AND r.state = 'FAILED')`,
      ),
      releaseAll: db.prepare(
        `UPDATE tasks SET state = 'PENDING'
         WHERE state = 'WAITING' AND NOT EXISTS (SELECT 1 FROM deps d JOIN tasks r ON r.id = d.requires_id
                                                 WHERE d.task_id = tasks.id AND r.state <> 'SUCCEEDED')`,
      ),
    };
  }

  async info(): Promise<QueueInfo> {
    return {
      name: this.name,
      state: this.stmt.getState.get() as QueueState,
      maxAttempts: this.maxAttempts,
      retryOnFailure: this.retryOnFailure,
      createdAt: this.createdAt,
      directory: this.directory,
    };
  }

  async setState(state: QueueState): Promise<void> {
    this.stmt.setState.run(state);
  }

  async idsForKeys(keys: string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const key of keys) {
      const id = this.stmt.idForKey.get(key) as number | undefined;
      if (id !== undefined) found.set(key, id);
    }
    return found;
  }

  async existingIds(ids: number[]): Promise<Set<number>> {
    return new Set(ids.filter((id) => this.stmt.exists.get(id) !== undefined));
  }

  async insert(rows: NewTaskRow[]): Promise<number[]> {
    const now = Date.now();
    const tx = this.db.transaction(() => {
      const { states, errors } = batchStates(rows, (id) => this.stmt.stateOf.get(id) as TaskState | undefined);
      const ids: number[] = new Array<number>(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        const hasDeps = r.requiresIds.length + r.requiresBatch.length > 0 ? 1 : 0;
        const state = states[i];
        try {
          const argv = r.argv === null ? null : JSON.stringify(r.argv);
          const info = this.stmt.insert.run(
            r.key,
            r.command,
            argv,
            r.params,
            r.priority,
            state,
            errors[i],
            now,
            state === "FAILED" ? now : null,
            hasDeps,
          );
          ids[i] = Number(info.lastInsertRowid);
        } catch (e) {
          if (r.key !== null && e instanceof Error && /UNIQUE/.test(e.message)) {
            throw new UserError(`A task with key ${JSON.stringify(r.key)} already exists in queue ${this.name}.`);
          }
          throw e;
        }
      }
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        for (const req of r.requiresIds) this.stmt.insertDep.run(ids[i], req);
        for (const b of r.requiresBatch) this.stmt.insertDep.run(ids[i], ids[b]);
      }
      return ids;
    });
    return tx.immediate();
  }

  private claimInTx(worker: string, limit: number, leaseMs: number, place: WorkerPlace): ClaimedTask[] {
    const now = Date.now();
    this.claimNode(place.node, now, leaseMs);
    this.reclaimInTx(now);
    if (this.stmt.getState.get() === "paused") return [];
    const claimed: ClaimedTask[] = [];
    // Each claim takes the best task left: within the write lock, row by row costs no more than a set.
    while (claimed.length < limit) {
      const row = this.stmt.claim.get(worker, place.node, place.jobId, now, now + leaseMs) as TaskRow | undefined;
      if (!row) break;
      this.stmt.startAttempt.run(row.id, row.attempts, worker, place.node, place.jobId, now);
      claimed.push({ ...this.toTask(row, this.attemptsOf(row.id)), attempt: row.attempts });
    }
    return claimed;
  }

  async claim(worker: string, leaseMs: number, place: WorkerPlace): Promise<ClaimedTask | null> {
    return (await this.claimBatch(worker, 1, leaseMs, place))[0] ?? null;
  }

  async claimBatch(worker: string, limit: number, leaseMs: number, place: WorkerPlace): Promise<ClaimedTask[]> {
    return this.exchangeTx(worker, { claim: { limit, leaseMs, place } }).next;
  }

  /**
   * Refuses a claim from a node other than the one whose workers use the queue now. SQLite's
   * locks (and WAL's shared memory) work between processes of one host only: workers on two
   * nodes sharing the file over a network filesystem would lose tasks or run them twice. The
   * node is recorded on every claim; another node may take over once that node's workers have
   * made no claim for twice the lease and hold no live lease.
   */
  private claimNode(node: string, now: number, leaseMs: number): void {
    const meta = new Map((this.stmt.workerNode.all() as Array<{ key: string; value: string }>).map((r) => [r.key, r.value]));
    const last = meta.get("worker_node");
    const seen = Number(meta.get("worker_node_seen") ?? "0");
    let busy: string | null = null;
    if (last !== undefined && last !== node && now - seen < 2 * leaseMs)
      busy = `its workers there claimed a task ${((now - seen) / 1000).toFixed(0)} s ago`;
    const other = this.stmt.runningElsewhere.get(node, now) as { id: number; node: string } | undefined;
    if (busy === null && other !== undefined) busy = `task ${other.id} runs there under a live lease`;
    if (busy !== null) {
      throw new UserError(
        `Queue ${this.name} is a SQLite queue in use on node ${other?.node ?? last} (${busy}); this worker runs on node ${node}. ` +
          `A SQLite queue must not be used from two nodes at once: its file locks do not work across nodes, so tasks would be lost or run twice. ` +
          `Run all its workers on one node, or keep the queue in PostgreSQL (hpcfit queue create ${this.name} --db postgres://...).`,
      );
    }
    this.stmt.setMeta.run("worker_node", node);
    this.stmt.setMeta.run("worker_node_seen", String(now));
  }

  async heartbeat(id: number, worker: string, attempt: number, leaseMs: number): Promise<boolean> {
    return this.stmt.heartbeat.run(Date.now() + leaseMs, id, worker, attempt).changes === 1;
  }

  async heartbeatBatch(worker: string, held: readonly HeldAttempt[], leaseMs: number): Promise<Set<number>> {
    return this.db
      .transaction(() => {
        const until = Date.now() + leaseMs;
        return new Set(
          held.filter((h) => this.stmt.heartbeat.run(until, h.id, worker, h.attempt).changes === 1).map((h) => h.id),
        );
      })
      .immediate();
  }

  private completeInTx(id: number, worker: string, attempt: number, outcome: TaskOutcome): TaskState | null {
    const now = Date.now();
    const end = attemptEnd(attempt, outcome, this.maxAttempts, this.retryOnFailure);
    const held = (
      end.state === "PENDING"
        ? this.stmt.requeueFailed.get(outcome.exitCode, end.taskError, id, worker, attempt)
        : this.stmt.finish.get(end.state, outcome.exitCode, end.taskError, now, id, worker, attempt)
    ) as { started_at: number | null } | undefined;
    if (held === undefined) return null;
    this.stmt.endAttempt.run(id, attempt, worker, held.started_at ?? now, now, outcome.exitCode, end.attemptError);
    if (end.state === "SUCCEEDED") this.stmt.release.run(id);
    else if (end.state === "FAILED") this.stmt.failDownstream.run(id, `requires task ${id}, which failed`, now);
    return end.state;
  }

  /** Gives back one claimed, unstarted task as it was before its claim; false when the worker no longer holds it. */
  private releaseInTx(worker: string, { id, attempt }: HeldAttempt): boolean {
    const last = this.stmt.attemptOf.get(id, attempt - 1) as StoredAttempt | undefined;
    const before = last === undefined ? undefined : attemptFromRow(last);
    const error = waitingError(before, this.maxAttempts);
    const changed = this.stmt.unclaim.run(
      before?.worker ?? null,
      before?.node ?? null,
      before?.jobId ?? null,
      before?.startedAt ?? null,
      before?.exitCode ?? null,
      before?.logFile ?? null,
      error,
      id,
      worker,
      attempt,
    ).changes;
    if (changed === 0) return false;
    this.stmt.dropAttempt.run(id, attempt);
    return true;
  }

  private exchangeInTx(worker: string, request: ExchangeRequest): ExchangeResult {
    const states = (request.finished ?? []).map((f) => this.completeInTx(f.id, worker, f.attempt, f.outcome));
    const released = (request.release ?? []).filter((h) => this.releaseInTx(worker, h)).length;
    const c = request.claim;
    const next = c !== undefined && c.limit > 0 ? this.claimInTx(worker, c.limit, c.leaseMs, c.place) : [];
    return { states, released, next };
  }

  async exchange(worker: string, request: ExchangeRequest): Promise<ExchangeResult> {
    return this.exchangeTx(worker, request);
  }

  async setLogFile(id: number, worker: string, attempt: number, logFile: string): Promise<void> {
    this.db
      .transaction(() => {
        if (this.stmt.setLog.run(logFile, id, worker, attempt).changes === 1)
          this.stmt.attemptLog.run(logFile, id, attempt, worker);
      })
      .immediate();
  }

  private reclaimInTx(now: number): number {
    const expired = this.stmt.expired.all(now) as Array<{
      id: number;
      attempts: number;
      worker: string | null;
      started_at: number | null;
    }>;
    for (const t of expired) {
      const what = lostLease(t.worker ?? "?", t.attempts, this.maxAttempts);
      this.stmt.endAttempt.run(t.id, t.attempts, t.worker ?? "?", t.started_at ?? now, now, null, what);
      if (t.attempts >= this.maxAttempts) {
        this.stmt.failLost.run(what, now, t.id);
        this.stmt.failDownstream.run(t.id, `requires task ${t.id}, which failed`, now);
      } else {
        this.stmt.requeue.run(what, t.id);
      }
    }
    return expired.length;
  }

  async reclaimExpired(): Promise<number> {
    return this.reclaimTx();
  }

  async counts(): Promise<StateCounts> {
    const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as StateCounts;
    for (const r of this.stmt.counts.all() as Array<{ state: TaskState; n: number }>) counts[r.state] = r.n;
    return counts;
  }

  async nodeCounts(): Promise<NodeCounts[]> {
    const out = new Map<string, StateCounts>();
    for (const r of this.stmt.nodeCounts.all() as Array<{ node: string; state: TaskState; n: number }>) {
      let counts = out.get(r.node);
      if (!counts) out.set(r.node, (counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as StateCounts));
      counts[r.state] = r.n;
    }
    return [...out].map(([node, counts]) => ({ node, counts }));
  }

  async finishedSince(since: number): Promise<{ count: number; first: number | null }> {
    return this.stmt.finishedSince.get(since) as { count: number; first: number | null };
  }

  async abandon(id: number, worker: string, attempt: number): Promise<void> {
    this.db
      .transaction(() => {
        if (this.stmt.abandon.run(id, worker, attempt).changes === 1) {
          this.stmt.attemptNote.run(`worker ${worker} stopped and gave the task back`, id, attempt, worker);
        }
      })
      .immediate();
  }

  async tasks(filter: TaskFilter): Promise<Task[]> {
    const where: string[] = [];
    const args: Array<string | number> = [];
    const states = filter.state === undefined ? [] : Array.isArray(filter.state) ? filter.state : [filter.state];
    if (states.length > 0) {
      where.push(`state IN (${states.map(() => "?").join(", ")})`);
      args.push(...states);
    }
    if (filter.ids !== undefined) {
      if (filter.ids.length === 0) return [];
      where.push(`id IN (${filter.ids.map(() => "?").join(", ")})`);
      args.push(...filter.ids);
    }
    if (filter.afterId !== undefined) {
      where.push("id > ?");
      args.push(filter.afterId);
    }
    let sql = "SELECT * FROM tasks";
    if (where.length > 0) sql += ` WHERE ${where.join(" AND ")}`;
    sql += " ORDER BY id";
    if (filter.limit !== undefined) {
      sql += " LIMIT ?";
      args.push(filter.limit);
    }
    const rows = this.db.prepare(sql).all(...args) as TaskRow[];
    const history = this.attemptsOfRows(rows);
    return rows.map((r) => this.toTask(r, history.get(r.id) ?? []));
  }

  private attemptsOf(id: number): TaskAttempt[] {
    return (this.stmt.attemptsOf.all(id) as AttemptRow[]).map(attemptFromRow);
  }

  /**
   * The attempts of the tasks of `rows` (in id order), by task id: one range scan when the ids
   * are dense (a listing), one lookup per task when they are sparse (a filter by state).
   */
  private attemptsOfRows(rows: readonly TaskRow[]): Map<number, TaskAttempt[]> {
    const out = new Map<number, TaskAttempt[]>();
    if (rows.length === 0) return out;
    const first = rows[0].id;
    const last = rows[rows.length - 1].id;
    if (last - first + 1 <= 4 * rows.length) {
      const wanted = new Set(rows.map((r) => r.id));
      for (const a of this.stmt.attemptsBetween.all(first, last) as AttemptRow[]) {
        if (!wanted.has(a.task_id)) continue;
        let list = out.get(a.task_id);
        if (!list) out.set(a.task_id, (list = []));
        list.push(attemptFromRow(a));
      }
    } else {
      for (const r of rows) if (r.attempts > 0) out.set(r.id, this.attemptsOf(r.id));
    }
    return out;
  }

  async retry(ids?: number[]): Promise<number> {
    return this.db
      .transaction(() => {
        let where = "state = 'FAILED'";
        if (ids !== undefined) {
          if (ids.length === 0) return 0;
          where += ` AND id IN (${ids.map(() => "?").join(", ")})`;
        }
        this.db.prepare(`DELETE FROM attempts WHERE task_id IN (SELECT id FROM tasks WHERE ${where})`).run(...(ids ?? []));
        const n = this.db
          .prepare(`UPDATE tasks SET state = 'WAITING', ${RESET_COLUMNS} WHERE ${where}`)
          .run(...(ids ?? [])).changes;
        this.settle();
        return n;
      })
      .immediate();
  }

  async rerun(includeRunning: boolean): Promise<number> {
    return this.db
      .transaction(() => {
        const states = includeRunning ? "('SUCCEEDED', 'FAILED', 'RUNNING', 'PENDING')" : "('SUCCEEDED', 'FAILED', 'PENDING')";
        this.db.prepare(`DELETE FROM attempts WHERE task_id IN (SELECT id FROM tasks WHERE state IN ${states})`).run();
        const n = this.db.prepare(`UPDATE tasks SET state = 'WAITING', ${RESET_COLUMNS} WHERE state IN ${states}`).run().changes;
        this.settle();
        return n;
      })
      .immediate();
  }

  /** After a reset: fail what cannot run, release what can (repeat: failures chain). */
  private settle(): void {
    const now = Date.now();
    while (this.stmt.failBlocked.run(now).changes > 0);
    this.stmt.releaseAll.run();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private toTask(r: TaskRow, history: readonly TaskAttempt[]): Task {
    return taskFromRow(r, r.has_deps ? (this.stmt.requiresOf.all(r.id) as number[]) : [], history);
  }
}
