/**
 * The `%%fit` line: fit options (those of `hpcfit fit`), Slurm resources, and the magic's own
 * switches, parsed and checked before anything is written or submitted. Slurm values are checked
 * by the jobs layer's sbatch parser, so `%%fit` refuses exactly what sbatch would.
 */
import { parseSbatchArgs } from "../jobs/sbatch-options.js";
import { shellWords } from "../jobs/shell-words.js";
import { closest } from "../util/closest.js";
import { UserError } from "../util/user-error.js";
import {
  FLAG_OPTION_NAMES,
  METHOD_FLAG,
  METHOD_FLAG_HELP,
  checkFlagOptions,
  flagHelp,
  flagName,
  flagValue,
  isSwitch,
  type FlagOptionName,
  type FlagOptions,
} from "../fit/options/flags.js";
import type { FitOptions } from "../fit/types.js";

/**
 * Fit options, as `hpcfit fit` takes them (values already checked): the method (`fit`), the
 * fit options table's options a flag can set (but `parallel`: a job's workers come from
 * `--ntasks`), and the base name of the stored result files.
 */
export type FitJobFitOptions = Omit<FlagOptions, "parallel"> & {
  /** The fit method. */
  fit?: string;
  /** Base name of the stored result files. */
  name?: string;
};

/** Slurm resources of the job, as sbatch's long options without the dashes. */
export interface FitJobResources {
  nodes?: string;
  ntasks?: number;
  "cpus-per-task"?: number;
  gpus?: string;
  mem?: string;
  "mem-per-cpu"?: string;
  time?: string;
  partition?: string;
  account?: string;
  qos?: string;
  "job-name"?: string;
  "mail-user"?: string;
  "mail-type"?: string;
}

/** Everything a `%%fit` line says. */
export interface FitJobRequest {
  fit: FitJobFitOptions;
  resources: FitJobResources;
  /** Extra sbatch options from `--sbatch="..."`, split into words. */
  sbatch: string[];
  /** Run in the kernel now instead of submitting. */
  local: boolean;
  /** Show the job directory's files and script; submit nothing. */
  dryRun: boolean;
  /** Kernel variables to serialise into the job. */
  vars: string[];
  /** Resume the job in this directory from its checkpoint. */
  resume?: string;
  /** Where the job directory goes (default `./fit-jobs`). */
  dir?: string;
  /** Seconds between checkpoints (default 30). */
  checkpoint?: number;
}

type Kind = "posint" | "posnum" | "string" | "flag" | "list" | "option";
interface Spec {
  kind: Kind;
  /** The field of the parsed options, when it is not the option's name. */
  key?: string;
  group: "fit" | "resources" | "own";
  help: string;
}

/** The table's flags a job takes: all but `parallel` (a job's workers come from `--ntasks`). */
const JOB_FLAG_OPTIONS = FLAG_OPTION_NAMES.filter((name) => name !== "parallel");

/** The fit options `%%fit` takes: the method, the table's flags (but `parallel`), the store's name. */
const FIT_SPECS: Record<string, Spec> = Object.fromEntries([
  [METHOD_FLAG, { kind: "string", group: "fit", help: METHOD_FLAG_HELP }],
  ...JOB_FLAG_OPTIONS.map((name): [string, Spec] => [
    flagName(name),
    { kind: "option", ...(flagName(name) === name ? {} : { key: name }), group: "fit", help: flagHelp(name) },
  ]),
  ["name", { kind: "string", group: "fit", help: "base name of the stored result files" }],
]);

