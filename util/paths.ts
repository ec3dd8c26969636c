/**
 * Where hpcfit's files are: the package on disk, its compiled programs, and the user's private
 * data directory. Every module that needs one of these asks here, so that running from the
 * TypeScript sources (tests) and from `dist/` (an installation) behave the same.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "./user-error.js";

let rootCache: string | undefined;

/** The hpcfit package's root folder (the one holding its package.json), found upwards from this file. */
export function packageRoot(): string {
  if (rootCache) return rootCache;
  const self = fileURLToPath(import.meta.url);
  let dir = dirname(self);
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "hpcfit") return (rootCache = dir);
      } catch {
        // An unreadable package.json on the way up is not ours; keep looking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find hpcfit's package.json above ${self}`);
    dir = parent;
  }
}

/** hpcfit's version from its package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "0.0.0";
}

/**
 * The compiled JavaScript of one of hpcfit's programs (a worker thread, a job driver, the CLI),
 * e.g. `compiledEntry("cli/main.js")`. Worker threads and child processes cannot load TypeScript,
 * so code running from the sources (tests) uses the build too.
 * @throws UserError when the build is missing
 */
export function compiledEntry(pathInDist: string): string {
  const path = join(packageRoot(), "dist", pathInDist);
  if (!existsSync(path)) throw new UserError(`hpcfit is not built: ${path} is missing; run \`npm run build\` first`);
  return path;
}

/**
 * The per-user data directory (input history, job records, queues): `$HPCFIT_DATA_DIR`, else
 * `$XDG_DATA_HOME/hpcfit`, else `~/.local/share/hpcfit`, following the XDG base-directory spec.
 * Not created here; see {@link ensurePrivateDir}.
 */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HPCFIT_DATA_DIR) return env.HPCFIT_DATA_DIR;
  const xdg = env.XDG_DATA_HOME;
  return join(xdg && xdg !== "" ? xdg : join(homedir(), ".local", "share"), "hpcfit");
}

/**
 * Creates `dir` (and its parents) readable by its owner only, and narrows an existing one that is
 * wider: what hpcfit stores there (code, job records, logs) is the user's alone.
 * @returns `dir`
 */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

/**
 * The per-user runtime directory for files that live only while a process runs (a notebook run's
 * connection file): `$XDG_RUNTIME_DIR/hpcfit` when the session has one, else `runtime/` in the
 * data directory, private either way. Not the shared temporary directory: a connection file
 * holds the key that signs the kernel's messages.
 */
export function userRuntimeDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_RUNTIME_DIR;
  const base = xdg && existsSync(xdg) ? join(xdg, "hpcfit") : join(userDataDir(env), "runtime");
  return ensurePrivateDir(base);
}

/**
 * Creates `path` (empty) readable and writable by its owner only, or narrows an existing file that
 * is wider, whatever the umask: job records, input history and job environments are the user's alone.
 * @returns `path`
 */
export function ensurePrivateFile(path: string): string {
  closeSync(openSync(path, "a", 0o600));
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return path;
}

/**
 * Prepares an SQLite database file to be private before it is opened: the file itself is created
 * 0600 (SQLite gives its `-wal` and `-shm` files the database's mode), and existing ones are
 * narrowed. Its folder is made private too.
 * @returns `path`
 */
export function privateDatabase(path: string): string {
  ensurePrivateDir(dirname(path));
  ensurePrivateFile(path);
  for (const suffix of ["-wal", "-shm", "-journal"]) if (existsSync(path + suffix)) ensurePrivateFile(path + suffix);
  return path;
}

/** Writes `text` to a new or existing file readable and writable by its owner only. */
export function writePrivateFile(path: string, text: string): void {
  ensurePrivateFile(path);
  writeFileSync(path, text);
}
