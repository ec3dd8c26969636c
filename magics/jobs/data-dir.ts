import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Where this user's job records live: `HPCFIT_DATA_DIR` when set (tests use a temp dir), else
 * `$XDG_DATA_HOME/hpcfit` or `~/.local/share/hpcfit`. Created on first use.
 */
export function jobsDataDir(): string {
  const base = process.env.HPCFIT_DATA_DIR || join(process.env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "hpcfit");
  mkdirSync(base, { recursive: true });
  return base;
}
