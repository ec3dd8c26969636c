/**
 * A fit job's directory: the model (the cell body), the kernel variables it was given, the data
 * files the model reads (where they lay relative to the model's folder), the job's description
 * (`fit-job.json`), the batch script, and `store/` (result, progress, checkpoint). Everything the
 * job needs travels in this one directory, so it can be resumed or re-read later from any kernel.
 */
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { JobsBackendKind } from "../schema/jobs.js";
import { type FitJobFitOptions, type FitJobResources } from "./options.js";
import { UserError } from "../util/user-error.js";

/** The file that marks a directory as a fit job's and describes it. */
export const SPEC_FILE = "fit-job.json";
/** The model file inside the job directory. */
export const MODEL_FILE = "model.ts";
/** The module holding the `--var` values. */
export const VARS_FILE = "fit-vars.mjs";
/** The batch script. */
export const SCRIPT_FILE = "run.sh";
/** The store directory. */
export const STORE_DIR = "store";
/** Where a job's sampler tells its srun'd workers its address. */
export const ENDPOINT_FILE = "endpoint";

/**
 * Whether `name` (a name in the job directory) is one of the job's own files, which no data file
 * may replace: those above and the batch job's output files (`job-<id>.out`).
 */
export function isJobFile(name: string): boolean {
  return (
    [MODEL_FILE, SPEC_FILE, VARS_FILE, SCRIPT_FILE, STORE_DIR, ENDPOINT_FILE].includes(name) || /^job-\d+(_\d+)?\.out$/.test(name)
  );
}

/** What `fit-job.json` holds. */
export interface FitJobSpec {
  version: 1;
  kind: "hpcfit.fit-job";
  /** The job name (also the Slurm job name). */
  name: string;
  /** ISO time of creation. */
  created: string;
  fit: FitJobFitOptions;
  resources: FitJobResources;
  sbatch: string[];
  /** Evaluation workers (tasks). */
  workers: number;
  backend: JobsBackendKind;
  /** Base name of the stored result. */
  storeName: string;
  /** Names of the kernel variables written into {@link VARS_FILE}. */
  vars: string[];
  /**
   * The data files the model reads, copied into the job directory: their paths there, which are
   * their paths relative to the model's folder (absent in jobs made before data files travelled).
   */
  data?: string[];
  /** Seconds between checkpoints. */
  checkpointSeconds: number;
  /** Ids of the batch jobs that ran this fit, oldest first (a resume adds one). */
  jobIds: string[];
}

/** Writes `text` to `path` through a temporary file, so readers never see half a file. */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** A file name made from a job name: letters, digits, `-`, `_`, `.` only. */
export function slug(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[-.]+|-+$/g, "");
  return s === "" ? "fit" : s.slice(0, 60);
}

/**
 * Where job directories go, normalised: `requested` (`--dir`) relative to `base` (the notebook's
 * folder) must stay inside it; elsewhere only an absolute path is accepted, and only one the user
 * can write to. The default is `base/fit-jobs`.
 * @throws UserError for a relative path that leaves `base`, or a folder the user cannot write
 */
export function jobDirectoryParent(requested: string | undefined, base: string = process.cwd()): string {
  const root = resolve(base);
  if (requested === undefined) return join(root, "fit-jobs");
  if (requested.trim() === "") throw new UserError("--dir needs a folder");
  if (!isAbsolute(requested)) {
    const parent = resolve(root, requested);
    const rel = relative(root, parent);
    if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new UserError(
        `--dir=${requested} leads out of the notebook's folder (${root}) to ${parent}; give an absolute path to put job directories elsewhere`,
      );
    }
    return parent;
  }
  const parent = resolve(requested);
  let existing = parent;
  while (!existsSync(existing)) existing = dirname(existing);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw new UserError(`--dir=${requested}: you cannot write to ${existing}`);
  }
  if (!statSync(existing).isDirectory()) throw new UserError(`--dir=${requested}: ${existing} is not a folder`);
  return parent;
}

/** The path a new job directory named after `name` would get under `parent` (nothing is created). */
export function jobDirectoryPath(parent: string, name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
  for (let k = 0; ; k++) {
    const dir = resolve(parent, `${slug(name)}-${stamp}${k ? `-${k}` : ""}`);
    if (!existsSync(dir)) return dir;
  }
}

/** A new, unique job directory under `parent`, with its store folder. */
export function newJobDirectory(parent: string, name: string, now = new Date()): string {
  mkdirSync(parent, { recursive: true });
  for (;;) {
    const dir = jobDirectoryPath(parent, name, now);
    try {
      mkdirSync(dir);
    } catch (e) {
      // Taken by another kernel between the look and the make: take the next name.
      if ((e as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw e;
    }
    mkdirSync(join(dir, STORE_DIR));
    return dir;
  }
}

/**
 * The model file's text: the cell body, with the `--var` imports put on its first line so that
 * error messages keep the cell's line numbers.
 */
export function modelText(body: string, vars: string[]): string {
  if (vars.length === 0) return body;
  return `import { ${vars.join(", ")} } from "./${VARS_FILE}"; ` + body;
}

/**
 * The `--var` module: one `export const name = <JSON>;` per variable.
 * @throws UserError when a value cannot be written as JSON (functions, cycles, BigInt)
 */
export function varsModule(values: Record<string, unknown>): string {
  const lines = ["// Kernel variables given to %%fit with --var, as JSON."];
  for (const [name, value] of Object.entries(values)) {
    let json: string | undefined;
    try {
      json = JSON.stringify(value, (_k, v: unknown) =>
        ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v,
      );
    } catch (e) {
      throw new UserError(`--var ${name}: cannot serialise it as JSON: ${(e as Error).message}`);
    }
    if (json === undefined) throw new UserError(`--var ${name}: a ${typeof value} cannot be serialised as JSON`);
    lines.push(`export const ${name} = ${json};`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Copies data files into the job directory `dir`, each to its `path` there (sub-folders made).
 * @throws UserError naming the file that could not be copied
 */
export function copyDataFiles(dir: string, files: readonly { path: string; source: string }[]): void {
  for (const { path, source } of files) {
    const target = join(dir, path);
    try {
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(source, target);
    } catch (e) {
      throw new UserError(`cannot copy the data file ${source} into the job directory: ${(e as Error).message}`);
    }
  }
}

/** Reads a job directory's description. */
export function readSpec(dir: string): FitJobSpec {
  const path = join(dir, SPEC_FILE);
  if (!existsSync(path)) throw new UserError(`${dir} is not a fit job directory (no ${SPEC_FILE})`);
  let spec: FitJobSpec;
  try {
    spec = JSON.parse(readFileSync(path, "utf8")) as FitJobSpec;
  } catch (e) {
    throw new UserError(`${path}: ${(e as Error).message}`);
  }
  if (spec.kind !== "hpcfit.fit-job" || spec.version !== 1)
    throw new UserError(`${path} is not a fit job description (version 1)`);
  return spec;
}

/** Writes a job directory's description. */
export function writeSpec(dir: string, spec: FitJobSpec): void {
  writeAtomic(join(dir, SPEC_FILE), JSON.stringify(spec, null, 2) + "\n");
}
