/** Where queues live on disk: one directory per queue, holding its database and task logs. */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { userDataDir } from "../util/paths.js";
import { UserError } from "../util/user-error.js";

/** The database file inside a queue's directory. */
export const DATABASE_FILE = "queue.db";

/**
 * The folder that holds all queues: `dir` when given, else `$HPCFIT_DATA_DIR/queues`, else
 * `~/.local/share/hpcfit/queues` (or `$XDG_DATA_HOME/hpcfit/queues`).
 */
export function queuesRoot(dir?: string): string {
  return resolve(dir ?? join(userDataDir(), "queues"));
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Throws a clear error unless `name` can be a queue name (it becomes a directory name). */
export function checkQueueName(name: string): void {
  if (!NAME.test(name)) {
    throw new UserError(
      `Invalid queue name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-', starting with a letter or digit (at most 128 characters).`,
    );
  }
}

/** The directory of queue `name` under `root`. */
export function queueDirectory(root: string, name: string): string {
  checkQueueName(name);
  return join(root, name);
}

/** Names of the queues under `root`, sorted. */
export function queueNames(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && NAME.test(e.name) && existsSync(join(root, e.name, DATABASE_FILE)))
    .map((e) => e.name)
    .sort();
}
