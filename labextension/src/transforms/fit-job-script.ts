/**
 * The "New fit job" form of the Jobs panel as data: its fields, their checks (each error names
 * the field), and the batch script it submits, shown to the user before submission. The script
 * runs `hpcfit fit MODEL --fit=... --store=...`, the CLI twin of `%%fit`.
 */

/** Optimizers and samplers `hpcfit fit` accepts. */
export const FIT_METHODS = ["lm", "amoeba", "newton", "de", "dream", "smc"] as const;

/** One of {@link FIT_METHODS}. */
export type FitMethod = (typeof FIT_METHODS)[number];

/** Whether a method is a sampler (takes samples and burn-in) rather than an optimizer (steps). */
export function isSampler(method: FitMethod): boolean {
  return method === "dream" || method === "smc";
}

/** Units of memory per core, as sbatch writes them. */
export const MEMORY_UNITS = ["M", "G"] as const;

/** Everything the form asks. Counts are numbers; optional text fields are "" when empty. */
export interface FitJobForm {
  /** The model file, relative to the notebook server's root (what the file browser shows). */
  modelFile: string;
  method: FitMethod;
  /** Optimizer steps (optimizers) — 0 for the method's default. */
  steps: number;
  /** Draws to keep (samplers). */
  samples: number;
  /** Burn-in generations (samplers). */
  burn: number;
  nodes: number;
  ntasks: number;
  cpusPerTask: number;
  gpus: number;
  memPerCpu: number;
  memUnit: (typeof MEMORY_UNITS)[number];
  /** Wall time as `[D-]HH:MM:SS` or `MM:SS` or minutes. */
  time: string;
  partition: string;
  jobName: string;
  email: string;
  /** Directory for results, relative to the job's working directory. */
  storeDir: string;
}

/** A form value the user must fix, with the field it belongs to. */
export interface FormError {
  field: keyof FitJobForm;
  message: string;
}

/** Defaults of a new form. */
export function defaultFitJobForm(): FitJobForm {
  return {
    modelFile: "",
    method: "dream",
    steps: 0,
    samples: 10000,
    burn: 100,
    nodes: 1,
    ntasks: 1,
    cpusPerTask: 1,
    gpus: 0,
    memPerCpu: 1,
    memUnit: "G",
    time: "00:30:00",
    partition: "",
    jobName: "fit",
    email: "",
    storeDir: "results",
  };
}

const TIME = /^(?:\d+-\d{1,2}(?::\d{2}(?::\d{2})?)?|\d{1,2}:\d{2}:\d{2}|\d+:\d{2}|\d+)$/;
// sbatch splits #SBATCH lines on whitespace, so values there must be single words.
const WORD = /^[A-Za-z0-9_.+\-@%]+$/;
const EMAIL = /^[^\s@'"]+@[^\s@'"]+$/;

function positiveInteger(form: FitJobForm, field: keyof FitJobForm, errors: FormError[], min = 1): void {
  const v = form[field];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    errors.push({ field, message: `${field} must be a whole number of at least ${min}` });
  }
}

