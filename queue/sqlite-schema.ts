/**
 * The SQLite layout of one queue. States are stored as text so that the file stays readable with
 * the sqlite3 shell. One index serves both claims (`state = 'PENDING' ORDER BY priority DESC, id`)
 * and counts per state; the others are partial so that a million plain inserts stay cheap. Each
 * attempt is a row of `attempts`, keyed by task and attempt number so that one task's attempts
 * are read with one range scan.
 */
export const SCHEMA_VERSION = 3;

/**
 * The attempts table: one row per attempt, keyed by task and attempt number; `withPlace` adds
 * where it ran (`node`, `job_id`), as version 3 does.
 */
function attemptsSql(withPlace: boolean): string {
  return `
CREATE TABLE IF NOT EXISTS attempts (
  task_id INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  worker TEXT NOT NULL,${withPlace ? "\n  node TEXT,\n  job_id TEXT," : ""}
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  exit_code INTEGER,
  error TEXT,
  log_file TEXT,
  PRIMARY KEY (task_id, attempt)
) WITHOUT ROWID;
`;
}

/** Statements that create the tables and indexes of the current version (idempotent). */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS tasks (
  id INTEGER PRIMARY KEY,
  key TEXT,
  command TEXT,
  params TEXT,
  priority INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  exit_code INTEGER,
  error TEXT,
  worker TEXT,
  log_file TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  lease_expires INTEGER,
  has_deps INTEGER NOT NULL DEFAULT 0,
  argv TEXT,
  node TEXT,
  job_id TEXT
);

CREATE INDEX IF NOT EXISTS tasks_by_state ON tasks(state, priority DESC, id);
CREATE UNIQUE INDEX IF NOT EXISTS tasks_by_key ON tasks(key) WHERE key IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_by_finish ON tasks(finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS deps (
  task_id INTEGER NOT NULL,
  requires_id INTEGER NOT NULL,
  PRIMARY KEY (task_id, requires_id)
) WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS deps_by_required ON deps(requires_id, task_id);
${attemptsSql(true)}
`;

/**
 * Statements that bring a database of version `from` to the next version, with the meta rows
 * the new version needs. Version 1 had no argument vectors, no attempt records and retried only
 * lost leases: its tasks keep their last attempt as the one attempt on record, and the queue now
 * retries failures too (the default of a new queue).
 */
export const MIGRATIONS: Readonly<Record<number, string>> = {
  1: `
ALTER TABLE tasks ADD COLUMN argv TEXT;
${attemptsSql(false)}
INSERT INTO attempts (task_id, attempt, worker, started_at, finished_at, exit_code, error, log_file)
  SELECT id, attempts, worker, started_at, finished_at, exit_code, error, log_file FROM tasks
  WHERE attempts > 0 AND worker IS NOT NULL AND started_at IS NOT NULL;
INSERT OR REPLACE INTO meta (key, value) VALUES ('retry_on_failure', '1');
UPDATE meta SET value = '2' WHERE key = 'schema_version';
`,
  // Version 3 records where each attempt ran (node and batch job); older attempts say nothing.
  2: `
ALTER TABLE tasks ADD COLUMN node TEXT;
ALTER TABLE tasks ADD COLUMN job_id TEXT;
ALTER TABLE attempts ADD COLUMN node TEXT;
ALTER TABLE attempts ADD COLUMN job_id TEXT;
UPDATE meta SET value = '3' WHERE key = 'schema_version';
`,
};
