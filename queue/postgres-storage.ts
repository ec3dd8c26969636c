/**
 * The PostgreSQL backend of a queue, for workers on many nodes. Each queue is a schema of its own
 * in the database a `postgres://` URL names (see postgres-schema.ts). A claim is one statement
 * that picks the next task with `FOR UPDATE SKIP LOCKED`, so concurrent workers never wait on
 * each other's claims and never take the same task. Every change of more than one row runs in a
 * transaction; those whose outcome depends on other rows' states (releasing dependents, adding
 * tasks that require others) first lock the rows they depend on, so that two transactions
 * finishing a task's requirements at once cannot both miss that it is ready.
 */
import pg from "pg";
import { attemptEnd, lostLease } from "./attempt-end.js";
import { batchStates } from "./batch-states.js";
import {
  MAX_IDENTIFIER,
  NOW_MS,
  PG_MIGRATIONS,
  PG_SCHEMA_VERSION,
  SCHEMA_PREFIX,
  dropTaskIndexesSql,
  schemaOf,
  schemaSql,
  taskIndexesSql,
} from "./postgres-schema.js";
import { copyRows } from "./postgres-copy.js";
import {
  TASK_STATES,
  type ClaimedTask,
  type ExchangeRequest,
  type ExchangeResult,
  type HeldAttempt,
  type NewTaskRow,
  type NodeCounts,
  type QueueInfo,
  type QueueState,
  type QueueStorage,
  type StateCounts,
  type Task,
  type TaskAttempt,
  type TaskFilter,
  type TaskState,
  type WorkerPlace,
} from "./types.js";
import { UserError } from "../util/user-error.js";
import { attemptFromRow, RESET_COLUMNS, taskFromRow, type StoredAttempt, type StoredTask } from "./stored-rows.js";

/** Options for creating a queue. */
export interface PostgresCreateOptions {
  maxAttempts: number;
  retryOnFailure: boolean;
}

interface TaskRow extends StoredTask {
  has_deps: boolean;
  requires: number[] | null;
  /** The attempts, as `json_build_object` returns them (bigints arrive as JSON numbers). */
  history: StoredAttempt[] | null;
}

/** What the claim statement returns: the claimed task's row (all null when none), and whether leases expired. */
type ClaimRow = TaskRow & { expired_leases: boolean };

/** The name of the prepared claim statement on each connection of a queue's pool. */
const CLAIM = "hpcfit_claim";

/** A parser of a column's text form. */
type TextParser = (value: string) => unknown;
/** pg's parsers by type id (its typing lists only the scalar ids). */
const parserOf = pg.types.getTypeParser as unknown as (oid: number, format?: string) => TextParser;
/** The type ids of `bigint` and `bigint[]`. */
const INT8 = 20;
const INT8_ARRAY = 1016;

/** bigint columns (and arrays) as JavaScript numbers: ids and millisecond times stay far below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: string): TextParser => {
    if (oid === INT8) return (v) => Number(v);
    if (oid === INT8_ARRAY) {
      const parse = parserOf(INT8_ARRAY);
      return (v) => (parse(v) as Array<string | null>).map((x) => (x === null ? null : Number(x)));
    }
    return parserOf(oid, format);
  }) as unknown as typeof pg.types.getTypeParser,
};

/** Tasks added at once from which the table's planner statistics are refreshed right away. */
const ANALYZE_AFTER = 1000;

/**
 * Tasks added at once to an empty queue from which the indexes are built after the rows are in
 * rather than kept up row by row.
 */
const REBUILD_AFTER = 10_000;

/** PostgreSQL's codes for a transaction that lost a deadlock or a serialization race: run it again. */
const RETRYABLE = new Set(["40P01", "40001"]);

