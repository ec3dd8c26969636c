/**
 * Job records on disk: one SQLite file per user (`jobs.sqlite` in the user data directory), shared by
 * every kernel, the CLI and the local scheduler's daemon. WAL mode and a busy timeout let several
 * processes read and write at once; writers that decide something (claim CPUs, cancel) use
 * immediate transactions so two processes never act on the same stale view.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import type { JobRow, JobState, JobsBackendKind } from "../schema/jobs.js";
import { ensurePrivateDir, privateDatabase, userDataDir } from "../util/paths.js";

/** What the local scheduler keeps beside a job's row. */
export interface LocalJobExtras {
  /** The script file to run. */
  scriptPath: string;
  scriptArgs: string[];
  /**
   * The variables that describe this job to itself (`SLURM_JOB_ID`, `SLURM_ARRAY_TASK_ID`, ...),
   * added to the submitter's environment when it starts. Nothing else of the environment is kept
   * in the record.
   */
  jobEnv: Record<string, string>;
  /**
   * The submitter's environment as `--export` chose it, in a private (0600) file beside the job's
   * script, removed as soon as no pending job needs it, as Slurm keeps a job's environment in its
   * spool only until the job starts.
   */
  environmentFile: string;
  /** The names `--export` asked for explicitly (empty with the default `ALL`). */
  exported: string[];
  /** `--dependency` as written, or null. */
  dependency: string | null;
  /** `%N` of the array, or null. */
  arrayLimit: number | null;
  held: boolean;
  pid: number | null;
  ntasks: number;
  cpusPerTask: number;
  /** When the scheduler sent the first signal to a cancelled or timed-out job (epoch ms). */
  killedAt: number | null;
  /** `--open-mode`: truncate (default) or append to the output files. */
  openMode: "truncate" | "append";
}

