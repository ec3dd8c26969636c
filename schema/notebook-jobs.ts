/**
 * JSON shapes of notebook jobs on the `hpcfit.jobs` comm (see schema/jobs.ts for the comm): the
 * "Run as Job…" form asks the kernel for a notebook's form (`notebookForm`), checks, previews and
 * submits an order (`notebookJob`, with `dryRun` for the check and the preview), and asks for a
 * finished sweep's summary (`notebookSummary`). Job rows of notebook runs carry a
 * {@link NotebookJobInfo} (`JobRow.notebook`): the run's parameters and its progress in cells.
 * Pure types and validators, shared by the kernel and the extension.
 */

/** How the form edits a parameter: the kernel types the text the same way when it checks it. */
export type NotebookParameterKind = "number" | "string" | "boolean" | "choice" | "json";

/** One parameter of a notebook's `parameters` cell. */
export interface NotebookParameterField {
  name: string;
  /** The declared (or inferred) TypeScript type, as written. */
  type: string;
  kind: NotebookParameterKind;
  /** The allowed values of a `choice` (a union of string literals). */
  values?: string[];
  /** The default's source text. */
  defaultSource: string;
  /** The comment at the end of its line. */
  help: string;
}

/** One partition the form offers (from `sinfo`, or the local backend's one). */
export interface NotebookJobPartition {
  name: string;
  default: boolean;
  /** Maximum wall time in seconds, null when unlimited. */
  timeLimit: number | null;
}

/**
 * A run as the form orders it. Values are text as typed; the kernel types and checks them. A
 * parameter in `sweep` takes a list (`1, 2, 4`) or a range (`start:stop` or `start:stop:step`,
 * stop included) instead of one value, and the order is a sweep: one job array, one run per
 * combination.
 */
export interface NotebookJobOrder {
  /** The notebook (absolute path on the kernel's machine). */
  notebook: string;
  /** The run's name: its outputs go into a folder of that name. Empty: `<notebook stem>-<date>-<time>`. */
  name: string;
  /** The folder the run's folder goes into. Empty: `runs/` beside the notebook. */
  outputParent: string;
  /** One value per parameter, as typed; a missing or empty one keeps the notebook's default. */
  values: Record<string, string>;
  /** Lists or ranges per swept parameter, as typed. */
  sweep: Record<string, string>;
  backend: "local" | "slurm";
  /** `partition`, `time`, `cpus`, `mem`, `nodes`, as typed (empty: the scheduler's default). */
  resources: Record<string, string>;
  /** Also write the executed notebook as HTML (nbconvert). */
  html: boolean;
}

/** What the form needs to show for one notebook. */
export interface NotebookJobForm {
  version: 1;
  notebook: string;
  /** False when the notebook has no cell tagged `parameters` (it then takes no values). */
  hasParametersCell: boolean;
  parameters: NotebookParameterField[];
  /** The backends this kernel can submit to, and the one it uses now. */
  backends: ("local" | "slurm")[];
  backend: "local" | "slurm";
  /** Partitions per backend. */
  partitions: Partial<Record<"local" | "slurm", NotebookJobPartition[]>>;
  /** The run name used when the name is left empty (changes with the time). */
  defaultName: string;
  /** The folder runs go into when left empty. */
  defaultOutputParent: string;
  /** Whether nbconvert was found for HTML outputs. */
  htmlAvailable: boolean;
  /** The last order submitted for this notebook, to start the form from. */
  remembered: NotebookJobOrder | null;
}

/** Progress of one run in code cells, read from its output notebook (written after every cell). */
export interface NotebookRunProgress {
  /** `pending` until the output notebook exists. */
  state: "pending" | "running" | "completed" | "failed";
  /** Code cells finished, and their total (the injected parameters cell included). */
  done: number;
  total: number;
  /** The code cell running now: its 1-based number among the code cells and its first line. */
  current: { number: number; line: string } | null;
  /** When the run started and when the output was last written (ISO 8601). */
  startTime: string | null;
  savedAt: string | null;
  /** Seconds left, estimated at `savedAt` from the cells so far; null before the first cell ends. */
  remainingSeconds: number | null;
  /** Index in the output notebook of the cell that failed, else null. */
  failedCell: number | null;
}

/** What a notebook job's row carries: what was run, and how far it is. */
export interface NotebookJobInfo {
  kind: "run" | "sweep";
  /** The run's name (its folder's name). */
  name: string;
  /** The input notebook (absolute). */
  input: string;
  /** This run's output notebook (absolute). */
  output: string;
  /** The run's folder. */
  runDir: string;
  /** This run's parameter values. */
  parameters: Record<string, unknown>;
  /** The order it was submitted with, when it came from the form ("Run again…" starts from it). */
  order: NotebookJobOrder | null;
  /** The HTML copy, when one was asked for. */
  html: string | null;
  progress: NotebookRunProgress;
}

/** The kernel's answer to a `notebookJob` order: errors per field, or the script (and the jobs when submitted). */
export interface NotebookJobAnswer {
  /** Field → message (`parameters.steps`, `sweep.n`, `resources.time`, `name`, ...); empty when the order is good. */
  errors: Record<string, string>;
  /** The exact batch script, when the order is good. */
  script: string;
  /** How many runs the order makes (the grid's size; 1 without a sweep). */
  runs: number;
  /** The run's folder. */
  runDir: string;
}

/** Frontend-to-kernel messages of notebook jobs. */
export type NotebookJobsClientMessage =
  | { type: "notebookForm"; version: 1; requestId: string; notebook: string }
  | { type: "notebookJob"; version: 1; requestId: string; order: NotebookJobOrder; dryRun: boolean }
  | { type: "notebookSummary"; version: 1; requestId: string; id: string };

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return isObject(v) && Object.values(v).every((x) => typeof x === "string");
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

