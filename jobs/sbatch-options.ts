/**
 * sbatch's command line and `#SBATCH` directives, parsed into what the local scheduler needs and
 * checked before anything is submitted: an unknown option or a malformed value is refused with a
 * message naming it, as sbatch itself would.
 */
import { shellWords } from "./shell-words.js";
import { UserError } from "../util/user-error.js";

/** One clause of `--dependency`: the condition and the job ids it refers to. */
export interface DependencyClause {
  type: "after" | "afterany" | "afterok" | "afternotok";
  ids: string[];
}

/** `--dependency`: all clauses must hold (`,`) or any one of them (`?`). */
export interface Dependency {
  mode: "all" | "any";
  clauses: DependencyClause[];
}

/** `--array`: the task indices and how many may run at once. */
export interface ArraySpec {
  indices: number[];
  /** `%N`: at most N tasks running at once; null for no limit. */
  limit: number | null;
  /** The spec as written, e.g. `0-9%2`. */
  text: string;
}

/** The options the jobs layer understands; every other known option lands in `other`. */
export interface SbatchOptions {
  jobName?: string;
  output?: string;
  error?: string;
  /** Wall-time limit in seconds; null for none. */
  time?: number | null;
  ntasks?: number;
  cpusPerTask?: number;
  dependency?: Dependency;
  /** `--dependency` as written. */
  dependencyText?: string;
  array?: ArraySpec;
  chdir?: string;
  export?: string;
  wrap?: string;
  partition?: string;
  hold?: boolean;
  /** Other valid sbatch options, by long name (value, or true for a flag). */
  other: Record<string, string | true>;
}

/** The whole command line: options, then the script and its arguments. */
export interface SbatchCommandLine {
  options: SbatchOptions;
  /** The script file named on the command line, if any. */
  script?: string;
  scriptArgs: string[];
}

/** Long name → takes a value? (sbatch 22.05's options; those the local backend ignores are accepted and kept.) */
const LONG: Record<string, boolean> = {
  "job-name": true,
  output: true,
  error: true,
  time: true,
  ntasks: true,
  "cpus-per-task": true,
  dependency: true,
  array: true,
  chdir: true,
  export: true,
  wrap: true,
  partition: true,
  hold: false,
  nodes: true,
  account: true,
  qos: true,
  mem: true,
  "mem-per-cpu": true,
  "mem-per-gpu": true,
  gres: true,
  gpus: true,
  "gpus-per-node": true,
  "gpus-per-task": true,
  nodelist: true,
  exclude: true,
  constraint: true,
  "mail-type": true,
  "mail-user": true,
  parsable: false,
  input: true,
  "open-mode": true,
  comment: true,
  begin: true,
  exclusive: false,
  "ntasks-per-node": true,
  "ntasks-per-core": true,
  "time-min": true,
  signal: true,
  requeue: false,
  "no-requeue": false,
  reservation: true,
  licenses: true,
  priority: true,
  nice: true,
  wait: false,
  "test-only": false,
  propagate: true,
  "get-user-env": false,
  quiet: false,
  verbose: false,
  oversubscribe: false,
  overcommit: false,
  "kill-on-invalid-dep": true,
  deadline: true,
  "cores-per-socket": true,
  "sockets-per-node": true,
  "threads-per-core": true,
  "cpu-freq": true,
  distribution: true,
  hint: true,
  mincpus: true,
  tmp: true,
  uid: true,
  gid: true,
  "no-kill": false,
  wckey: true,
  workdir: true,
  "cluster-constraint": true,
  clusters: true,
  "cpus-per-gpu": true,
  "export-file": true,
  "mcs-label": true,
  network: true,
  profile: true,
  switches: true,
  "thread-spec": true,
  "core-spec": true,
  "acctg-freq": true,
  batch: true,
  bb: true,
  bbf: true,
  container: true,
  contiguous: false,
  "extra-node-info": true,
  "ignore-pbs": false,
  "mem-bind": true,
  prefer: true,
  "spread-job": false,
  "tres-per-task": true,
  "use-min-nodes": false,
  "gpu-bind": true,
  "gpu-freq": true,
  reboot: false,
};

