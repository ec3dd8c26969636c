/**
 * The PostgreSQL layout of one queue: a schema of its own (`hpcfit_queue_<name>`) in the database
 * the URL names, holding the same tables as a SQLite queue. Times are milliseconds since the
 * epoch taken from the server's clock, so that leases mean the same on every node. The claim
 * index serves `state = 'PENDING' ORDER BY priority DESC, id ... FOR UPDATE SKIP LOCKED`; a
 * partial index finds expired leases among the running tasks without scanning the others.
 */
export const PG_SCHEMA_VERSION = 1;

/** Prefix of the schema of every queue. */
export const SCHEMA_PREFIX = "hpcfit_queue_";

/** PostgreSQL's limit on identifier length (bytes). */
export const MAX_IDENTIFIER = 63;

/** The quoted schema name of queue `name` (queue names are letters, digits, `.`, `_` and `-`). */
export function schemaOf(name: string): string {
  return `"${SCHEMA_PREFIX}${name}"`;
}

/** The server's clock in milliseconds since the epoch. */
export const NOW_MS = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

/** The indexes of the tasks table: name, whether unique, columns (and predicate). */
const TASK_INDEXES: ReadonlyArray<{ name: string; unique: boolean; on: string }> = [
  { name: "tasks_by_state", unique: false, on: "(state, priority DESC, id)" },
  { name: "tasks_by_key", unique: true, on: "(key) WHERE key IS NOT NULL" },
  { name: "tasks_by_finish", unique: false, on: "(finished_at) WHERE finished_at IS NOT NULL" },
  { name: "tasks_by_lease", unique: false, on: "(lease_expires) WHERE state = 'RUNNING'" },
];

/**
 * Statements that build the tasks table's primary key and indexes in schema `s`: at creation, and
 * again after a bulk addition to an empty queue has filled the table without them.
 */
export function taskIndexesSql(s: string): string {
  return [
    `ALTER TABLE ${s}.tasks ADD CONSTRAINT tasks_pkey PRIMARY KEY (id);`,
    ...TASK_INDEXES.map((i) => `CREATE ${i.unique ? "UNIQUE " : ""}INDEX ${i.name} ON ${s}.tasks ${i.on};`),
  ].join("\n");
}

/** Statements that drop what {@link taskIndexesSql} builds (the table must be locked first). */
export function dropTaskIndexesSql(s: string): string {
  return [
    `ALTER TABLE ${s}.tasks DROP CONSTRAINT tasks_pkey;`,
    `DROP INDEX ${TASK_INDEXES.map((i) => `${s}.${i.name}`).join(", ")};`,
  ].join("\n");
}

/** Statements that create the tables of the current version in schema `s` (already quoted). */
export function schemaSql(s: string): string {
  return `
CREATE TABLE ${s}.meta (
  key text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE ${s}.tasks (
  id bigint NOT NULL,
  key text,
  command text,
  argv text,
  params text,
  priority integer NOT NULL DEFAULT 0,
  state text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  exit_code integer,
  error text,
  worker text,
  node text,
  job_id text,
  log_file text,
  created_at bigint NOT NULL,
  started_at bigint,
  finished_at bigint,
  lease_expires bigint,
  has_deps boolean NOT NULL DEFAULT false
);

${taskIndexesSql(s)}

CREATE TABLE ${s}.deps (
  task_id bigint NOT NULL,
  requires_id bigint NOT NULL,
  PRIMARY KEY (task_id, requires_id)
);
CREATE INDEX deps_by_required ON ${s}.deps (requires_id, task_id);

CREATE TABLE ${s}.attempts (
  task_id bigint NOT NULL,
  attempt integer NOT NULL,
  worker text NOT NULL,
  node text,
  job_id text,
  started_at bigint NOT NULL,
  finished_at bigint,
  exit_code integer,
  error text,
  log_file text,
  PRIMARY KEY (task_id, attempt)
);
`;
}

/**
 * Statements that bring a queue's schema `s` from version `from` to the next; none yet. A queue
 * opened by a newer hpcfit than wrote it is migrated on first use, in one transaction.
 */
export const PG_MIGRATIONS: Readonly<Record<number, (s: string) => string>> = {};
