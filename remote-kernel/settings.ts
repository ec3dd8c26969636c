/**
 * What a Slurm kernelspec asks for: the allocation's sbatch options and the proxy's limits. Written
 * by `hpcfit install --slurm NAME` as `slurm.json` beside the kernelspec's kernel.json, read by the
 * proxy each time Jupyter starts it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSbatchArgs, parseTimeLimit } from "../jobs/sbatch-options.js";
import { shellWords } from "../jobs/shell-words.js";
import { UserError } from "../util/user-error.js";

/** The file beside kernel.json that holds the settings. */
export const SETTINGS_FILE = "slurm.json";

/** A Slurm kernel's settings. */
export interface SlurmKernelSettings {
  version: 1;
  /** The name given to `--slurm` (letters, digits, `-`, `_`, `.`). */
  name: string;
  /** sbatch options for the allocation, as on sbatch's command line. */
  sbatch: string[];
  /** Seconds the allocation may pend before the start fails with Slurm's reason. */
  waitLimitSeconds: number;
  /** Seconds before the job's time limit at which the notebook is warned. */
  warnBeforeSeconds: number;
  /**
   * Seconds the allocation outlives its last proxy: a restart leaves it for the next proxy to
   * take, and one that nobody takes (the server was killed) ends after this.
   */
  leaseSeconds: number;
}

/** The install options that become sbatch options, by their flag. */
export const SBATCH_FLAGS = [
  "partition",
  "time",
  "nodes",
  "ntasks",
  "cpus-per-task",
  "mem",
  "gres",
  "account",
  "qos",
  "constraint",
] as const;

/** One of {@link SBATCH_FLAGS}. */
export type SbatchFlag = (typeof SBATCH_FLAGS)[number];

/** What `hpcfit install --slurm NAME ...` was given. */
export interface SlurmInstallOptions {
  name: string;
  /** Values of the sbatch flags given. */
  flags: Partial<Record<SbatchFlag, string>>;
  /** More sbatch options as one shell-quoted line (`--sbatch "--exclusive --begin=now+1hour"`). */
  extra?: string;
  /** `--wait-limit`: a time as sbatch's --time reads it (minutes, `MM:SS`, `HH:MM:SS`); default 10 minutes. */
  waitLimit?: string;
  /** `--warn-before`: a time as for `waitLimit`; default 10 minutes. */
  warnBefore?: string;
  /** `--lease`: seconds; default 120. */
  leaseSeconds?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Options the proxy sets itself, which a kernelspec may not override. */
const RESERVED = new Set(["jobName", "output", "error", "array", "wrap", "chdir"]);

/** A time as sbatch's --time reads it (`minutes`, `MM:SS`, `HH:MM:SS`, `D-HH:MM`...), in seconds. */
function seconds(text: string, flag: string): number {
  try {
    const s = parseTimeLimit(text);
    if (s === null) throw new UserError("unlimited");
    return s;
  } catch {
    throw new UserError(`${flag} must be minutes, MM:SS, HH:MM:SS or D-HH:MM:SS, not "${text}"`);
  }
}

/** Checks the install options and turns them into settings; sbatch's own checks run on the options. */
export function settingsFromInstall(options: SlurmInstallOptions): SlurmKernelSettings {
  if (!NAME.test(options.name))
    throw new UserError(`--slurm NAME must be letters, digits, ".", "-" or "_" (at most 64), not "${options.name}"`);
  const sbatch: string[] = [];
  for (const flag of SBATCH_FLAGS) {
    const value = options.flags[flag];
    if (value !== undefined) sbatch.push(`--${flag}=${value}`);
  }
  if (options.extra !== undefined) sbatch.push(...shellWords(options.extra));
  const parsed = parseSbatchArgs(sbatch);
  if (parsed.script !== undefined) throw new UserError(`--sbatch takes options only, not a script ("${parsed.script}")`);
  const reserved = Object.keys(parsed.options).filter((k) => RESERVED.has(k));
  if (reserved.length > 0)
    throw new UserError(`the kernel's job sets its own name, output and script: remove ${reserved.join(", ")} from the options`);
  const lease = options.leaseSeconds === undefined ? 120 : Number(options.leaseSeconds);
  if (!Number.isInteger(lease) || lease < 10)
    throw new UserError(`--lease must be a whole number of seconds ≥ 10, not "${options.leaseSeconds}"`);
  return {
    version: 1,
    name: options.name,
    sbatch,
    waitLimitSeconds: options.waitLimit === undefined ? 600 : seconds(options.waitLimit, "--wait-limit"),
    warnBeforeSeconds: options.warnBefore === undefined ? 600 : seconds(options.warnBefore, "--warn-before"),
    leaseSeconds: lease,
  };
}

/** Reads and checks `slurm.json` in a kernelspec's folder. */
export function readSettings(specDir: string): SlurmKernelSettings {
  const path = join(specDir, SETTINGS_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UserError(`cannot read the Slurm kernel's settings ${path}: ${(error as Error).message}`);
  }
  const s = raw as Partial<SlurmKernelSettings> | null;
  const count = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;
  if (
    s === null ||
    typeof s !== "object" ||
    typeof s.name !== "string" ||
    !NAME.test(s.name) ||
    !Array.isArray(s.sbatch) ||
    !s.sbatch.every((a) => typeof a === "string") ||
    !count(s.waitLimitSeconds) ||
    !count(s.warnBeforeSeconds) ||
    !count(s.leaseSeconds)
  )
    throw new UserError(
      `${path} is not a Slurm kernel's settings file; install the kernel again with hpcfit install --slurm NAME`,
    );
  parseSbatchArgs(s.sbatch);
  return {
    version: 1,
    name: s.name,
    sbatch: s.sbatch,
    waitLimitSeconds: s.waitLimitSeconds,
    warnBeforeSeconds: s.warnBeforeSeconds,
    leaseSeconds: s.leaseSeconds,
  };
}
