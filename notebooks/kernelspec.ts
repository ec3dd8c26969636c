/**
 * Finds an installed Jupyter kernelspec by name, the way JupyterLab in the same environment does:
 * the `kernels/` folder of each Jupyter data directory, in the order Jupyter itself reports
 * (`jupyter --paths --json`), so that `hpcfit run` starts the kernel a user sees in Lab.
 */
import { spawnSync } from "node:child_process";
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

/**
 * The Python environment whose Jupyter decides: the active virtual environment, else the
 * project's own `.venv` (where `npm start` installs JupyterLab and the kernel), else none.
 */
function jupyterEnvironment(env: NodeJS.ProcessEnv): string | undefined {
  if (env.VIRTUAL_ENV) return env.VIRTUAL_ENV;
  const project = join(packageRoot(), ".venv");
  return existsSync(join(project, "bin", "jupyter")) ? project : undefined;
}

const reported = new Map<string, string[] | null>();

/** Jupyter's own data path (`jupyter --paths --json`), or null when no Jupyter answers. */
function reportedDataDirs(jupyter: string, env: NodeJS.ProcessEnv): string[] | null {
  const key = `${jupyter}\0${env.JUPYTER_PATH ?? ""}\0${env.JUPYTER_DATA_DIR ?? ""}\0${env.JUPYTER_PREFER_ENV_PATH ?? ""}`;
  if (reported.has(key)) return reported.get(key)!;
  const r = spawnSync(jupyter, ["--paths", "--json"], { env, encoding: "utf8", timeout: 30_000 });
  let dirs: string[] | null = null;
  try {
    const data = (JSON.parse(r.stdout) as { data?: unknown }).data;
    if (r.status === 0 && Array.isArray(data)) dirs = data.map(String);
  } catch {
    // Not Jupyter, or it failed: the documented order below stands in.
  }
  reported.set(key, dirs);
  return dirs;
}

/**
 * Jupyter data directories in Jupyter's search order, as JupyterLab in the same environment
 * sees them. Asks that environment's `jupyter` (else the one on PATH); without any, follows
 * jupyter_core's documented order: `JUPYTER_PATH`, then the environment's folder before the
 * user's when an environment is active (`JUPYTER_PREFER_ENV_PATH`, on by default there), then
 * the system's.
 */
export function jupyterDataDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const environment = jupyterEnvironment(env);
  const asked = reportedDataDirs(environment ? join(environment, "bin", "jupyter") : "jupyter", env);
  if (asked) return asked;
  const user = env.JUPYTER_DATA_DIR ?? join(env.XDG_DATA_HOME || join(env.HOME ?? homedir(), ".local", "share"), "jupyter");
  const own = environment ? [join(environment, "share", "jupyter")] : [];
  const preferEnv = !/^(0|false|no|off)$/i.test(env.JUPYTER_PREFER_ENV_PATH ?? "1");
  const dirs = [
    ...(env.JUPYTER_PATH ?? "").split(":").filter(Boolean),
    ...(preferEnv ? [...own, user] : [user, ...own]),
    "/usr/local/share/jupyter",
    "/usr/share/jupyter",
  ];
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
      displayName: typeof spec.display_name === "string" ? spec.display_name : name,
      language: typeof spec.language === "string" ? spec.language : "",
      interruptMode: spec.interrupt_mode === "message" ? "message" : "signal",
      env: (spec.env ?? {}) as Record<string, string>,
    };
  }
  throw new UserError(`no kernel named "${name}" is installed (searched ${searched.map((d) => join(d, "kernels")).join(", ")})`);
}
