/**
 * Where hpcfit keeps per-user data (input history, job records): `$HPCFIT_DATA_DIR`, else
 * `$XDG_DATA_HOME/hpcfit`, else `~/.local/share/hpcfit`, following the XDG base-directory spec.
 */
import { homedir } from "node:os";
import { join } from "node:path";

/** The per-user data directory (not created here). */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HPCFIT_DATA_DIR) return env.HPCFIT_DATA_DIR;
  const xdg = env.XDG_DATA_HOME;
  return join(xdg && xdg !== "" ? xdg : join(homedir(), ".local", "share"), "hpcfit");
}