/** Short option → long name. */
const SHORT: Record<string, string> = {
  J: "job-name",
  o: "output",
  e: "error",
  t: "time",
  n: "ntasks",
  c: "cpus-per-task",
  d: "dependency",
  a: "array",
  D: "chdir",
  p: "partition",
  H: "hold",
  N: "nodes",
  A: "account",
  q: "qos",
  w: "nodelist",
  x: "exclude",
  C: "constraint",
  G: "gpus",
  i: "input",
  W: "wait",
  Q: "quiet",
  v: "verbose",
  s: "oversubscribe",
  O: "overcommit",
  L: "licenses",
  M: "clusters",
  b: "begin",
  k: "no-kill",
};

/**
 * Parses a Slurm time limit (`minutes`, `minutes:seconds`, `hours:minutes:seconds`, `days-hours`,
 * `days-hours:minutes`, `days-hours:minutes:seconds`, or `UNLIMITED`) into seconds; null for none.
 */
export function parseTimeLimit(text: string): number | null {
  const t = text.trim();
  if (/^(unlimited|infinite)$/i.test(t)) return null;
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(t);
  if (!m) throw new UserError(`invalid time limit "${text}" (use minutes, MM:SS, HH:MM:SS or D-HH:MM:SS)`);
  const [, d, a, b, c] = m;
  let seconds: number;
  if (d !== undefined) seconds = Number(d) * 86400 + Number(a) * 3600 + Number(b ?? 0) * 60 + Number(c ?? 0);
  else if (c !== undefined) seconds = Number(a) * 3600 + Number(b) * 60 + Number(c);
  else if (b !== undefined) seconds = Number(a) * 60 + Number(b);
  else seconds = Number(a) * 60;
  return seconds === 0 ? null : seconds;
}

/** Parses `--array` (`0-9`, `1,3,5-7`, `0-15:4`, each optionally `%N`). */
export function parseArraySpec(text: string): ArraySpec {
  const m = /^([^%]+)(?:%(\d+))?$/.exec(text.trim());
  if (!m) throw new UserError(`invalid --array "${text}"`);
  const indices = new Set<number>();
  for (const part of m[1].split(",")) {
    const r = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part);
    if (!r) throw new UserError(`invalid --array "${text}": "${part}" is not N, N-M or N-M:S`);
    const lo = Number(r[1]);
    const hi = r[2] === undefined ? lo : Number(r[2]);
    const step = r[3] === undefined ? 1 : Number(r[3]);
    if (hi < lo || step < 1) throw new UserError(`invalid --array "${text}": empty range "${part}"`);
    if (hi - lo > 100_000) throw new UserError(`invalid --array "${text}": more than 100000 tasks`);
    for (let i = lo; i <= hi; i += step) indices.add(i);
  }
  const limit = m[2] === undefined ? null : Number(m[2]);
  if (limit === 0) throw new UserError(`invalid --array "${text}": %0 would never run a task`);
  return { indices: [...indices].sort((x, y) => x - y), limit, text: text.trim() };
}

/** Parses `--dependency` (`afterok:12:13,afterany:14_2`, or `?`-separated for any-of). */
export function parseDependency(text: string): Dependency {
  const t = text.trim();
  const mode = t.includes("?") ? "any" : "all";
  if (t.includes("?") && t.includes(",")) throw new UserError(`invalid --dependency "${text}": mix of "," and "?"`);
  const clauses = t.split(mode === "any" ? "?" : ",").map((part): DependencyClause => {
    const [type, ...ids] = part.split(":");
    if (!["after", "afterany", "afterok", "afternotok"].includes(type ?? "")) {
      throw new UserError(`invalid --dependency "${text}": unsupported type "${type}" (after, afterany, afterok, afternotok)`);
    }
    if (ids.length === 0) throw new UserError(`invalid --dependency "${text}": "${type}" needs job ids`);
    for (const id of ids)
      if (!/^\d+(_\d+)?$/.test(id)) throw new UserError(`invalid --dependency "${text}": "${id}" is not a job id`);
    return { type: type as DependencyClause["type"], ids };
  });
  return { mode, clauses };
}