/** Checks a {@link NotebookJobOrder}; returns an error message or null. */
export function checkNotebookJobOrder(v: unknown, where = "order"): string | null {
  if (!isObject(v)) return `${where} must be an object`;
  if (typeof v.notebook !== "string" || v.notebook.trim() === "") return `${where}.notebook must be the path of a notebook`;
  for (const k of ["name", "outputParent"] as const) if (typeof v[k] !== "string") return `${where}.${k} must be a string`;
  for (const k of ["values", "sweep", "resources"] as const)
    if (!isStringRecord(v[k])) return `${where}.${k} must map names to text`;
  if (v.backend !== "local" && v.backend !== "slurm") return `${where}.backend must be "local" or "slurm"`;
  if (typeof v.html !== "boolean") return `${where}.html must be a boolean`;
  return null;
}

function checkProgress(p: unknown, where: string): string | null {
  if (!isObject(p)) return `${where} must be an object`;
  if (!["pending", "running", "completed", "failed"].includes(p.state as string)) return `${where}.state is not a run state`;
  if (typeof p.done !== "number" || typeof p.total !== "number") return `${where}.done and .total must be numbers`;
  if (p.current !== null && !(isObject(p.current) && typeof p.current.number === "number" && typeof p.current.line === "string"))
    return `${where}.current must be null or { number, line }`;
  for (const k of ["startTime", "savedAt"] as const)
    if (p[k] !== null && typeof p[k] !== "string") return `${where}.${k} must be a string or null`;
  for (const k of ["remainingSeconds", "failedCell"] as const)
    if (p[k] !== null && typeof p[k] !== "number") return `${where}.${k} must be a number or null`;
  return null;
}

/** Checks a row's {@link NotebookJobInfo}; returns an error message or null. */
export function checkNotebookJobInfo(v: unknown, where = "notebook"): string | null {
  if (!isObject(v)) return `${where} must be an object`;
  if (v.kind !== "run" && v.kind !== "sweep") return `${where}.kind must be "run" or "sweep"`;
  for (const k of ["name", "input", "output", "runDir"] as const)
    if (typeof v[k] !== "string") return `${where}.${k} must be a string`;
  if (!isObject(v.parameters)) return `${where}.parameters must be an object`;
  if (v.order !== null) {
    const e = checkNotebookJobOrder(v.order, `${where}.order`);
    if (e) return e;
  }
  if (v.html !== null && typeof v.html !== "string") return `${where}.html must be a string or null`;
  return checkProgress(v.progress, `${where}.progress`);
}

/** Checks a {@link NotebookJobForm}; returns an error message or null. */
export function checkNotebookJobForm(f: unknown): string | null {
  if (!isObject(f)) return "form must be an object";
  if (f.version !== 1) return `unsupported notebook form version ${String(f.version)}`;
  if (typeof f.notebook !== "string" || typeof f.defaultName !== "string" || typeof f.defaultOutputParent !== "string")
    return "form needs notebook, defaultName and defaultOutputParent (strings)";
  if (typeof f.hasParametersCell !== "boolean" || typeof f.htmlAvailable !== "boolean")
    return "form.hasParametersCell and form.htmlAvailable must be booleans";
  if (!Array.isArray(f.parameters)) return "form.parameters must be an array";
  for (const [i, p] of f.parameters.entries()) {
    if (!isObject(p) || typeof p.name !== "string" || typeof p.type !== "string" || typeof p.defaultSource !== "string")
      return `form.parameters[${i}] needs name, type and defaultSource (strings)`;
    if (!["number", "string", "boolean", "choice", "json"].includes(p.kind as string))
      return `form.parameters[${i}].kind is not a parameter kind`;
    if (p.values !== undefined && !isStringArray(p.values)) return `form.parameters[${i}].values must be strings`;
  }
  if (!isStringArray(f.backends) || f.backends.some((b) => b !== "local" && b !== "slurm"))
    return 'form.backends must list "local" and/or "slurm"';
  if (f.backend !== "local" && f.backend !== "slurm") return 'form.backend must be "local" or "slurm"';
  if (!isObject(f.partitions)) return "form.partitions must be an object";
  if (f.remembered !== null) return checkNotebookJobOrder(f.remembered, "form.remembered");
  return null;
}

/** Checks a {@link NotebookJobAnswer}'s fields on a message; returns an error message or null. */
export function checkNotebookJobAnswer(m: Obj): string | null {
  if (!isStringRecord(m.errors)) return "notebookJob.errors must map fields to messages";
  if (typeof m.script !== "string" || typeof m.runDir !== "string") return "notebookJob needs script and runDir (strings)";
  if (typeof m.runs !== "number") return "notebookJob.runs must be a number";
  return null;
}

/** Checks the fields of a notebook-jobs client message (its type, version and requestId are checked by the caller). */
export function checkNotebookJobsClientFields(m: Obj): string | null {
  switch (m.type) {
    case "notebookForm":
      return typeof m.notebook === "string" && m.notebook.trim() !== "" ? null : "notebookForm needs notebook, a path";
    case "notebookJob":
      return (
        checkNotebookJobOrder(m.order, "notebookJob.order") ??
        (typeof m.dryRun === "boolean" ? null : "notebookJob.dryRun must be a boolean")
      );
    case "notebookSummary":
      return typeof m.id === "string" && m.id !== "" ? null : "notebookSummary needs id, the sweep's job id";
    default:
      return `not a notebook jobs message: ${JSON.stringify(m.type)}`;
  }
}
