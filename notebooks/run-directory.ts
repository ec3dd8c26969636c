/**
 * The private folder of one notebook run (its kernel's connection file), and the clean-up of
 * folders that runs killed with SIGKILL left behind. Each folder names its owner process in
 * `owner.pid`; a later run removes the folders whose owner is gone.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { userRuntimeDir } from "../util/paths.js";
import { processAlive } from "../util/process-alive.js";

const PREFIX = "hpcfit-run-";
const OWNER_FILE = "owner.pid";
/**
 * Folders without a readable owner count as stale after this long: those of older versions (in
 * the temporary directory, without an owner file), and those whose owner file another run is
 * still writing when this one looks.
 */
const UNOWNED_AGE_MS = 60 * 60 * 1000;

function stale(dir: string, now: number): boolean {
  const owner = join(dir, OWNER_FILE);
  if (existsSync(owner)) {
    const pid = Number.parseInt(readFileSync(owner, "utf8"), 10);
    if (Number.isInteger(pid) && pid > 0) return !processAlive(pid);
  }
  return now - statSync(dir).mtimeMs > UNOWNED_AGE_MS;
}

/**
 * Removes this user's run folders whose run has died: in the runtime directory, and those that
 * older versions left in the temporary directory. Folders of other users are never touched.
 * @returns the folders removed
 */
export function removeStaleRunDirs(runtimeDir: string = userRuntimeDir()): string[] {
  const uid = process.getuid?.();
  const now = Date.now();
  const removed: string[] = [];
  for (const parent of [runtimeDir, tmpdir()]) {
    let names: string[];
    try {
      names = readdirSync(parent).filter((n) => n.startsWith(PREFIX));
    } catch {
      continue;
    }
    for (const name of names) {
      const dir = join(parent, name);
      try {
        const info = statSync(dir);
        if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || !stale(dir, now)) continue;
        rmSync(dir, { recursive: true, force: true });
        removed.push(dir);
      } catch {
        // Gone already, or unreadable: not ours to worry about.
      }
    }
  }
  return removed;
}

/** Makes the private folder of a new run (after clearing stale ones) and records this process as its owner. */
export function createRunDir(runtimeDir: string = userRuntimeDir()): string {
  removeStaleRunDirs(runtimeDir);
  const dir = mkdtempSync(join(runtimeDir, PREFIX));
  // Written aside and renamed, so that runs starting together on one machine (a job array's
  // tasks) never see an owner file half written.
  const partial = join(dir, `${OWNER_FILE}.partial`);
  writeFileSync(partial, String(process.pid), { mode: 0o600 });
  renameSync(partial, join(dir, OWNER_FILE));
  return dir;
}