/** A URL with its password (if any) replaced, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}

/** Whether `db` names a PostgreSQL database (`postgres://` or `postgresql://`). */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** A pool on `url` whose failures to connect become clear user errors. */
function openPool(url: string): pg.Pool {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`${redactUrl(url)} is not a valid PostgreSQL URL (postgres://user[:password]@host[:port]/database).`);
  }
  if (parsed.pathname.replace(/^\//, "") === "")
    throw new UserError(`${redactUrl(url)} names no database (postgres://user@host/DATABASE).`);
  const pool = new pg.Pool({ connectionString: url, types: TYPES, max: 16, idleTimeoutMillis: 10_000 });
  // An idle connection that breaks (server restart) is dropped; the next query opens another.
  pool.on("error", () => undefined);
  return pool;
}

/** Turns a failure to reach the server into a user error naming the URL. */
function unreachable(url: string, e: unknown): Error {
  const err = e as Error & { code?: string };
  if (err instanceof UserError) return err;
  if (err.code === undefined || /^(E[A-Z]+|28[0-9A-Z]{3}|3D000)$/.test(err.code)) {
    return new UserError(`Cannot use the PostgreSQL database ${redactUrl(url)}: ${err.message}.`);
  }
  return err;
}

/** The schemas of the queues in the database at `url`, by queue name, sorted. */
export async function postgresQueueNames(url: string): Promise<string[]> {
  const pool = openPool(url);
  try {
    const r = await pool.query<{ name: string }>(
      `SELECT substr(nspname, $2) AS name FROM pg_namespace
       WHERE left(nspname, $3) = $1 AND to_regclass(quote_ident(nspname) || '.meta') IS NOT NULL ORDER BY 1`,
      [SCHEMA_PREFIX, SCHEMA_PREFIX.length + 1, SCHEMA_PREFIX.length],
    );
    return r.rows.map((row) => row.name);
  } catch (e) {
    throw unreachable(url, e);
  } finally {
    await pool.end();
  }
}

/** Drops queue `name`'s schema and everything in it. */
export async function dropPostgresQueue(url: string, name: string): Promise<void> {
  const pool = openPool(url);
  try {
    await pool.query(`DROP SCHEMA IF EXISTS ${schemaOf(name)} CASCADE`);
  } catch (e) {
    throw unreachable(url, e);
  } finally {
    await pool.end();
  }
}

/** A queue stored in schema `hpcfit_queue_<name>` of a PostgreSQL database. */
export class PostgresQueueStorage implements QueueStorage {
  private readonly s: string;
  private readonly sql: ReturnType<typeof statements>;
  /** Pooled connections on which {@link statements}' `prepare` ran. */
  private readonly preparedOn = new WeakSet<pg.PoolClient>();

  private constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly name: string,
    private readonly directory: string,
    private readonly maxAttempts: number,
    private readonly retryOnFailure: boolean,
    private readonly createdAt: number,
  ) {
    this.s = schemaOf(name);
    this.sql = statements(this.s);
  }

  private static checkName(name: string): void {
    if (Buffer.byteLength(SCHEMA_PREFIX + name) > MAX_IDENTIFIER) {
      throw new UserError(
        `Queue name ${JSON.stringify(name)} is too long for PostgreSQL: at most ${MAX_IDENTIFIER - SCHEMA_PREFIX.length} characters.`,
      );
    }
  }

  /** Creates queue `name` in the database at `url` (its schema and tables); fails when it exists. */
  static async create(
    url: string,
    directory: string,
    name: string,
    options: PostgresCreateOptions,
  ): Promise<PostgresQueueStorage> {
    PostgresQueueStorage.checkName(name);
    const pool = openPool(url);
    const s = schemaOf(name);
    try {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const exists = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [SCHEMA_PREFIX + name]);
        if (exists.rowCount !== 0) throw new UserError(`Queue ${name} already exists in ${redactUrl(url)}.`);
        await client.query(`CREATE SCHEMA ${s}`);
        await client.query(schemaSql(s));
        const createdAt = Date.now();
        await client.query(`INSERT INTO ${s}.meta (key, value) SELECT * FROM unnest($1::text[], $2::text[])`, [
          ["schema_version", "name", "state", "max_attempts", "retry_on_failure", "created_at"],
          [
            String(PG_SCHEMA_VERSION),
            name,
            "active",
            String(options.maxAttempts),
            options.retryOnFailure ? "1" : "0",
            String(createdAt),
          ],
        ]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        // Two creators at once: the loser's CREATE SCHEMA fails on the unique schema name.
        if ((e as { code?: string }).code === "23505" || (e as { code?: string }).code === "42P06") {
          throw new UserError(`Queue ${name} already exists in ${redactUrl(url)}.`);
        }
        throw e;
      } finally {
        client.release();
      }
      return await PostgresQueueStorage.open(pool, url, directory, name);
    } catch (e) {
      await pool.end();
      throw unreachable(url, e);
    }
  }

  /** Opens queue `name` in the database at `url`, migrating its schema when it is older. */
  static async connect(url: string, directory: string, name: string): Promise<PostgresQueueStorage> {
    PostgresQueueStorage.checkName(name);
    const pool = openPool(url);
    try {
      return await PostgresQueueStorage.open(pool, url, directory, name);
    } catch (e) {
      await pool.end();
      throw unreachable(url, e);
    }
  }

  private static async open(pool: pg.Pool, url: string, directory: string, name: string): Promise<PostgresQueueStorage> {
    const s = schemaOf(name);
    const found = await pool.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [`${s}.meta`]);
    if (found.rows[0]?.t == null) throw new UserError(`No queue named ${name} in ${redactUrl(url)}.`);
    const readMeta = async (c: pg.PoolClient | pg.Pool) =>
      new Map(
        (await c.query<{ key: string; value: string }>(`SELECT key, value FROM ${s}.meta`)).rows.map((r) => [r.key, r.value]),
      );
    let meta = await readMeta(pool);
    const version = () => Number(meta.get("schema_version"));
    const unreadable = () =>
      new UserError(
        `Queue ${name} in ${redactUrl(url)} has schema version ${meta.get("schema_version")}; this hpcfit reads versions up to ${PG_SCHEMA_VERSION}.`,
      );
    if (!Number.isInteger(version()) || version() < 1 || version() > PG_SCHEMA_VERSION) throw unreadable();
    if (version() < PG_SCHEMA_VERSION) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await client.query(`LOCK TABLE ${s}.meta IN EXCLUSIVE MODE`);
        meta = await readMeta(client);
        while (version() < PG_SCHEMA_VERSION) {
          const step = PG_MIGRATIONS[version()];
          if (step === undefined) throw unreadable();
          await client.query(step(s));
          meta = await readMeta(client);
        }
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    }
    return new PostgresQueueStorage(
      pool,
      url,
      meta.get("name") ?? name,
      directory,
      Number(meta.get("max_attempts") ?? "3"),
      meta.get("retry_on_failure") !== "0",
      Number(meta.get("created_at") ?? "0"),
    );
  }

  /** Runs `fn` in a transaction, again (up to 5 times) when PostgreSQL aborts it to break a deadlock. */
  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const c = await this.pool.connect();
      try {
        await c.query("BEGIN");
        const result = await fn(c);
        await c.query("COMMIT");
        return result;
      } catch (e) {
        await c.query("ROLLBACK").catch(() => undefined);
        if (attempt < 5 && RETRYABLE.has((e as { code?: string }).code ?? "")) continue;
        throw e;
      } finally {
        c.release();
      }
    }
  }

  async info(): Promise<QueueInfo> {
    const r = await this.pool.query<{ value: QueueState }>(this.sql.getState);
    return {
      name: this.name,
      state: r.rows[0].value,
      maxAttempts: this.maxAttempts,
      retryOnFailure: this.retryOnFailure,
      createdAt: this.createdAt,
      directory: this.directory,
    };
  }

  async setState(state: QueueState): Promise<void> {
    await this.pool.query(this.sql.setState, [state]);
  }

  async idsForKeys(keys: string[]): Promise<Map<string, number>> {
    const r = await this.pool.query<{ key: string; id: number }>(
      `SELECT key, id FROM ${this.s}.tasks WHERE key = ANY($1::text[])`,
      [keys],
    );
    return new Map(r.rows.map((row) => [row.key, row.id]));
  }

  async existingIds(ids: number[]): Promise<Set<number>> {
    const r = await this.pool.query<{ id: number }>(`SELECT id FROM ${this.s}.tasks WHERE id = ANY($1::bigint[])`, [ids]);
    return new Set(r.rows.map((row) => row.id));
  }

  async insert(rows: NewTaskRow[]): Promise<number[]> {
    if (rows.length === 0) return [];
    const ids = await this.insertRows(rows);
    // The planner's statistics of a freshly filled queue say it is empty until autovacuum looks
    // (up to a minute later): a claim would then read and sort every PENDING task instead of
    // walking the claim index for the first few. A large addition refreshes them at once.
    if (rows.length >= ANALYZE_AFTER) await this.pool.query(`ANALYZE ${this.s}.tasks`);
    return ids;
  }

  private async insertRows(rows: NewTaskRow[]): Promise<number[]> {
    return this.tx(async (c) => {
      // Adders take turns, so that a batch gets consecutive ids in its order.
      await c.query("SELECT pg_advisory_xact_lock(hashtext($1))", [this.s]);
      // A large batch into an empty queue fills the table first and builds its indexes after,
      // once, instead of inserting a million entries into each. The table stays locked meanwhile
      // (readers and claims wait for the commit); only adders write new rows, and they take turns.
      const rebuild = rows.length >= REBUILD_AFTER && (await c.query(`SELECT 1 FROM ${this.s}.tasks LIMIT 1`)).rowCount === 0;
      if (rebuild) {
        await c.query(`LOCK TABLE ${this.s}.tasks IN ACCESS EXCLUSIVE MODE`);
        await c.query(dropTaskIndexesSql(this.s));
      }
      // A required task that finishes meanwhile waits for this transaction (FOR SHARE), and then
      // sees the new dependents; one that finished before is read as it ended.
      const required = [...new Set(rows.flatMap((r) => r.requiresIds))];
      const known = new Map<number, TaskState>();
      if (required.length > 0) {
        const r = await c.query<{ id: number; state: TaskState }>(
          `SELECT id, state FROM ${this.s}.tasks WHERE id = ANY($1::bigint[]) ORDER BY id FOR SHARE`,
          [required],
        );
        for (const row of r.rows) known.set(row.id, row.state);
      }
      const { states, errors } = batchStates(rows, (id) => known.get(id));
      // Ids go on from the highest, as in SQLite: adders take turns, and an addition that fails
      // leaves no gap (a sequence would, its values being spent outside the transaction).
      const start = (
        await c.query<{ id: number; now: number }>(`SELECT coalesce(max(id), 0) + 1 AS id, ${NOW_MS} AS now FROM ${this.s}.tasks`)
      ).rows[0];
      const first = start.id;
      try {
        await copyRows(c, this.sql.copyTasks, rows.length, (i) => {
          const r = rows[i];
          return [
            first + i,
            r.key,
            r.command,
            r.argv === null ? null : JSON.stringify(r.argv),
            r.params,
            r.priority,
            states[i],
            errors[i],
            start.now,
            states[i] === "FAILED" ? start.now : null,
            r.requiresIds.length + r.requiresBatch.length > 0,
          ];
        });
      } catch (e) {
        const err = e as { code?: string; constraint?: string; detail?: string };
        if (err.code === "23505" && err.constraint === "tasks_by_key") {
          const key = /\(key\)=\((.*)\) already exists/.exec(err.detail ?? "")?.[1];
          throw new UserError(
            `A task with key ${key === undefined ? "(one of the batch)" : JSON.stringify(key)} already exists in queue ${this.name}.`,
          );
        }
        throw e;
      }
      // Each row's requirements are distinct (existing ids, then new ones): no pair comes twice.
      const deps: Array<[number, number]> = [];
      rows.forEach((r, i) => {
        for (const req of r.requiresIds) deps.push([first + i, req]);
        for (const b of r.requiresBatch) deps.push([first + i, first + b]);
      });
      if (deps.length > 0) await copyRows(c, this.sql.copyDeps, deps.length, (i) => deps[i]);
      if (rebuild) await c.query(taskIndexesSql(this.s));
      return rows.map((_, i) => first + i);
    });
  }

  async claim(worker: string, leaseMs: number, place: WorkerPlace): Promise<ClaimedTask | null> {
    return (await this.claimBatch(worker, 1, leaseMs, place))[0] ?? null;
  }

  async claimBatch(worker: string, limit: number, leaseMs: number, place: WorkerPlace): Promise<ClaimedTask[]> {
    if (limit < 1) return [];
    // The claim statement takes nothing while some lease has expired, and says so: the expired
    // tasks go back in line first (as with SQLite, a lost task keeps its place by priority).
    for (let round = 0; round < 5; round++) {
      // EXECUTE takes no bound parameters: the values travel as escaped literals.
      const r = await this.prepared((c) => c.query<ClaimRow>(this.sql.executeClaim(worker, limit, leaseMs, place)));
      const claimed = await this.claimedFrom(r.rows, worker, place);
      if (claimed !== "expired") return claimed;
    }
    // Another worker is returning the expired tasks right now: look again at the next poll.
    return [];
  }

  /**
   * The tasks a claim statement returned (none when nothing was ready), or `"expired"` once the
   * expired leases it reported were returned to the queue (the caller claims again).
   */
  private async claimedFrom(rows: ClaimRow[], worker: string, place: WorkerPlace): Promise<ClaimedTask[] | "expired"> {
    if (rows[0]?.expired_leases) {
      await this.reclaimExpired();
      return "expired";
    }
    return rows
      .filter((row) => row.id !== null)
      .map((row) => {
        // The statement's own snapshot does not see the attempt row it adds: append it here.
        const history = (row.history ?? []).filter((a) => a.attempt !== row.attempts).map(attemptFromRow);
        history.push({
          attempt: row.attempts,
          worker,
          node: place.node,
          jobId: place.jobId,
          startedAt: row.started_at!,
          finishedAt: null,
          exitCode: null,
          error: null,
          logFile: null,
        });
        return { ...toTask(row, history), attempt: row.attempts };
      });
  }

  /**
   * Runs `fn` on a pooled connection on which the queue's hot statements are prepared (SQL
   * `PREPARE`, once per connection): a claim is then planned once per connection instead of on
   * every call, and can be named inside a multi-statement query.
   */
  private async prepared<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      if (!this.preparedOn.has(c)) {
        await c.query(this.sql.prepare);
        this.preparedOn.add(c);
      }
      const result = await fn(c);
      c.release();
      return result;
    } catch (e) {
      // As pg's own pool.query does: a connection that saw an error is not reused.
      c.release(e as Error);
      throw e;
    }
  }

  async heartbeat(id: number, worker: string, attempt: number, leaseMs: number): Promise<boolean> {
    return (await this.heartbeatBatch(worker, [{ id, attempt }], leaseMs)).has(id);
  }

  async heartbeatBatch(worker: string, held: readonly HeldAttempt[], leaseMs: number): Promise<Set<number>> {
    if (held.length === 0) return new Set();
    const r = await this.pool.query<{ id: number }>(this.sql.heartbeat, [
      leaseMs,
      held.map((h) => h.id),
      held.map((h) => h.attempt),
      worker,
    ]);
    return new Set(r.rows.map((row) => row.id));
  }

  /**
   * One round trip: the statements of a simple query run in one implicit transaction, each with
   * a snapshot of its own, so a release of dependents after their lock sees what the lock waited
   * for, and the claim at the end may take a dependent these completions just released (or a
   * failure that runs again).
   */
  async exchange(worker: string, request: ExchangeRequest): Promise<ExchangeResult> {
    const finished = (request.finished ?? []).map((f) => ({
      id: f.id,
      attempt: f.attempt,
      exitCode: f.outcome.exitCode,
      ...attemptEnd(f.attempt, f.outcome, this.maxAttempts, this.retryOnFailure),
    }));
    const release = request.release ?? [];
    const claim = request.claim !== undefined && request.claim.limit > 0 ? request.claim : undefined;
    const parts: string[] = [];
    const at = { finished: -1, release: -1, claim: -1 };
    if (finished.length > 0) {
      at.finished = parts.push(this.sql.finish(worker, finished)) - 1;
      const succeeded = finished.filter((f) => f.state === "SUCCEEDED").map((f) => f.id);
      const failed = finished.filter((f) => f.state === "FAILED").map((f) => f.id);
      if (succeeded.length > 0) parts.push(...this.sql.releaseDependents(succeeded));
      if (failed.length > 0) parts.push(this.sql.failDependents(failed));
    }
    if (release.length > 0) at.release = parts.push(this.sql.unclaim(worker, release, this.maxAttempts)) - 1;
    if (claim !== undefined) at.claim = parts.push(this.sql.executeClaim(worker, claim.limit, claim.leaseMs, claim.place)) - 1;
    if (parts.length === 0) return { states: [], released: 0, next: [] };
    for (let round = 1; ; round++) {
      try {
        const out = (await this.prepared((c) => c.query(parts.join(";\n")))) as unknown as pg.QueryResult | pg.QueryResult[];
        const results = Array.isArray(out) ? out : [out];
        const held = new Set(at.finished < 0 ? [] : results[at.finished].rows.map((r: { task_id: number }) => r.task_id));
        const states = finished.map((f) => (held.has(f.id) ? f.state : null));
        const released = at.release < 0 ? 0 : (results[at.release].rowCount ?? 0);
        let next: ClaimedTask[] = [];
        if (claim !== undefined) {
          const claimed = await this.claimedFrom(results[at.claim].rows as ClaimRow[], worker, claim.place);
          // After expired leases, the claim goes again on its own.
          next = claimed === "expired" ? await this.claimBatch(worker, claim.limit, claim.leaseMs, claim.place) : claimed;
        }
        return { states, released, next };
      } catch (e) {
        if (round < 5 && RETRYABLE.has((e as { code?: string }).code ?? "")) continue;
        throw e;
      }
    }
  }

  async abandon(id: number, worker: string, attempt: number): Promise<void> {
    await this.pool.query(this.sql.abandon, [id, worker, attempt, `worker ${worker} stopped and gave the task back`]);
  }

  async setLogFile(id: number, worker: string, attempt: number, logFile: string): Promise<void> {
    await this.pool.query(this.sql.setLog, [logFile, id, worker, attempt]);
  }

  async reclaimExpired(): Promise<number> {
    // The common case, nothing expired, costs one indexed look-up and no transaction.
    const any = await this.pool.query(this.sql.anyExpired);
    if (any.rowCount === 0) return 0;
    return this.tx(async (c) => {
      const expired = await c.query<{
        id: number;
        attempts: number;
        worker: string | null;
        node: string | null;
        job_id: string | null;
        started_at: number | null;
      }>(this.sql.expired);
      for (const t of expired.rows) {
        const what = lostLease(t.worker ?? "?", t.attempts, this.maxAttempts);
        await c.query(this.sql.endLost, [t.id, t.attempts, t.worker ?? "?", t.node, t.job_id, t.started_at, what]);
        if (t.attempts >= this.maxAttempts) {
          await c.query(this.sql.failLost, [what, t.id]);
          await c.query(this.sql.failDownstream, [t.id, `requires task ${t.id}, which failed`]);
        } else {
          await c.query(this.sql.requeue, [what, t.id]);
        }
      }
      return expired.rowCount ?? 0;
    });
  }

  async counts(): Promise<StateCounts> {
    const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as StateCounts;
    for (const r of (await this.pool.query<{ state: TaskState; n: number }>(this.sql.counts)).rows) counts[r.state] = r.n;
    return counts;
  }

  async nodeCounts(): Promise<NodeCounts[]> {
    const out = new Map<string, StateCounts>();
    for (const r of (await this.pool.query<{ node: string; state: TaskState; n: number }>(this.sql.nodeCounts)).rows) {
      let counts = out.get(r.node);
      if (!counts) out.set(r.node, (counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as StateCounts));
      counts[r.state] = r.n;
    }
    return [...out].map(([node, counts]) => ({ node, counts }));
  }

  async finishedSince(since: number): Promise<{ count: number; first: number | null }> {
    return (await this.pool.query<{ count: number; first: number | null }>(this.sql.finishedSince, [since])).rows[0];
  }

  async tasks(filter: TaskFilter): Promise<Task[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const states = filter.state === undefined ? [] : Array.isArray(filter.state) ? filter.state : [filter.state];
    if (states.length > 0) {
      args.push(states);
      where.push(`state = ANY($${args.length}::text[])`);
    }
    if (filter.ids !== undefined) {
      if (filter.ids.length === 0) return [];
      args.push(filter.ids);
      where.push(`id = ANY($${args.length}::bigint[])`);
    }
    if (filter.afterId !== undefined) {
      args.push(filter.afterId);
      where.push(`id > $${args.length}`);
    }
    let sql = `SELECT t.*, ${this.sql.extras} FROM ${this.s}.tasks t`;
    if (where.length > 0) sql += ` WHERE ${where.join(" AND ")}`;
    sql += " ORDER BY id";
    if (filter.limit !== undefined) {
      args.push(filter.limit);
      sql += ` LIMIT $${args.length}`;
    }
    const r = await this.pool.query<TaskRow>(sql, args);
    return r.rows.map((row) => toTask(row, (row.history ?? []).map(attemptFromRow)));
  }

  async retry(ids?: number[]): Promise<number> {
    if (ids !== undefined && ids.length === 0) return 0;
    return this.tx(async (c) => {
      await this.lockForReset(c);
      const where = ids === undefined ? "state = 'FAILED'" : "state = 'FAILED' AND id = ANY($1::bigint[])";
      const args = ids === undefined ? [] : [ids];
      await c.query(`DELETE FROM ${this.s}.attempts WHERE task_id IN (SELECT id FROM ${this.s}.tasks WHERE ${where})`, args);
      const n =
        (await c.query(`UPDATE ${this.s}.tasks SET state = 'WAITING', ${RESET_COLUMNS} WHERE ${where}`, args)).rowCount ?? 0;
      await this.settle(c);
      return n;
    });
  }

  async rerun(includeRunning: boolean): Promise<number> {
    return this.tx(async (c) => {
      await this.lockForReset(c);
      const states = includeRunning ? "('SUCCEEDED', 'FAILED', 'RUNNING', 'PENDING')" : "('SUCCEEDED', 'FAILED', 'PENDING')";
      await c.query(`DELETE FROM ${this.s}.attempts WHERE task_id IN (SELECT id FROM ${this.s}.tasks WHERE state IN ${states})`);
      const n =
        (await c.query(`UPDATE ${this.s}.tasks SET state = 'WAITING', ${RESET_COLUMNS} WHERE state IN ${states}`)).rowCount ?? 0;
      await this.settle(c);
      return n;
    });
  }

  /**
   * Retry and rerun change many tasks' states and then decide others' from them: they hold off
   * every other writer meanwhile, as SQLite's write lock does (readers go on).
   */
  private async lockForReset(c: pg.PoolClient): Promise<void> {
    await c.query(`LOCK TABLE ${this.s}.tasks IN SHARE ROW EXCLUSIVE MODE`);
  }

  /** After a reset: fail what cannot run, release what can (repeat: failures chain). */
  private async settle(c: pg.PoolClient): Promise<void> {
    while (((await c.query(this.sql.failBlocked)).rowCount ?? 0) > 0);
    await c.query(this.sql.releaseAll);
  }

  close(): void {
    void this.pool.end().catch(() => undefined);
  }

  /** The database this queue lives in (password hidden). */
  get location(): string {
    return redactUrl(this.url);
  }
}

