/**
 * Which storage a queue lives in: a SQLite file in the queue's directory (the default, for
 * workers on one node), or a PostgreSQL database named by a `postgres://` URL (workers on many
 * nodes), given as `db` or in `$HPCFIT_QUEUE_DB`. Either way the queue's directory holds its logs.
 */
import { UserError } from "../util/user-error.js";
import { isPostgresUrl } from "./postgres-storage.js";

/** The environment variable that names a queue database when no `db` is given. */
export const QUEUE_DB_ENV = "HPCFIT_QUEUE_DB";

/**
 * The PostgreSQL URL of the queues, from `db` or else `$HPCFIT_QUEUE_DB`; null for SQLite (the
 * queue's directory). Anything else is an error that says what is accepted.
 */
export function databaseUrl(db: string | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  const given = db ?? (env[QUEUE_DB_ENV] === "" ? undefined : env[QUEUE_DB_ENV]);
  if (given === undefined) return null;
  if (!isPostgresUrl(given)) {
    const from = db !== undefined ? "--db" : `$${QUEUE_DB_ENV}`;
    throw new UserError(
      `${from} must be a PostgreSQL URL (postgres://user@host[:port]/database), got ${JSON.stringify(given)}; leave it out to keep the queue in SQLite in its directory.`,
    );
  }
  return given;
}
