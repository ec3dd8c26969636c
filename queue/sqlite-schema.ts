/**
 * The SQLite layout of one queue. States are stored as text so that the file stays readable with
 * the sqlite3 shell. One index serves both claims (`state = 'PENDING' ORDER BY priority DESC, id`)
 * and counts per state; the others are partial so that a million plain inserts stay cheap.
 */
export const SCHEMA_VERSION = 1;

/** Statements that create the tables and indexes (idempotent). */
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
  has_deps INTEGER NOT NULL DEFAULT 0
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
`;
