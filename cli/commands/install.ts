/**
 * `hpcfit install [--user | --sys-prefix | --prefix DIR]`: writes the `hpcfit` kernelspec (and,
 * when built, the JupyterLab extension) where Jupyter looks for them. With `--slurm NAME` and
 * sbatch options it writes a "HPCFit on Slurm (NAME)" kernelspec instead, whose kernel runs in a
 * Slurm allocation (remote-kernel/).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { slurmKernelName, slurmKernelSpec } from "../../remote-kernel/kernelspec.js";
import {
  SBATCH_FLAGS,
  SETTINGS_FILE,
  settingsFromInstall,
  type SbatchFlag,
  type SlurmInstallOptions,
} from "../../remote-kernel/settings.js";
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

/** Writes `<dataDir>/kernels/<name>/` with kernel.json, the logos and `extra` files; returns the folder. */
function writeKernelSpec(
  dataDir: string,
  name: string,
  spec: (main: string) => Record<string, unknown>,
  root: string,
  extra: Record<string, string> = {},
): string {
  const main = join(root, "dist", "cli", "main.js");
  if (!existsSync(main)) throw new Error(`${main} is missing: build first (npx tsc -p tsconfig.json)`);
  // The bin gets its exec bit here too, for `hpcfit` run straight from dist/.
  chmodSync(main, 0o755);
  const dir = join(dataDir, "kernels", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(spec(main), null, 2) + "\n");
  for (const [file, text] of Object.entries(extra)) writeFileSync(join(dir, file), text);
  for (const size of ["32x32", "64x64"]) {
    copyFileSync(join(root, "kernel", "logos", `logo-${size}.png`), join(dir, `logo-${size}.png`));
  }
  return dir;
}

/** Writes `<dataDir>/kernels/hpcfit/` (kernel.json and logos); returns the folder. */
export function installKernelSpec(dataDir: string, root: string = packageRoot()): string {
  return writeKernelSpec(dataDir, KERNEL_NAME, () => kernelSpec(root), root);
}

/**
 * Writes `<dataDir>/kernels/hpcfit-slurm-<name>/`: a kernel in a Slurm allocation, its settings
 * in `slurm.json`. Returns the folder.
 */
export function installSlurmKernelSpec(dataDir: string, options: SlurmInstallOptions, root: string = packageRoot()): string {
  const settings = settingsFromInstall(options);
  return writeKernelSpec(
    dataDir,
    slurmKernelName(settings.name),
    (main) => slurmKernelSpec(settings, process.execPath, main),
    root,
    {
      [SETTINGS_FILE]: JSON.stringify(settings, null, 2) + "\n",
    },
  );
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

/** What commander hands the install command. */
interface InstallCommandOptions {
  user?: boolean;
  sysPrefix?: boolean;
  prefix?: string;
  slurm?: string;
  sbatch?: string;
  waitLimit?: string;
  warnBefore?: string;
  lease?: string;
  [sbatchFlag: string]: string | boolean | undefined;
}

/** commander's property name of a flag (`cpus-per-task` → `cpusPerTask`). */
function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Adds the `install` command to `program`. */
export function registerInstallCommand(program: Command): void {
  const command = program
    .command("install")
    .description("install the hpcfit kernelspec (and the JupyterLab extension, when built)")
    .option("--user", "into the user's Jupyter data directory (the default)")
    .option("--sys-prefix", "into the active Python environment (VIRTUAL_ENV / CONDA_PREFIX)")
    .option("--prefix <dir>", "into <dir>/share/jupyter")
    .option("--slurm <name>", 'a "HPCFit on Slurm (NAME)" kernel, run in a Slurm allocation with the sbatch options below');
  for (const flag of SBATCH_FLAGS) command.option(`--${flag} <value>`, `with --slurm: sbatch --${flag}`);
  command
    .option("--sbatch <options>", 'with --slurm: more sbatch options, as one quoted line ("--exclusive --begin=now+1hour")')
    .option(
      "--wait-limit <time>",
      "with --slurm: how long the allocation may pend before the start fails (minutes, MM:SS or HH:MM:SS; 10)",
    )
    .option(
      "--warn-before <time>",
      "with --slurm: warn in the notebook this long before the time limit (minutes, MM:SS or HH:MM:SS; 10)",
    )
    .option("--lease <seconds>", "with --slurm: seconds the allocation outlives a proxy killed without a shutdown (120)")
    .action((options: InstallCommandOptions) => {
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
        if (options.slurm !== undefined) {
          const flags: Partial<Record<SbatchFlag, string>> = {};
          for (const flag of SBATCH_FLAGS) {
            const value = options[camel(flag)];
            if (typeof value === "string") flags[flag] = value;
          }
          const dir = installSlurmKernelSpec(dataDir, {
            name: options.slurm,
            flags,
            extra: options.sbatch,
            waitLimit: options.waitLimit,
            warnBefore: options.warnBefore,
            leaseSeconds: options.lease,
          });
          process.stdout.write(
            `installed kernelspec ${slurmKernelName(options.slurm)} ("HPCFit on Slurm (${options.slurm})") in ${dir}\n`,
          );
          return;
        }
        const sbatchOnly = SBATCH_FLAGS.filter((f) => options[camel(f)] !== undefined);
        if (sbatchOnly.length > 0) throw new Error(`--${sbatchOnly[0]} is an option of a Slurm kernel: add --slurm NAME`);
        process.stdout.write(`installed kernelspec ${KERNEL_NAME} in ${installKernelSpec(dataDir)}\n`);
        const ext = installLabExtension(dataDir);
        if (ext) process.stdout.write(`installed JupyterLab extension in ${ext}\n`);
      } catch (error) {
        process.stderr.write(`hpcfit install: ${(error as Error).message}\n`);
        process.exit(1);
      }
    });
}