/** A row with its record-only fields. */
export interface StoredJob {
  row: JobRow;
  cluster: string;
  /** The script text as submitted, when hpcfit submitted it. */
  script: string | null;
  local: LocalJobExtras | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS job_records (
  backend TEXT NOT NULL,
  cluster TEXT NOT NULL,
  job_id INTEGER NOT NULL,
  display_id TEXT NOT NULL,
  array_job_id INTEGER,
  array_task_id INTEGER,
  row TEXT NOT NULL,
  state TEXT NOT NULL,
  user TEXT NOT NULL,
  script TEXT,
  local TEXT,
  updated REAL NOT NULL,
  PRIMARY KEY (backend, cluster, display_id)
);
CREATE INDEX IF NOT EXISTS job_records_state ON job_records (backend, cluster, state);
CREATE INDEX IF NOT EXISTS job_records_array ON job_records (backend, cluster, array_job_id);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS daemon (name TEXT PRIMARY KEY, pid INTEGER NOT NULL, heartbeat REAL NOT NULL);
`;

interface DbRow {
  row: string;
  cluster: string;
  script: string | null;
  local: string | null;
}

function decode(r: DbRow): StoredJob {
  return {
    row: JSON.parse(r.row) as JobRow,
    cluster: r.cluster,
    script: r.script,
    local: r.local ? (JSON.parse(r.local) as LocalJobExtras) : null,
  };
}

/** The job records of one user. */
export class JobStore {
  private static readonly opened = new Map<string, JobStore>();
  /** The SQLite connection, for the local scheduler's transactions. */
  readonly db: Database.Database;

  private constructor(readonly path: string) {
    this.db = new Database(privateDatabase(path), { timeout: 10_000 });
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    // What is deleted (an environment, a forgotten job) is overwritten, not left in free pages.
    this.db.pragma("secure_delete = ON");
    this.db.exec(SCHEMA);
    // Records from before environments moved out of the database lose theirs once the job has
    // started; a pending one keeps it until then, as it needs it to start.
    this.db
      .prepare(
        `UPDATE job_records SET local = json_remove(local, '$.env') WHERE local IS NOT NULL AND json_type(local, '$.env') IS NOT NULL AND state != 'PENDING'`,
      )
      .run();
  }

  /** The store in `dir` (default the user data directory), opened once per process. */
  static open(dir: string = ensurePrivateDir(userDataDir())): JobStore {
    const path = join(dir, "jobs.sqlite");
    let store = JobStore.opened.get(path);
    if (!store) {
      store = new JobStore(path);
      JobStore.opened.set(path, store);
    }
    return store;
  }

  /** Runs `fn` in an immediate (write-locking) transaction. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Inserts or replaces jobs. */
  put(
    backend: JobsBackendKind,
    cluster: string,
    jobs: { row: JobRow; script?: string | null; local?: LocalJobExtras | null }[],
  ): void {
    const stmt = this.db.prepare(
      `INSERT INTO job_records (backend, cluster, job_id, display_id, array_job_id, array_task_id, row, state, user, script, local, updated)
       VALUES (@backend, @cluster, @jobId, @id, @arrayJobId, @arrayTaskId, @row, @state, @user, @script, @local, @updated)
       ON CONFLICT (backend, cluster, display_id) DO UPDATE SET job_id = excluded.job_id, array_job_id = excluded.array_job_id,
         array_task_id = excluded.array_task_id, row = excluded.row, state = excluded.state, user = excluded.user,
         script = COALESCE(excluded.script, job_records.script), local = COALESCE(excluded.local, job_records.local), updated = excluded.updated`,
    );
    const now = Date.now() / 1000;
    this.db.transaction(() => {
      for (const j of jobs) {
        stmt.run({
          backend,
          cluster,
          jobId: j.row.jobId,
          id: j.row.id,
          arrayJobId: j.row.arrayJobId,
          arrayTaskId: j.row.arrayTaskId,
          row: JSON.stringify(j.row),
          state: j.row.state,
          user: j.row.user,
          script: j.script ?? null,
          local: j.local ? JSON.stringify(j.local) : null,
          updated: now,
        });
      }
    })();
  }

  /** Updates the rows of jobs already recorded (a scheduler's fresh view); others are ignored. */
  refresh(backend: JobsBackendKind, cluster: string, rows: JobRow[]): void {
    const stmt = this.db.prepare(
      `UPDATE job_records SET row = @row, state = @state, job_id = @jobId, updated = @updated WHERE backend = @backend AND cluster = @cluster AND display_id = @id AND row != @row`,
    );
    const now = Date.now() / 1000;
    this.db.transaction(() => {
      for (const r of rows)
        stmt.run({ backend, cluster, jobId: r.jobId, id: r.id, row: JSON.stringify(r), state: r.state, updated: now });
    })();
  }

  /** Updates one local job's row and extras. */
  update(backend: JobsBackendKind, cluster: string, row: JobRow, local?: LocalJobExtras): void {
    this.db
      .prepare(
        `UPDATE job_records SET row = ?, state = ?, local = COALESCE(?, local), updated = ? WHERE backend = ? AND cluster = ? AND display_id = ?`,
      )
      .run(JSON.stringify(row), row.state, local ? JSON.stringify(local) : null, Date.now() / 1000, backend, cluster, row.id);
  }

  /** All records of a backend and cluster, optionally only in some states, in job id order. */
  all(backend: JobsBackendKind, cluster: string, states?: readonly JobState[]): StoredJob[] {
    const where = states ? ` AND state IN (${states.map(() => "?").join(",")})` : "";
    const rows = this.db
      .prepare(
        `SELECT row, cluster, script, local FROM job_records WHERE backend = ? AND cluster = ?${where} ORDER BY job_id, display_id`,
      )
      .all(backend, cluster, ...(states ?? [])) as DbRow[];
    return rows.map(decode);
  }

  /** The records whose display id is `id`, or whose array is `id` (all its tasks). */
  find(backend: JobsBackendKind, cluster: string, id: string): StoredJob[] {
    const rows = /^\d+$/.test(id)
      ? this.db
          .prepare(
            `SELECT row, cluster, script, local FROM job_records WHERE backend = ? AND cluster = ? AND (display_id = ? OR array_job_id = ?) ORDER BY job_id, display_id`,
          )
          .all(backend, cluster, id, Number(id))
      : this.db
          .prepare(`SELECT row, cluster, script, local FROM job_records WHERE backend = ? AND cluster = ? AND display_id = ?`)
          .all(backend, cluster, id);
    return (rows as DbRow[]).map(decode);
  }

  /** Deletes records by display id; returns how many went. */
  remove(backend: JobsBackendKind, cluster: string, ids: string[]): number {
    const stmt = this.db.prepare(`DELETE FROM job_records WHERE backend = ? AND cluster = ? AND display_id = ?`);
    let n = 0;
    this.db.transaction(() => {
      for (const id of ids) n += stmt.run(backend, cluster, id).changes;
    })();
    return n;
  }

  /** Reserves `count` consecutive ids from the counter `name` (inside the caller's transaction). */
  nextIds(name: string, count: number): number {
    const row = this.db.prepare(`SELECT value FROM counters WHERE name = ?`).get(name) as { value: number } | undefined;
    const first = (row?.value ?? 0) + 1;
    this.db
      .prepare(`INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`)
      .run(name, first + count - 1);
    return first;
  }
}
