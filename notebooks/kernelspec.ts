/**
 * Finds an installed Jupyter kernelspec by name, the way jupyter_client does: the `kernels/`
 * folder of each Jupyter data directory, user first, then the environment's, then the system's.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UserError } from "../util/user-error.js";
import { packageRoot } from "../util/paths.js";

/** A kernelspec as read from its kernel.json. */
export interface KernelSpec {
  name: string;
  /** The folder holding kernel.json. */
  resourceDir: string;
  argv: string[];
  displayName: string;
  language: string;
  interruptMode: "signal" | "message";
  env: Record<string, string>;
}

/** Jupyter data directories in jupyter_client's search order. */
export function jupyterDataDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  if (env.JUPYTER_PATH) dirs.push(...env.JUPYTER_PATH.split(":").filter(Boolean));
  dirs.push(env.JUPYTER_DATA_DIR ?? join(env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter"));
  if (env.VIRTUAL_ENV) dirs.push(join(env.VIRTUAL_ENV, "share", "jupyter"));
  // The project's own .venv (where `npm start` installs the kernel), whether or not it is active.
  dirs.push(join(packageRoot(), ".venv", "share", "jupyter"));
  dirs.push("/usr/local/share/jupyter", "/usr/share/jupyter");
  return [...new Set(dirs)];
}

/** Reads the kernelspec called `name`. */
export function findKernelSpec(name: string, env: NodeJS.ProcessEnv = process.env): KernelSpec {
  const searched = jupyterDataDirs(env);
  for (const dir of searched) {
    const resourceDir = join(dir, "kernels", name);
    const file = join(resourceDir, "kernel.json");
    if (!existsSync(file)) continue;
    let spec: Record<string, unknown>;
    try {
      spec = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new UserError(`kernelspec ${file} is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(spec.argv) || spec.argv.length === 0) throw new UserError(`kernelspec ${file} has no argv`);
    return {
      name,
      resourceDir,
      argv: spec.argv.map(String),
      displayName: String(spec.display_name ?? name),
      language: String(spec.language ?? ""),
      interruptMode: spec.interrupt_mode === "message" ? "message" : "signal",
      env: (spec.env ?? {}) as Record<string, string>,
    };
  }
  throw new UserError(`no kernel named "${name}" is installed (searched ${searched.map((d) => join(d, "kernels")).join(", ")})`);
}