const SPECS: Record<string, Spec> = {
  ...FIT_SPECS,
  nodes: { kind: "string", group: "resources", help: "nodes (N or min-max)" },
  ntasks: { kind: "posint", group: "resources", help: "evaluation workers (srun tasks on Slurm, threads locally)" },
  "cpus-per-task": { kind: "posint", group: "resources", help: "CPUs per task" },
  gpus: { kind: "string", group: "resources", help: "GPUs" },
  mem: { kind: "string", group: "resources", help: "memory per node" },
  "mem-per-cpu": { kind: "string", group: "resources", help: "memory per CPU" },
  time: { kind: "string", group: "resources", help: "wall-time limit" },
  partition: { kind: "string", group: "resources", help: "partition" },
  account: { kind: "string", group: "resources", help: "account" },
  qos: { kind: "string", group: "resources", help: "quality of service" },
  "job-name": { kind: "string", group: "resources", help: "job name" },
  "mail-user": { kind: "string", group: "resources", help: "e-mail address" },
  "mail-type": { kind: "string", group: "resources", help: "when to send e-mail (BEGIN, END, FAIL, ALL, ...)" },
  sbatch: { kind: "string", group: "own", help: "extra sbatch options, quoted" },
  local: { kind: "flag", group: "own", help: "run in the kernel now" },
  "dry-run": { kind: "flag", group: "own", help: "show the job's files and script, submit nothing" },
  var: { kind: "list", group: "own", help: "serialise a kernel variable into the job (repeatable)" },
  resume: { kind: "string", group: "own", help: "resume the job in DIR from its checkpoint" },
  dir: { kind: "string", group: "own", help: "parent directory of job directories (default ./fit-jobs)" },
  checkpoint: { kind: "posnum", group: "own", help: "seconds between checkpoints (default 30)" },
};

/** Short Slurm options `%%fit` also accepts, as sbatch spells them. */
const SHORT: Record<string, string> = {
  N: "nodes",
  n: "ntasks",
  c: "cpus-per-task",
  G: "gpus",
  t: "time",
  p: "partition",
  A: "account",
  q: "qos",
  J: "job-name",
};

/** The usage text of `%%fit` (one line per option). */
export function fitOptionsUsage(): string {
  const group = (g: Spec["group"]): string =>
    Object.entries(SPECS)
      .filter(([, s]) => s.group === g)
      .map(([name, s]) => `  --${name}${s.kind === "flag" ? "" : "=VALUE"}  ${s.help}`)
      .join("\n");
  return `Fit options:\n${group("fit")}\nSlurm resources:\n${group("resources")}\n%%fit's own:\n${group("own")}`;
}

const MAIL_TYPES = new Set([
  "NONE",
  "BEGIN",
  "END",
  "FAIL",
  "REQUEUE",
  "ALL",
  "INVALID_DEPEND",
  "STAGE_OUT",
  "TIME_LIMIT",
  "TIME_LIMIT_90",
  "TIME_LIMIT_80",
  "TIME_LIMIT_50",
  "ARRAY_TASKS",
]);
const VARIABLE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function convert(name: string, kind: Kind, text: string): unknown {
  const bad = (what: string): UserError => new UserError(`--${name} must be ${what}, got "${text}"`);
  // A fit option's text becomes a value here; fit()'s own check judges it once the line is read.
  if (kind === "option") return flagValue((SPECS[name]?.key ?? name) as FlagOptionName, text);
  if (kind === "posint") {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) throw bad("a positive integer");
    return n;
  }
  if (kind === "posnum") {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n <= 0) throw bad("a positive number");
    return n;
  }
  return text;
}

/**
 * Parses a `%%fit` line (everything after `%%fit`).
 * @throws UserError for an unknown option, a missing or malformed value, or Slurm resources
 *   sbatch would refuse
 */
