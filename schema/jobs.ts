/**
 * JSON shapes of batch jobs as the kernel shows them and as the JupyterLab Jobs panel receives
 * them: the `application/vnd.hpcfit.jobs+json` MIME bundle and the messages of the `hpcfit.jobs`
 * comm. Pure types and validators, no Node or browser imports, so both sides can import this
 * file. Every shape carries `version: 1`; a reader must ignore fields it does not know.
 *
 * ## The MIME bundle
 * `application/vnd.hpcfit.jobs+json` holds a {@link JobsTable}: `{ version: 1, backend, jobs }`
 * where each job is a {@link JobRow}. It is sent beside `text/plain` and `text/html` tables.
 *
 * ## The comm `hpcfit.jobs`
 * The frontend opens a comm on target `hpcfit.jobs` (the open message's data may already be a
 * `subscribe`). Then, frontend to kernel ({@link JobsClientMessage}):
 * - `subscribe` — start watching; the kernel answers with a `snapshot` (with its user and origin,
 *   so the panel can say whose jobs it lists and mark those from its notebook) and then pushes
 *   `changes` whenever a job's row changes. A job submitted through this kernel is pushed at
 *   once; for jobs from elsewhere the kernel polls the backend while at least one comm is
 *   subscribed, every `fastIntervalMs` while a job pends or runs, else every `slowIntervalMs`.
 * - `unsubscribe` — stop pushing to this comm (the comm stays open).
 * - `refresh` — send a fresh `snapshot` now.
 * - `action` — `cancel`, `hold`, `release` or `forget` (drop hpcfit's record of a finished job)
 *   on `ids`; answered by one `reply` with the same `requestId`.
 * - `tail` — read a job's output (`stdout` or `stderr`), the last `lines` lines; with `follow`
 *   the kernel keeps sending `output` messages as the file grows until the job ends or an
 *   `untail` with the same `requestId` arrives. Answered by a `reply` first. The last `output`
 *   (`done`) of a job that was cancelled, timed out or lost its node carries a `notice` saying so.
 * - `submit` — submit `script` (a batch script, `#SBATCH` lines allowed) with sbatch options
 *   `args`; the `reply` carries the new job's row.
 *
 * Kernel to frontend ({@link JobsServerMessage}): `snapshot`, `changes`, `reply`, `output`, and
 * `error` (for a message that could not be understood at all, e.g. without a `requestId`).
 *
 * The forms: `fitJobCatalog` and `fitJob` ("New fit job"), `notebookForm`, `notebookJob` and
 * `notebookSummary` ("Run as Job…", shapes in schema/notebook-jobs.ts), each answered by a message
 * of its own type with the same `requestId` (or a `reply` with `ok: false`).
 */
import {
  checkNotebookJobAnswer,
  checkNotebookJobForm,
  checkNotebookJobInfo,
  checkNotebookJobsClientFields,
  type NotebookJobForm,
  type NotebookJobInfo,
  type NotebookJobsClientMessage,
} from "./notebook-jobs.js";

/** The states after which a job never changes again, as written in {@link JOB_STATES}. */
const FINAL_STATES = [
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMEOUT",
  "NODE_FAIL",
  "PREEMPTED",
  "OUT_OF_MEMORY",
  "BOOT_FAIL",
  "DEADLINE",
] as const;

/** Slurm's base job states that hpcfit distinguishes; both backends use these names. */
export const JOB_STATES = ["PENDING", "RUNNING", "SUSPENDED", "COMPLETING", ...FINAL_STATES] as const;

/** A job state, e.g. `RUNNING`. */
export type JobState = (typeof JOB_STATES)[number];

/** States after which a job never changes again. */
export const TERMINAL_STATES: readonly JobState[] = FINAL_STATES;