/** Checks the form; an empty list means the script can be submitted. */
export function validateFitJobForm(form: FitJobForm): FormError[] {
  const errors: FormError[] = [];
  if (form.modelFile.trim() === "")
    errors.push({ field: "modelFile", message: "choose a model file (a .ts file exporting a FitProblem)" });
  else if (!/\.(ts|mts|js|mjs)$/.test(form.modelFile))
    errors.push({ field: "modelFile", message: `model file ${form.modelFile} is not a .ts or .js file` });
  else if (/[\n\r\0]/.test(form.modelFile)) errors.push({ field: "modelFile", message: "model file name contains a line break" });
  if (!(FIT_METHODS as readonly string[]).includes(form.method))
    errors.push({ field: "method", message: `unknown method ${form.method} (known: ${FIT_METHODS.join(", ")})` });
  if (isSampler(form.method)) {
    positiveInteger(form, "samples", errors);
    positiveInteger(form, "burn", errors, 0);
  } else {
    positiveInteger(form, "steps", errors, 0);
  }
  positiveInteger(form, "nodes", errors);
  positiveInteger(form, "ntasks", errors);
  positiveInteger(form, "cpusPerTask", errors);
  positiveInteger(form, "gpus", errors, 0);
  if (!(typeof form.memPerCpu === "number" && form.memPerCpu > 0 && Number.isFinite(form.memPerCpu))) {
    errors.push({ field: "memPerCpu", message: "memory per core must be a positive number" });
  } else if (!Number.isInteger(form.memUnit === "G" ? form.memPerCpu * 1024 : form.memPerCpu)) {
    errors.push({ field: "memPerCpu", message: "memory per core must be a whole number of megabytes" });
  }
  if (!(MEMORY_UNITS as readonly string[]).includes(form.memUnit))
    errors.push({ field: "memUnit", message: "memory unit must be M or G" });
  if (!TIME.test(form.time.trim()))
    errors.push({ field: "time", message: `wall time ${JSON.stringify(form.time)} is not [D-]HH:MM:SS, MM:SS or minutes` });
  if (form.partition !== "" && !WORD.test(form.partition))
    errors.push({ field: "partition", message: "partition must be one word (letters, digits, _ . + - @ %)" });
  if (!WORD.test(form.jobName))
    errors.push({ field: "jobName", message: "job name must be one word (letters, digits, _ . + - @ %), no spaces or quotes" });
  if (form.email !== "" && !EMAIL.test(form.email))
    errors.push({ field: "email", message: `${form.email} is not an e-mail address` });
  if (form.storeDir.trim() === "" || /[\n\r\0]/.test(form.storeDir))
    errors.push({ field: "storeDir", message: "results directory must be a path" });
  return errors;
}

/** `value` quoted for bash so that nothing in it is expanded. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Memory in megabytes, as sbatch's `--mem-per-cpu` wants it without ambiguity. */
function memoryMegabytes(form: FitJobForm): number {
  return form.memUnit === "G" ? Math.round(form.memPerCpu * 1024) : Math.round(form.memPerCpu);
}

/**
 * The batch script of a valid form (call {@link validateFitJobForm} first). `${HPCFIT:-hpcfit}`
 * lets a site point the job at its hpcfit command; the results go to `<storeDir>/<jobName>-<jobid>`.
 */
export function fitJobScript(form: FitJobForm): string {
  const lines = [
    "#!/bin/bash",
    `#SBATCH --job-name=${form.jobName}`,
    `#SBATCH --nodes=${form.nodes}`,
    `#SBATCH --ntasks=${form.ntasks}`,
    `#SBATCH --cpus-per-task=${form.cpusPerTask}`,
  ];
  if (form.gpus > 0) lines.push(`#SBATCH --gpus=${form.gpus}`);
  lines.push(`#SBATCH --mem-per-cpu=${memoryMegabytes(form)}M`, `#SBATCH --time=${form.time.trim()}`);
  if (form.partition !== "") lines.push(`#SBATCH --partition=${form.partition}`);
  if (form.email !== "") lines.push(`#SBATCH --mail-user=${form.email}`, "#SBATCH --mail-type=END,FAIL");
  lines.push(`#SBATCH --output=${form.jobName}-%j.out`, "", "set -euo pipefail");
  const fitArgs = [`--fit=${form.method}`];
  if (isSampler(form.method)) fitArgs.push(`--samples=${form.samples}`, `--burn=${form.burn}`);
  else if (form.steps > 0) fitArgs.push(`--steps=${form.steps}`);
  if (form.ntasks * form.cpusPerTask > 1 && isSampler(form.method)) fitArgs.push(`--parallel=${form.ntasks * form.cpusPerTask}`);
  const store = `${shellQuote(form.storeDir.trim())}/${shellQuote(form.jobName)}-"$SLURM_JOB_ID"`;
  lines.push(`mkdir -p ${shellQuote(form.storeDir.trim())}`);
  lines.push(`"\${HPCFIT:-hpcfit}" fit ${shellQuote(form.modelFile.trim())} ${fitArgs.join(" ")} --store=${store}`);
  return lines.join("\n") + "\n";
}