export function parseFitLine(line: string): FitJobRequest {
  let argv: string[];
  try {
    argv = shellWords(line);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  return parseFitArgs(argv);
}

/**
 * Parses the words of a `%%fit` line (the Jobs panel's form sends its fields as such words, so
 * its jobs are read and checked exactly as `%%fit`'s).
 * @throws UserError as {@link parseFitLine}
 */
export function parseFitArgs(argv: readonly string[]): FitJobRequest {
  const request: FitJobRequest = { fit: {}, resources: {}, sbatch: [], local: false, dryRun: false, vars: [] };
  const fitOut = request.fit as Record<string, unknown>;
  const resOut = request.resources as Record<string, unknown>;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let name: string;
    let value: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = arg.slice(2, eq < 0 ? undefined : eq);
      if (eq >= 0) value = arg.slice(eq + 1);
    } else if (/^-[A-Za-z]/.test(arg)) {
      const long = SHORT[arg[1]];
      if (long === undefined) throw new UserError(`unknown option ${arg.slice(0, 2)}; see %%fit? for the options`);
      name = long;
      if (arg.length > 2) value = arg.slice(2).replace(/^=/, "");
    } else {
      throw new UserError(`unexpected word "${arg}": %%fit takes only options; the model goes in the cell body`);
    }
    const spec = SPECS[name];
    if (spec === undefined) {
      const known = Object.keys(SPECS)
        .map((n) => `--${n}`)
        .join(", ");
      const near = closest(name, Object.keys(SPECS));
      throw new UserError(`unknown option --${name}${near === undefined ? "" : `: did you mean --${near}?`} (known: ${known})`);
    }
    if (
      spec.kind === "option" &&
      isSwitch(name) &&
      (value === undefined ? argv[i + 1] === undefined || argv[i + 1].startsWith("-") : false)
    ) {
      fitOut[name] = true;
      continue;
    }
    if (spec.kind === "flag") {
      if (value !== undefined) throw new UserError(`--${name} takes no value`);
      if (name === "local") request.local = true;
      else request.dryRun = true;
      continue;
    }
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("-")) throw new UserError(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (value === "") throw new UserError(`--${name} needs a value`);
    const v = convert(name, spec.kind, value);
    if (spec.group === "fit") fitOut[spec.key ?? name] = v;
    else if (spec.group === "resources") resOut[name] = v;
    else if (name === "var") {
      for (const one of value.split(",")) {
        if (!VARIABLE.test(one)) throw new UserError(`--var needs a variable name, got "${one}"`);
        if (!request.vars.includes(one)) request.vars.push(one);
      }
    } else if (name === "sbatch") {
      try {
        request.sbatch.push(...shellWords(value));
      } catch (e) {
        throw new UserError(`--sbatch: ${(e as Error).message}`);
      }
    } else if (name === "resume") request.resume = value;
    else if (name === "dir") request.dir = value;
    else if (name === "checkpoint") request.checkpoint = v as number;
  }
  const { fit: method, name: _name, ...fitOptions } = request.fit;
  checkFlagOptions(fitOptions, method);
  if (request.local && request.dryRun) throw new UserError("--local and --dry-run exclude each other");
  if (request.local && request.resume !== undefined)
    throw new UserError("--resume continues a batch job; it cannot be combined with --local");
  const mail = request.resources["mail-type"];
  if (mail !== undefined)
    for (const t of mail.split(","))
      if (!MAIL_TYPES.has(t.toUpperCase()))
        throw new UserError(`--mail-type: unknown type "${t}" (one of ${[...MAIL_TYPES].join(", ")})`);
  // Let the jobs layer's sbatch parser judge every Slurm value (time format, known extra options...).
  try {
    parseSbatchArgs(sbatchArgs(request));
  } catch (e) {
    if (e instanceof UserError) throw new UserError(e.message.replace(/^option/, "Slurm option"));
    throw e;
  }
  return request;
}

/** A field of a fit job as a form shows it: a flag of `%%fit`. */
export interface FitJobFlag {
  /** The flag's name. */
  name: string;
  /** "integer" for counts, "text" otherwise (Slurm's parser judges the text). */
  kind: "integer" | "text";
  /** What it sets. */
  help: string;
}

/** The Slurm resources `%%fit` takes, as a form shows them. */
export function resourceFlags(): FitJobFlag[] {
  return Object.entries(SPECS)
    .filter(([, spec]) => spec.group === "resources")
    .map(([name, spec]) => ({ name, kind: spec.kind === "posint" ? "integer" : "text", help: spec.help }));
}

/** The fit options `%%fit` takes (all the table's flags but `parallel`). */
export function jobFlagOptions(): readonly FlagOptionName[] {
  return JOB_FLAG_OPTIONS;
}

/** The sbatch options of a request: the resources, then `--sbatch`'s words. */
export function sbatchArgs(request: FitJobRequest): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(request.resources)) if (value !== undefined) args.push(`--${name}=${String(value)}`);
  args.push(...request.sbatch);
  return args;
}

/** The options `fit()` gets (method renamed, everything else passes through). */
export function fitFunctionOptions(options: FitJobFitOptions): FitOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined || k === "name") continue;
    out[k === "fit" ? "method" : k] = v;
  }
  return out;
}