/** The statements of a queue in schema `s`, built once per storage. */
function statements(s: string) {
  const dependsOnFailed = `EXISTS (SELECT 1 FROM ${s}.deps d JOIN ${s}.tasks r ON r.id = d.requires_id WHERE d.task_id = t.id AND r.state = 'FAILED')`;
  const allSucceeded = `NOT EXISTS (SELECT 1 FROM ${s}.deps d JOIN ${s}.tasks r ON r.id = d.requires_id WHERE d.task_id = t.id AND r.state <> 'SUCCEEDED')`;
  // A task's requirements and attempts, in the same statement as the task.
  const requires = `(SELECT array_agg(requires_id ORDER BY requires_id) FROM ${s}.deps WHERE task_id = t.id)`;
  const history = `(SELECT json_agg(json_build_object('attempt', a.attempt, 'worker', a.worker, 'node', a.node, 'job_id', a.job_id,
       'started_at', a.started_at, 'finished_at', a.finished_at, 'exit_code', a.exit_code, 'error', a.error, 'log_file', a.log_file)
       ORDER BY a.attempt) FROM ${s}.attempts a WHERE a.task_id = t.id)`;
  const extras = `${requires} AS requires, ${history} AS history`;
  // A claimed task's: only a task with requirements has any, and only one claimed before its earlier attempts.
  const claimExtras = `CASE WHEN t.has_deps THEN ${requires} END AS requires, CASE WHEN t.attempts > 1 THEN ${history} END AS history`;
  // One statement: pick the next ready tasks, up to $5 (skipping those other claims hold), take
  // them, and open their attempts; nothing when the queue is paused, or when some lease has
  // expired (then `expired_leases` says so and the caller returns those tasks to the queue first).
  // The one row of `(SELECT 1)` carries that flag when no task is taken.
  const claim = `
      WITH now AS (SELECT ${NOW_MS} AS ms),
      expired AS (SELECT EXISTS (SELECT 1 FROM ${s}.tasks, now WHERE state = 'RUNNING' AND lease_expires < now.ms) AS found),
      picked AS (
        SELECT id FROM ${s}.tasks
        WHERE state = 'PENDING' AND (SELECT value FROM ${s}.meta WHERE key = 'state') = 'active' AND NOT (SELECT found FROM expired)
        ORDER BY priority DESC, id LIMIT $5 FOR UPDATE SKIP LOCKED),
      claimed AS (
        UPDATE ${s}.tasks t SET state = 'RUNNING', attempts = t.attempts + 1, worker = $1, node = $3, job_id = $4,
          started_at = now.ms, lease_expires = now.ms + $2, exit_code = NULL, error = NULL, finished_at = NULL, log_file = NULL
        FROM now WHERE t.id = ANY(ARRAY(SELECT id FROM picked)) RETURNING t.*),
      started AS (
        INSERT INTO ${s}.attempts (task_id, attempt, worker, node, job_id, started_at)
        SELECT id, attempts, worker, node, job_id, started_at FROM claimed
        ON CONFLICT (task_id, attempt) DO UPDATE SET worker = excluded.worker, node = excluded.node, job_id = excluded.job_id,
          started_at = excluded.started_at, finished_at = NULL, exit_code = NULL, error = NULL, log_file = NULL)
      SELECT (SELECT found FROM expired) AS expired_leases, t.*, ${claimExtras} FROM (SELECT 1) AS one LEFT JOIN claimed t ON true
      ORDER BY t.priority DESC, t.id`;
  const lit = (v: string | null) => (v === null ? "NULL" : pg.escapeLiteral(v));
  const ids = (list: readonly number[]) => `'{${list.map((id) => Math.trunc(id)).join(",")}}'::bigint[]`;
  const int = (n: number) => String(Math.trunc(n));
  // A list of rows as a VALUES table of literals, typed by the first row: cheaper for the server
  // to plan and read than a JSON record set, and for the client to write.
  const values = (rows: ReadonlyArray<readonly string[]>, types: readonly string[], names: string): string =>
    `(VALUES ${rows.map((r, i) => `(${r.map((v, j) => (i === 0 ? `${v}::${types[j]}` : v)).join(", ")})`).join(", ")}) AS x(${names})`;
  return {
    extras,
    getState: `SELECT value FROM ${s}.meta WHERE key = 'state'`,
    setState: `UPDATE ${s}.meta SET value = $1 WHERE key = 'state'`,
    copyTasks: `COPY ${s}.tasks (id, key, command, argv, params, priority, state, error, created_at, finished_at, has_deps) FROM STDIN`,
    copyDeps: `COPY ${s}.deps (task_id, requires_id) FROM STDIN`,
    // The hot statement, prepared on each connection (`PREPARE`; see PostgresQueueStorage.prepared).
    prepare: `PREPARE ${CLAIM}(text, bigint, text, text, integer) AS ${claim}`,
    /** The prepared claim of up to `limit` tasks, its values inlined as escaped literals, for a multi-statement query. */
    executeClaim: (worker: string, limit: number, leaseMs: number, place: WorkerPlace): string =>
      `EXECUTE ${CLAIM}(${lit(worker)}, ${Math.trunc(leaseMs)}, ${lit(place.node)}, ${lit(place.jobId)}, ${Math.trunc(limit)})`,
    heartbeat: `
      UPDATE ${s}.tasks t SET lease_expires = ${NOW_MS} + $1 FROM unnest($2::bigint[], $3::int[]) AS h(id, attempt)
      WHERE t.id = ANY($2::bigint[]) AND t.id = h.id AND t.state = 'RUNNING' AND t.worker = $4 AND t.attempts = h.attempt
      RETURNING t.id`,
    /**
     * Ends attempts held by `worker` (each with its state afterwards, see attempt-end.ts) and
     * records them; returns the ids of the tasks that were still held.
     */
    finish: (
      worker: string,
      ends: ReadonlyArray<{
        id: number;
        attempt: number;
        state: TaskState;
        exitCode: number;
        taskError: string | null;
        attemptError: string | null;
      }>,
    ): string => `
      WITH input AS (
        SELECT * FROM ${values(
          ends.map((e) => [int(e.id), int(e.attempt), lit(e.state), int(e.exitCode), lit(e.taskError), lit(e.attemptError)]),
          ["bigint", "int", "text", "int", "text", "text"],
          `id, attempt, state, "exitCode", "taskError", "attemptError"`,
        )}),
      done AS (
        UPDATE ${s}.tasks t SET state = i.state, exit_code = i."exitCode", error = i."taskError", lease_expires = NULL,
          finished_at = CASE WHEN i.state = 'PENDING' THEN NULL ELSE ${NOW_MS} END
        FROM input i
        WHERE t.id = ANY(${ids(ends.map((e) => e.id))}) AND t.id = i.id AND t.state = 'RUNNING' AND t.worker = ${lit(worker)}
          AND t.attempts = i.attempt
        RETURNING t.id, t.attempts, t.worker, t.node, t.job_id, t.started_at, coalesce(t.finished_at, ${NOW_MS}) AS ended,
          i."exitCode" AS exit_code, i."attemptError" AS error)
      INSERT INTO ${s}.attempts (task_id, attempt, worker, node, job_id, started_at, finished_at, exit_code, error)
      SELECT id, attempts, worker, node, job_id, coalesce(started_at, ended), ended, exit_code, error FROM done
      ON CONFLICT (task_id, attempt) DO UPDATE SET finished_at = excluded.finished_at, exit_code = excluded.exit_code,
        error = coalesce(${s}.attempts.error, excluded.error)
      RETURNING task_id`,
    /**
     * After successes: lock the waiting dependents (a transaction finishing another of their
     * requirements at the same time waits here, and the release, a later statement with a newer
     * snapshot, then sees that success); release those whose every requirement succeeded.
     */
    releaseDependents: (succeeded: readonly number[]): string[] => [
      `SELECT t.id FROM ${s}.tasks t WHERE t.state = 'WAITING'
         AND t.id IN (SELECT task_id FROM ${s}.deps WHERE requires_id = ANY(${ids(succeeded)})) ORDER BY t.id FOR UPDATE`,
      `UPDATE ${s}.tasks t SET state = 'PENDING'
       WHERE t.state = 'WAITING' AND t.id IN (SELECT task_id FROM ${s}.deps WHERE requires_id = ANY(${ids(succeeded)})) AND ${allSucceeded}`,
    ],
    /** After failures for good: everything downstream fails, naming the (first) failed task it requires. */
    failDependents: (failed: readonly number[]): string => `
      WITH RECURSIVE failed AS (SELECT id FROM ${s}.tasks WHERE id = ANY(${ids(failed)}) AND state = 'FAILED'),
      down(id, root) AS (
        SELECT d.task_id, d.requires_id FROM ${s}.deps d JOIN failed f ON d.requires_id = f.id
        UNION SELECT d.task_id, down.root FROM ${s}.deps d JOIN down ON d.requires_id = down.id),
      first AS (SELECT id, min(root) AS root FROM down GROUP BY id)
      UPDATE ${s}.tasks t SET state = 'FAILED', error = 'requires task ' || first.root || ', which failed', finished_at = ${NOW_MS}
      FROM first WHERE t.id = first.id AND t.state IN ('WAITING', 'PENDING')`,
    /**
     * Gives back claimed, unstarted tasks as they were before the claim: the columns the claim
     * cleared come back from the previous attempt, and the error it showed is rebuilt in the words
     * of attempt-end.ts (waitingError); the claim's attempt row goes. Returns the released ids.
     */
    unclaim: (worker: string, held: readonly HeldAttempt[], maxAttempts: number): string => `
      WITH input AS (SELECT * FROM ${values(
        held.map((h) => [int(h.id), int(h.attempt)]),
        ["bigint", "int"],
        "id, attempt",
      )}),
      back AS (
        UPDATE ${s}.tasks t SET state = 'PENDING', attempts = t.attempts - 1, lease_expires = NULL, finished_at = NULL,
          worker = p.worker, node = p.node, job_id = p.job_id, started_at = p.started_at, exit_code = p.exit_code,
          log_file = p.log_file,
          error = CASE
            WHEN p.task_id IS NULL THEN NULL
            WHEN p.exit_code IS NULL THEN 'lease of worker ' || p.worker || ' expired during attempt ' || p.attempt || ' of ${Math.trunc(maxAttempts)}'
            ELSE coalesce(p.error, 'exit code ' || p.exit_code) || ' (attempt ' || p.attempt || ' of ${Math.trunc(maxAttempts)}; it runs again)'
          END
        FROM input i LEFT JOIN ${s}.attempts p ON p.task_id = i.id AND p.attempt = i.attempt - 1
        WHERE t.id = ANY(${ids(held.map((h) => h.id))}) AND t.id = i.id AND t.state = 'RUNNING' AND t.worker = ${lit(worker)}
          AND t.attempts = i.attempt
        RETURNING t.id, i.attempt),
      gone AS (DELETE FROM ${s}.attempts a USING back b WHERE a.task_id = b.id AND a.attempt = b.attempt)
      SELECT id FROM back`,
    // Everything downstream of a failed task fails too (it could never run).
    failDownstream: `
      WITH RECURSIVE down(id) AS (
        SELECT task_id FROM ${s}.deps WHERE requires_id = $1
        UNION SELECT d.task_id FROM ${s}.deps d JOIN down ON d.requires_id = down.id)
      UPDATE ${s}.tasks SET state = 'FAILED', error = $2, finished_at = ${NOW_MS}
      WHERE id IN (SELECT id FROM down) AND state IN ('WAITING', 'PENDING')`,
    abandon: `
      WITH given AS (
        UPDATE ${s}.tasks SET lease_expires = 0 WHERE id = $1 AND state = 'RUNNING' AND worker = $2 AND attempts = $3 RETURNING id)
      UPDATE ${s}.attempts SET error = $4 WHERE task_id = $1 AND attempt = $3 AND worker = $2 AND EXISTS (SELECT 1 FROM given)`,
    setLog: `
      WITH held AS (
        UPDATE ${s}.tasks SET log_file = $1 WHERE id = $2 AND state = 'RUNNING' AND worker = $3 AND attempts = $4 RETURNING id)
      UPDATE ${s}.attempts SET log_file = $1 WHERE task_id = $2 AND attempt = $4 AND worker = $3 AND EXISTS (SELECT 1 FROM held)`,
    anyExpired: `SELECT 1 FROM ${s}.tasks WHERE state = 'RUNNING' AND lease_expires < ${NOW_MS} LIMIT 1`,
    expired: `
      SELECT id, attempts, worker, node, job_id, started_at FROM ${s}.tasks
      WHERE state = 'RUNNING' AND lease_expires < ${NOW_MS} ORDER BY id FOR UPDATE SKIP LOCKED`,
    endLost: `
      INSERT INTO ${s}.attempts (task_id, attempt, worker, node, job_id, started_at, finished_at, exit_code, error)
      VALUES ($1, $2, $3, $4, $5, coalesce($6, ${NOW_MS}), ${NOW_MS}, NULL, $7)
      ON CONFLICT (task_id, attempt) DO UPDATE SET finished_at = excluded.finished_at, exit_code = NULL,
        error = coalesce(${s}.attempts.error, excluded.error)`,
    requeue: `UPDATE ${s}.tasks SET state = 'PENDING', lease_expires = NULL, error = $1 WHERE id = $2`,
    failLost: `UPDATE ${s}.tasks SET state = 'FAILED', error = $1, finished_at = ${NOW_MS}, lease_expires = NULL WHERE id = $2`,
    counts: `SELECT state, count(*) AS n FROM ${s}.tasks GROUP BY state`,
    nodeCounts: `SELECT node, state, count(*) AS n FROM ${s}.tasks WHERE node IS NOT NULL GROUP BY node, state ORDER BY node`,
    finishedSince: `SELECT count(*) AS count, min(finished_at) AS first FROM ${s}.tasks WHERE finished_at >= $1`,
    failBlocked: `
      UPDATE ${s}.tasks t SET state = 'FAILED', error = 'a task it requires failed', finished_at = ${NOW_MS}
      WHERE t.state = 'WAITING' AND ${dependsOnFailed}`,
    releaseAll: `UPDATE ${s}.tasks t SET state = 'PENDING' WHERE t.state = 'WAITING' AND ${allSucceeded}`,
  };
}

function toTask(r: TaskRow, history: readonly TaskAttempt[]): Task {
  return taskFromRow(r, r.requires ?? [], history);
}
