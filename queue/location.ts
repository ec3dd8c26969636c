/**
 * Where queues live on disk: one private directory per queue, holding its database, its tasks'
 * logs and its worker jobs' output, none of it readable by other users.
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ensurePrivateDir, userDataDir } from "../util/paths.js";
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

/** The folders inside a queue's directory: attempt logs, and the output of its worker jobs. */
export const QUEUE_SUBFOLDERS = ["logs", "jobs"] as const;

/**
 * Makes the directory of queue `name` under `root` private, creating it when absent: the
 * directory and its folders 0700 (narrowed when wider, so an older queue is fixed when opened),
 * which keeps every file in it, old logs included, from other users. The root is made private
 * too when it is hpcfit's own (in the data directory); a root the user chose (`--dir`) is only
 * created 0700 when absent, and otherwise left as the user keeps it.
 * @returns the queue's directory
 */
export function privateQueueDirectory(root: string, name: string, ownRoot: boolean): string {
  if (ownRoot) {
    ensurePrivateDir(dirname(root));
    ensurePrivateDir(root);
  } else {
    mkdirSync(root, { recursive: true, mode: 0o700 });
  }
  const directory = ensurePrivateDir(queueDirectory(root, name));
  for (const folder of QUEUE_SUBFOLDERS) ensurePrivateDir(join(directory, folder));
  return directory;
}