function positiveInt(name: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UserError(`--${name} needs a positive integer, not "${value}"`);
  return Number(value);
}

function apply(options: SbatchOptions, name: string, value: string | true): void {
  const v = typeof value === "string" ? value : "";
  switch (name) {
    case "job-name":
      options.jobName = v;
      break;
    case "output":
      options.output = v;
      break;
    case "error":
      options.error = v;
      break;
    case "time":
      options.time = parseTimeLimit(v);
      break;
    case "ntasks":
      options.ntasks = positiveInt(name, v);
      break;
    case "cpus-per-task":
      options.cpusPerTask = positiveInt(name, v);
      break;
    case "dependency":
      options.dependency = v.trim() === "" ? undefined : parseDependency(v);
      options.dependencyText = v.trim() === "" ? undefined : v.trim();
      break;
    case "array":
      options.array = parseArraySpec(v);
      break;
    case "chdir":
    case "workdir":
      options.chdir = v;
      break;
    case "export":
      options.export = v;
      break;
    case "wrap":
      options.wrap = v;
      break;
    case "partition":
      options.partition = v;
      break;
    case "hold":
      options.hold = true;
      break;
    default:
      options.other[name] = value;
  }
}

/**
 * Parses sbatch's command line: options up to the first word that is not one, then the script
 * and its arguments. `base` holds options already read (from `#SBATCH` lines); the command line
 * overrides them, as with sbatch.
 */
export function parseSbatchArgs(args: readonly string[], base?: SbatchOptions): SbatchCommandLine {
  const options: SbatchOptions = base ? { ...base, other: { ...base.other } } : { other: {} };
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (!(name in LONG)) throw new UserError(`unknown sbatch option --${name}`);
      if (LONG[name]) {
        let value: string;
        if (eq >= 0) value = arg.slice(eq + 1);
        else {
          if (i + 1 >= args.length) throw new UserError(`option --${name} needs a value`);
          value = args[++i]!;
        }
        apply(options, name, value);
      } else {
        if (eq >= 0) throw new UserError(`option --${name} takes no value`);
        apply(options, name, true);
      }
    } else if (arg.startsWith("-") && arg.length > 1) {
      const letter = arg[1];
      const name = SHORT[letter];
      if (!name) throw new UserError(`unknown sbatch option -${letter}`);
      if (LONG[name]) {
        let value = arg.slice(2);
        if (value === "") {
          if (i + 1 >= args.length) throw new UserError(`option -${letter} (--${name}) needs a value`);
          value = args[++i]!;
        } else if (value.startsWith("=")) value = value.slice(1);
        apply(options, name, value);
      } else {
        if (arg.length > 2) throw new UserError(`option -${letter} takes no value (got "${arg}")`);
        apply(options, name, true);
      }
    } else break;
  }
  const rest = args.slice(i);
  return { options, script: rest[0], scriptArgs: rest.slice(1) };
}

/**
 * The options of a script's `#SBATCH` lines, read as sbatch reads them: from the top, until the
 * first line that is neither blank nor a comment.
 */
export function directiveArgs(script: string): string[] {
  const args: string[] = [];
  const lines = script.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (n === 0 && line.startsWith("#!")) continue;
    if (line === "") continue;
    if (!line.startsWith("#")) break;
    const m = /^#SBATCH\s+(.*)$/.exec(line);
    if (!m) continue;
    // A comment after the options ends them, as in sbatch.
    const text = m[1].replace(/\s+#.*$/, "");
    try {
      args.push(...shellWords(text));
    } catch (e) {
      throw new UserError(`#SBATCH line ${n + 1}: ${(e as Error).message}`);
    }
  }
  return args;
}

/** Checks that a batch script starts with an interpreter line, as sbatch requires. */
export function checkBatchScript(script: string): void {
  if (!script.startsWith("#!")) {
    throw new UserError(
      "this does not look like a batch script: the first line must start with #! followed by the path of an interpreter (e.g. #!/bin/bash)",
    );
  }
}
