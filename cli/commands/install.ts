/**
 * `hpcfit install [--user | --sys-prefix | --prefix DIR]`: writes the `hpcfit` kernelspec (and,
 * when built, the JupyterLab extension) where Jupyter looks for them.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { packageRoot } from "../../util/paths.js";

/** The kernelspec's name (`jupyter console --kernel hpcfit`). */
export const KERNEL_NAME = "hpcfit";
/** The extension's folder name under `share/jupyter/labextensions`. */
export const LABEXTENSION_NAME = "hpcfit-labextension";

/** Where to install. */
export type InstallTarget = { kind: "user" } | { kind: "sys-prefix" } | { kind: "prefix"; dir: string };

/** A Jupyter data directory (the one holding `kernels/` and `labextensions/`) for a target. */
export function jupyterDataDir(target: InstallTarget, env: NodeJS.ProcessEnv = process.env): string {
  switch (target.kind) {
    case "prefix":
      return join(resolve(target.dir), "share", "jupyter");
    case "user":
      if (env.JUPYTER_DATA_DIR) return resolve(env.JUPYTER_DATA_DIR);
      return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "jupyter");
    case "sys-prefix":
      return join(sysPrefix(env), "share", "jupyter");
  }
}

/** The active Python environment's prefix, as Jupyter's `--sys-prefix` means it. */
function sysPrefix(env: NodeJS.ProcessEnv): string {
  if (env.VIRTUAL_ENV) return env.VIRTUAL_ENV;
  if (env.CONDA_PREFIX) return env.CONDA_PREFIX;
  const python = spawnSync("python3", ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" });
  if (python.status === 0 && python.stdout.trim() !== "") return python.stdout.trim();
  throw new Error(
    "--sys-prefix: no active Python environment (VIRTUAL_ENV, CONDA_PREFIX) and python3 did not answer; use --prefix DIR",
  );
}

/** The kernel.json content: node and the built CLI by absolute path, so no PATH is needed. */
export function kernelSpec(root: string = packageRoot()): Record<string, unknown> {
  return {
    argv: [process.execPath, join(root, "dist", "cli", "main.js"), "kernel", "-f", "{connection_file}"],
    display_name: "HPCFit (TypeScript)",
    language: "typescript",
    interrupt_mode: "signal",
    env: {},
    metadata: { debugger: false },
  };
}

/** Writes `<dataDir>/kernels/hpcfit/` (kernel.json and logos); returns the folder. */
export function installKernelSpec(dataDir: string, root: string = packageRoot()): string {
  const main = join(root, "dist", "cli", "main.js");
  if (!existsSync(main)) throw new Error(`${main} is missing: build first (npx tsc -p tsconfig.json)`);
  // The bin gets its exec bit here too, for `hpcfit` run straight from dist/.
  chmodSync(main, 0o755);
  const dir = join(dataDir, "kernels", KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelSpec(root), null, 2) + "\n");
  for (const size of ["32x32", "64x64"]) {
    copyFileSync(join(root, "kernel", "logos", `logo-${size}.png`), join(dir, `logo-${size}.png`));
  }
  return dir;
}

/**
 * Copies the prebuilt JupyterLab extension (`labextension/hpcfit_labextension`, made by the
 * extension's build) to `<dataDir>/labextensions/hpcfit-labextension/`. Returns the folder, or
 * null when the extension has not been built.
 */
export function installLabExtension(dataDir: string, root: string = packageRoot()): string | null {
  const built = join(root, "labextension", "hpcfit_labextension");
  if (!existsSync(built)) return null;
  const dir = join(dataDir, "labextensions", LABEXTENSION_NAME);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(built, dir, { recursive: true });
  return dir;
}

/** Adds the `install` command to `program`. */
export function registerInstallCommand(program: Command): void {
  program
    .command("install")
    .description("install the hpcfit kernelspec (and the JupyterLab extension, when built)")
    .option("--user", "into the user's Jupyter data directory (the default)")
    .option("--sys-prefix", "into the active Python environment (VIRTUAL_ENV / CONDA_PREFIX)")
    .option("--prefix <dir>", "into <dir>/share/jupyter")
    .action((options: { user?: boolean; sysPrefix?: boolean; prefix?: string }) => {
      const chosen = [options.user, options.sysPrefix, options.prefix !== undefined].filter(Boolean).length;
      if (chosen > 1) {
        process.stderr.write("hpcfit install: choose one of --user, --sys-prefix, --prefix DIR\n");
        process.exit(2);
      }
      const target: InstallTarget =
        options.prefix !== undefined
          ? { kind: "prefix", dir: options.prefix }
          : options.sysPrefix
            ? { kind: "sys-prefix" }
            : { kind: "user" };
      try {
        const dataDir = jupyterDataDir(target);
        process.stdout.write(`installed kernelspec ${KERNEL_NAME} in ${installKernelSpec(dataDir)}\n`);
        const ext = installLabExtension(dataDir);
        if (ext) process.stdout.write(`installed JupyterLab extension in ${ext}\n`);
      } catch (error) {
        process.stderr.write(`hpcfit install: ${(error as Error).message}\n`);
        process.exit(1);
      }
    });
}