/** True when `state` is final. */
export function isTerminalState(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** Which scheduler a job belongs to. */
export type JobsBackendKind = "slurm" | "local";

/** The MIME type of a jobs table. */
export const JOBS_MIME = "application/vnd.hpcfit.jobs+json";

/** The comm target of the Jobs panel feed. */
export const JOBS_COMM_TARGET = "hpcfit.jobs";

/** The version of every shape in this file. */
export const JOBS_SCHEMA_VERSION = 1;

/** One job (or one task of a job array) as a row of the table. Times are ISO 8601 strings. */
export interface JobRow {
  /** Slurm's display id: `"123"`, or `"123_4"` for task 4 of array job 123. */
  id: string;
  /** The unique numeric job id (for an array task, the task's own id). */
  jobId: number;
  /** The array's id when this is an array task, else null. */
  arrayJobId: number | null;
  /** The task index within the array, else null. */
  arrayTaskId: number | null;
  name: string;
  user: string;
  state: JobState;
  /** Why a pending job waits (`Resources`, `Dependency`, `JobHeldUser`, ...) or why it ended; null when none. */
  reason: string | null;
  partition: string | null;
  /** Node list (`node[1-3]`), null before the job starts. */
  nodes: string | null;
  /** CPUs requested (ntasks × cpus-per-task). */
  cpus: number;
  submitTime: string | null;
  startTime: string | null;
  endTime: string | null;
  /** The wall-time limit in seconds, null when unlimited. */
  timeLimit: number | null;
  /** The script's exit status once it ended, else null. */
  exitCode: number | null;
  /** The signal that ended the script, else null. */
  signal: number | null;
  /** The working directory of the job. */
  directory: string;
  /** The resolved path of standard output (patterns like `%j` expanded). */
  stdout: string | null;
  /** The resolved path of standard error (same as stdout unless `--error` was given). */
  stderr: string | null;
  backend: JobsBackendKind;
  /**
   * Where hpcfit submitted the job from: the notebook's path as Jupyter names it (the kernel's
   * `JPY_SESSION_NAME`), else `host:pid` of the submitting process. Absent or null for jobs
   * hpcfit did not submit.
   */
  origin?: string | null;
  /**
   * The file holding the job's stored fit result (absolute path), when it has one; absent or null
   * otherwise. Only jobs with results offer to open them, and they open this file.
   */
  results?: string | null;
  /** True for the Slurm allocation the kernel itself runs in (a kernel started on Slurm); absent otherwise. */
  kernelAllocation?: boolean;
  /** For a notebook run (`hpcfit run --sbatch`, a sweep's task, the "Run as Job…" form): what it runs and how far it is. */
  notebook?: NotebookJobInfo | null;
}

/** The data of an `application/vnd.hpcfit.jobs+json` output. */
export interface JobsTable {
  version: 1;
  backend: JobsBackendKind;
  jobs: JobRow[];
}

/** Which jobs a subscriber wants to see. */
export interface JobsFilter {
  /** `"me"` (default) for the kernel's user, `"all"`, or a user name. */
  user?: string;
  /** States to include; `"all"` includes finished jobs still known (the default). */
  states?: JobState[] | "all";
}

/** One field of the "New fit job" form, as the kernel describes it (from its fit options table). */
export interface FitJobField {
  /** The flag's name (`--name=value` on a `%%fit` line). */
  name: string;
  /** What the field holds: a number, an integer, one of `values`, a switch, or text. */
  kind: "integer" | "number" | "choice" | "boolean" | "text";
  /** What the value must be, in words. */
  expected: string;
  /** The allowed words of a choice. */
  values?: string[];
  /** What it does. */
  help: string;
  /** Methods that use it (absent: every job, as for Slurm resources). */
  methods?: string[];
  /** Defaults per method, in words. */
  defaults?: Record<string, string>;
}

/** What a fit job can be given: the methods, their options and the Slurm resources. */
export interface FitJobCatalog {
  version: 1;
  /** Methods, in the order help texts list them (a form starts with the first). */
  methods: string[];
  /** Fit options. */
  options: FitJobField[];
  /** Slurm resources. */
  resources: FitJobField[];
}

/**
 * A fit job as the form asks for it: the model file and the values of its fields, as text, named
 * by their flags. The kernel reads them as it reads a `%%fit` line.
 */
export interface FitJobOrder {
  /** The model file (a path on the kernel's machine). */
  modelFile: string;
  /** The method. */
  method: string;
  /** Fit options by flag name, as typed. */
  options: Record<string, string>;
  /** Slurm resources by flag name, as typed. */
  resources: Record<string, string>;
  /** Parent directory of the job directory (default `./fit-jobs`, relative to the kernel). */
  dir?: string;
}

/** Frontend to kernel. */
export type JobsClientMessage =
  | { type: "subscribe"; version: 1; filter?: JobsFilter }
  | { type: "unsubscribe" }
  | { type: "refresh" }
  | { type: "action"; requestId: string; action: "cancel" | "hold" | "release" | "forget"; ids: string[] }
  | { type: "tail"; requestId: string; id: string; stream?: "stdout" | "stderr"; lines?: number; follow?: boolean }
  | { type: "untail"; requestId: string }
  | { type: "submit"; requestId: string; script: string; args?: string[] }
  | { type: "fitJobCatalog"; version: 1; requestId: string }
  | { type: "fitJob"; version: 1; requestId: string; order: FitJobOrder; dryRun: boolean }
  | NotebookJobsClientMessage;

/** Kernel to frontend. */
export type JobsServerMessage =
  | {
      type: "snapshot";
      version: 1;
      backend: JobsBackendKind;
      jobs: JobRow[];
      /** The kernel's user: the jobs listed are this user's unless the filter asked for others. */
      user?: string;
      /** The kernel's {@link JobRow.origin}: rows with the same origin were submitted from this notebook. */
      origin?: string;
    }
  | { type: "changes"; version: 1; upserted: JobRow[]; removed: string[] }
  | { type: "reply"; requestId: string; ok: true; jobs?: JobRow[] }
  | { type: "reply"; requestId: string; ok: false; error: string }
  | {
      type: "output";
      requestId: string;
      id: string;
      stream: "stdout" | "stderr";
      text: string;
      done: boolean;
      /** With `done`, for a job that did not finish its script: how it ended ("Job 12 was cancelled at ..."). */
      notice?: string;
    }
  | { type: "error"; error: string }
  | { type: "fitJobCatalog"; version: 1; requestId: string; catalog: FitJobCatalog }
  | { type: "fitJob"; version: 1; requestId: string; dir: string; script: string; jobs: JobRow[] }
  | { type: "notebookForm"; version: 1; requestId: string; form: NotebookJobForm }
  | {
      type: "notebookJob";
      version: 1;
      requestId: string;
      /** Field → message; when not empty nothing was submitted. */
      errors: Record<string, string>;
      script: string;
      runs: number;
      runDir: string;
      jobs: JobRow[];
    }
  | { type: "notebookSummary"; version: 1; requestId: string; csv: string; notebook: string };

/** The result of a validator: the typed value, or a message saying exactly what is wrong. */
export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

function isState(v: unknown): v is JobState {
  return typeof v === "string" && (JOB_STATES as readonly string[]).includes(v);
}

function fail<T>(error: string): Validation<T> {
  return { ok: false, error };
}

function checkFilter(v: unknown): string | null {
  if (v === undefined) return null;
  if (!isObject(v)) return "filter must be an object";
  if (v.user !== undefined && typeof v.user !== "string") return "filter.user must be a string";
  if (v.states !== undefined && v.states !== "all") {
    if (!Array.isArray(v.states)) return 'filter.states must be "all" or an array of states';
    const states: unknown[] = v.states;
    const bad = states.find((s) => !isState(s));
    if (bad !== undefined) return `filter.states has an unknown state ${JSON.stringify(bad)} (known: ${JOB_STATES.join(", ")})`;
  }
  return null;
}

function checkVersion(m: Obj): string | null {
  return m.version === 1 ? null : `${String(m.type)}.version must be 1 (this side speaks 1), got ${JSON.stringify(m.version)}`;
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return isObject(v) && Object.values(v).every((x) => typeof x === "string");
}

function checkOrder(v: unknown): string | null {
  if (!isObject(v)) return "fitJob.order must be an object";
  if (typeof v.modelFile !== "string" || v.modelFile.trim() === "")
    return "fitJob.order.modelFile must be the path of a model file";
  if (typeof v.method !== "string" || v.method === "") return "fitJob.order.method must be a method name";
  if (!isStringRecord(v.options)) return "fitJob.order.options must map flag names to text";
  if (!isStringRecord(v.resources)) return "fitJob.order.resources must map flag names to text";
  if (v.dir !== undefined && typeof v.dir !== "string") return "fitJob.order.dir must be a string";
  return null;
}

function checkField(f: unknown, where: string): string | null {
  if (!isObject(f)) return `${where} must be an object`;
  if (typeof f.name !== "string" || typeof f.expected !== "string" || typeof f.help !== "string")
    return `${where} needs name, expected and help (strings)`;
  if (!["integer", "number", "choice", "boolean", "text"].includes(f.kind as string))
    return `${where}.kind ${JSON.stringify(f.kind)} is not a field kind`;
  if (f.values !== undefined && !isStringArray(f.values)) return `${where}.values must be an array of strings`;
  if (f.methods !== undefined && !isStringArray(f.methods)) return `${where}.methods must be an array of strings`;
  if (f.defaults !== undefined && !isStringRecord(f.defaults)) return `${where}.defaults must map methods to text`;
  return null;
}

/** Checks a {@link FitJobCatalog}; returns an error message or null. */
export function checkFitJobCatalog(c: unknown): string | null {
  if (!isObject(c)) return "catalog must be an object";
  if (c.version !== 1) return `unsupported fit job catalog version ${String(c.version)}`;
  if (!isStringArray(c.methods) || c.methods.length === 0) return "catalog.methods must be a non-empty array of names";
  for (const key of ["options", "resources"] as const) {
    const list = c[key];
    if (!Array.isArray(list)) return `catalog.${key} must be an array`;
    for (let i = 0; i < list.length; i++) {
      const e = checkField(list[i], `catalog.${key}[${i}]`);
      if (e) return e;
    }
  }
  return null;
}

function checkRequestId(m: Obj): string | null {
  return typeof m.requestId === "string" && m.requestId.length > 0
    ? null
    : `${String(m.type)} needs a non-empty string requestId`;
}

/** Checks a message from the frontend; used by the kernel on every `comm_msg`. */
export function validateJobsClientMessage(m: unknown): Validation<JobsClientMessage> {
  if (!isObject(m)) return fail("a jobs message must be a JSON object");
  switch (m.type) {
    case "subscribe": {
      if (m.version !== undefined && m.version !== 1)
        return fail(`unsupported jobs schema version ${JSON.stringify(m.version)} (this kernel speaks 1)`);
      const e = checkFilter(m.filter);
      return e ? fail(e) : { ok: true, value: { type: "subscribe", version: 1, filter: m.filter as JobsFilter | undefined } };
    }
    case "unsubscribe":
    case "refresh":
      return { ok: true, value: { type: m.type } };
    case "action": {
      const e = checkRequestId(m);
      if (e) return fail(e);
      if (!["cancel", "hold", "release", "forget"].includes(m.action as string)) {
        return fail(`unknown action ${JSON.stringify(m.action)} (known: cancel, hold, release, forget)`);
      }
      if (!isStringArray(m.ids) || m.ids.length === 0) return fail("action needs ids, a non-empty array of job ids");
      return { ok: true, value: m as unknown as JobsClientMessage };
    }
    case "tail": {
      const e = checkRequestId(m);
      if (e) return fail(e);
      if (typeof m.id !== "string" || m.id === "") return fail("tail needs id, a job id");
      if (m.stream !== undefined && m.stream !== "stdout" && m.stream !== "stderr")
        return fail('tail.stream must be "stdout" or "stderr"');
      if (m.lines !== undefined && !(Number.isInteger(m.lines) && (m.lines as number) >= 0))
        return fail("tail.lines must be a non-negative integer");
      if (m.follow !== undefined && typeof m.follow !== "boolean") return fail("tail.follow must be a boolean");
      return { ok: true, value: m as unknown as JobsClientMessage };
    }
    case "untail": {
      const e = checkRequestId(m);
      return e ? fail(e) : { ok: true, value: { type: "untail", requestId: m.requestId as string } };
    }
    case "submit": {
      const e = checkRequestId(m);
      if (e) return fail(e);
      if (typeof m.script !== "string" || m.script.trim() === "") return fail("submit needs script, the text of a batch script");
      if (m.args !== undefined && !isStringArray(m.args)) return fail("submit.args must be an array of strings");
      return { ok: true, value: m as unknown as JobsClientMessage };
    }
    case "fitJobCatalog": {
      const e = checkRequestId(m) ?? checkVersion(m);
      return e ? fail(e) : { ok: true, value: { type: "fitJobCatalog", version: 1, requestId: m.requestId as string } };
    }
    case "fitJob": {
      const e = checkRequestId(m) ?? checkVersion(m) ?? checkOrder(m.order);
      if (e) return fail(e);
      if (typeof m.dryRun !== "boolean") return fail("fitJob.dryRun must be a boolean");
      return { ok: true, value: m as unknown as JobsClientMessage };
    }
    case "notebookForm":
    case "notebookJob":
    case "notebookSummary": {
      const e = checkRequestId(m) ?? checkVersion(m) ?? checkNotebookJobsClientFields(m);
      return e ? fail(e) : { ok: true, value: m as unknown as JobsClientMessage };
    }
    default:
      return fail(
        `unknown jobs message type ${JSON.stringify(m.type)} (known: subscribe, unsubscribe, refresh, action, tail, untail, submit, fitJobCatalog, fitJob, notebookForm, notebookJob, notebookSummary)`,
      );
  }
}

const ROW_STRING = ["id", "name", "user", "directory"] as const;
const ROW_NULLABLE_STRING = ["reason", "partition", "nodes", "submitTime", "startTime", "endTime", "stdout", "stderr"] as const;
const ROW_NULLABLE_NUMBER = ["arrayJobId", "arrayTaskId", "timeLimit", "exitCode", "signal"] as const;

/** Checks one {@link JobRow}; returns an error message or null. */
export function checkJobRow(r: unknown, where = "job"): string | null {
  if (!isObject(r)) return `${where} must be an object`;
  for (const k of ROW_STRING) if (typeof r[k] !== "string") return `${where}.${k} must be a string`;
  for (const k of ROW_NULLABLE_STRING)
    if (r[k] !== null && typeof r[k] !== "string") return `${where}.${k} must be a string or null`;
  for (const k of ROW_NULLABLE_NUMBER)
    if (r[k] !== null && typeof r[k] !== "number") return `${where}.${k} must be a number or null`;
  if (typeof r.jobId !== "number") return `${where}.jobId must be a number`;
  if (typeof r.cpus !== "number") return `${where}.cpus must be a number`;
  if (!isState(r.state)) return `${where}.state ${JSON.stringify(r.state)} is not a job state`;
  if (r.backend !== "slurm" && r.backend !== "local") return `${where}.backend must be "slurm" or "local"`;
  for (const k of ["origin", "results"] as const) {
    if (r[k] !== undefined && r[k] !== null && typeof r[k] !== "string")
      return `${where}.${k} must be a string or null when present`;
  }
  if (r.notebook !== undefined && r.notebook !== null) return checkNotebookJobInfo(r.notebook, `${where}.notebook`);
  return null;
}

/** Checks a jobs table (the MIME bundle's data). */
export function validateJobsTable(t: unknown): Validation<JobsTable> {
  if (!isObject(t)) return fail("a jobs table must be an object");
  if (t.version !== 1) return fail(`unsupported jobs table version ${String(t.version)}`);
  if (t.backend !== "slurm" && t.backend !== "local") return fail('backend must be "slurm" or "local"');
  if (!Array.isArray(t.jobs)) return fail("jobs must be an array");
  for (let i = 0; i < t.jobs.length; i++) {
    const e = checkJobRow(t.jobs[i], `jobs[${i}]`);
    if (e) return fail(e);
  }
  return { ok: true, value: t as unknown as JobsTable };
}

/** Checks a message from the kernel; the kernel checks what it sends, the panel what it receives. */
export function validateJobsServerMessage(m: unknown): Validation<JobsServerMessage> {
  if (!isObject(m)) return fail("a jobs message must be a JSON object");
  const rows = (v: unknown, name: string): string | null => {
    if (!Array.isArray(v)) return `${name} must be an array`;
    for (let i = 0; i < v.length; i++) {
      const e = checkJobRow(v[i], `${name}[${i}]`);
      if (e) return e;
    }
    return null;
  };
  switch (m.type) {
    case "snapshot": {
      if (m.version !== 1) return fail("snapshot.version must be 1");
      if (m.backend !== "slurm" && m.backend !== "local") return fail('snapshot.backend must be "slurm" or "local"');
      if (m.user !== undefined && typeof m.user !== "string") return fail("snapshot.user must be a string");
      if (m.origin !== undefined && typeof m.origin !== "string") return fail("snapshot.origin must be a string");
      const e = rows(m.jobs, "jobs");
      return e ? fail(e) : { ok: true, value: m as unknown as JobsServerMessage };
    }
    case "changes": {
      if (m.version !== 1) return fail("changes.version must be 1");
      const e = rows(m.upserted, "upserted") ?? (isStringArray(m.removed) ? null : "removed must be an array of ids");
      return e ? fail(e) : { ok: true, value: m as unknown as JobsServerMessage };
    }
    case "reply": {
      if (typeof m.requestId !== "string") return fail("reply.requestId must be a string");
      if (m.ok === true) {
        const e = m.jobs === undefined ? null : rows(m.jobs, "jobs");
        return e ? fail(e) : { ok: true, value: m as unknown as JobsServerMessage };
      }
      if (m.ok === false && typeof m.error === "string") return { ok: true, value: m as unknown as JobsServerMessage };
      return fail("reply needs ok: true, or ok: false with an error string");
    }
    case "output": {
      if (
        typeof m.requestId !== "string" ||
        typeof m.id !== "string" ||
        typeof m.text !== "string" ||
        typeof m.done !== "boolean"
      ) {
        return fail("output needs requestId, id, text (strings) and done (boolean)");
      }
      if (m.stream !== "stdout" && m.stream !== "stderr") return fail('output.stream must be "stdout" or "stderr"');
      if (m.notice !== undefined && typeof m.notice !== "string") return fail("output.notice must be a string");
      return { ok: true, value: m as unknown as JobsServerMessage };
    }
    case "error":
      return typeof m.error === "string"
        ? { ok: true, value: m as unknown as JobsServerMessage }
        : fail("error.error must be a string");
    case "fitJobCatalog": {
      const e = checkRequestId(m) ?? checkVersion(m) ?? checkFitJobCatalog(m.catalog);
      return e ? fail(e) : { ok: true, value: m as unknown as JobsServerMessage };
    }
    case "fitJob": {
      const e =
        checkRequestId(m) ??
        checkVersion(m) ??
        (typeof m.dir === "string" && typeof m.script === "string" ? null : "fitJob needs dir and script (strings)") ??
        rows(m.jobs, "jobs");
      return e ? fail(e) : { ok: true, value: m as unknown as JobsServerMessage };
    }
    case "notebookForm": {
      const e = checkRequestId(m) ?? checkVersion(m) ?? checkNotebookJobForm(m.form);
      return e ? fail(e) : { ok: true, value: m as unknown as JobsServerMessage };
    }
    case "notebookJob": {
      const e = checkRequestId(m) ?? checkVersion(m) ?? checkNotebookJobAnswer(m) ?? rows(m.jobs, "jobs");
      return e ? fail(e) : { ok: true, value: m as unknown as JobsServerMessage };
    }
    case "notebookSummary": {
      const e =
        checkRequestId(m) ??
        checkVersion(m) ??
        (typeof m.csv === "string" && typeof m.notebook === "string" ? null : "notebookSummary needs csv and notebook (strings)");
      return e ? fail(e) : { ok: true, value: m as unknown as JobsServerMessage };
    }
    default:
      return fail(`unknown jobs message type ${JSON.stringify(m.type)}`);
  }
}
