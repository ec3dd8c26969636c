/**
 * A notebook job as the "Run as Job…" form orders it: every field checked (each error named by
 * its field), then the run or the sweep's job array built by the same functions as
 * `hpcfit run --sbatch` and `hpcfit sweep --sbatch`. Nothing is written before every field is
 * good, and a submission that the scheduler refuses leaves no run folder behind.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { availableBackends, backend as currentBackend, backendOfKind, useBackend } from "../jobs/api.js";
import type { Job } from "../jobs/job.js";
import { parseTimeLimit } from "../jobs/sbatch-options.js";
import type { NotebookJobAnswer, NotebookJobOrder, NotebookParameterField } from "../schema/notebook-jobs.js";
import { UserError } from "../util/user-error.js";
import { notebookRunScript, submitNotebookRun, submitSweepArray, sweepArrayScript, type BatchRunOptions } from "./batch.js";
import { rememberOrder } from "./form-defaults.js";
import { findNbconvert } from "./html-export.js";
import { readNotebook, type Notebook } from "./notebook.js";
import { MAX_SWEEP_RUNS, parameterFields, sweepValues, typeParameterText } from "./parameter-form.js";
import type { ParameterValues } from "./parameters.js";
import { defaultOutputParent, defaultRunName } from "./run-names.js";
import { gridCombinations, sweepOutputName, type GridAxis } from "./sweep.js";

/** An order checked and turned into what to submit. */
interface Plan {
  input: string;
  runDir: string;
  name: string;
  kind: "run" | "sweep";
  combos: ParameterValues[];
  axes: GridAxis[];
  batch: Omit<BatchRunOptions, "output" | "parameters">;
  script: string;
}

const RESOURCE_NAMES = ["partition", "time", "cpus", "mem", "nodes"];

function positiveInteger(text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UserError(`${what} is a whole number of at least 1, not "${text}"`);
  return Number(text);
}

/** The sbatch options of the form's resources; throws per field through `errors`. */
async function resourceArgs(order: NotebookJobOrder, errors: Record<string, string>): Promise<string[]> {
  const args: string[] = [];
  const r = order.resources;
  for (const name of Object.keys(r)) {
    if (!RESOURCE_NAMES.includes(name))
      errors[`resources.${name}`] = `unknown resource ${name} (known: ${RESOURCE_NAMES.join(", ")})`;
  }
  const field = (name: string, check: (text: string) => string): void => {
    const text = (r[name] ?? "").trim();
    if (text === "") return;
    try {
      args.push(check(text));
    } catch (error) {
      errors[`resources.${name}`] = (error as Error).message;
    }
  };
  const partition = (r.partition ?? "").trim();
  if (partition !== "") {
    try {
      const known = (await backendOfKind(order.backend).partitions()).map((p) => p.name);
      if (known.includes(partition)) args.push(`--partition=${partition}`);
      else
        errors["resources.partition"] =
          `the ${order.backend} backend has no partition "${partition}" (it has ${known.join(", ")})`;
    } catch (error) {
      errors["resources.partition"] = `cannot list the partitions: ${(error as Error).message}`;
    }
  }
  field("time", (t) => {
    parseTimeLimit(t);
    return `--time=${t}`;
  });
  field("cpus", (t) => `--cpus-per-task=${positiveInteger(t, "CPUs")}`);
  field("mem", (t) => {
    if (!/^\d+[KMGT]?$/i.test(t))
      throw new UserError(`memory is a whole number with an optional unit K, M, G or T (e.g. 4G), not "${t}"`);
    return `--mem=${t.toUpperCase()}`;
  });
  field("nodes", (t) => {
    const n = positiveInteger(t, "nodes");
    if (order.backend === "local" && n > 1) throw new UserError("the local backend runs jobs on this machine only (1 node)");
    return `--nodes=${n}`;
  });
  return args;
}

/** Types the order's values and sweeps against the notebook's fields; errors go into `errors`. */
function typedValues(
  order: NotebookJobOrder,
  fields: NotebookParameterField[] | null,
  errors: Record<string, string>,
): { fixed: ParameterValues; axes: GridAxis[] } {
  const fixed: ParameterValues = {};
  const axes: GridAxis[] = [];
  const byName = new Map((fields ?? []).map((f) => [f.name, f]));
  const declared =
    fields === null ? "it has no cell tagged parameters" : `it declares ${fields.map((f) => f.name).join(", ") || "none"}`;
  for (const [group, texts] of [
    ["parameters", order.values],
    ["sweep", order.sweep],
  ] as const) {
    for (const [name, text] of Object.entries(texts)) {
      if (text.trim() === "" && group === "parameters") continue;
      const field = byName.get(name);
      if (field === undefined) {
        errors[`${group}.${name}`] = `the notebook has no parameter ${name}; ${declared}`;
        continue;
      }
      try {
        if (group === "parameters") {
          if ((order.sweep[name] ?? "").trim() !== "")
            throw new UserError(`${name} is swept; give it a value or a sweep, not both`);
          fixed[name] = typeParameterText(field, text);
        } else {
          axes.push({ name, values: sweepValues(field, text) });
        }
      } catch (error) {
        errors[`${group}.${name}`] = (error as Error).message;
      }
    }
  }
  return { fixed, axes };
}

/** Checks every field of `order`; the plan when all are good. */
async function planOrder(order: NotebookJobOrder): Promise<{ errors: Record<string, string>; plan?: Plan }> {
  const errors: Record<string, string> = {};
  const input = resolve(order.notebook);
  let nb: Notebook | undefined;
  try {
    nb = readNotebook(input);
  } catch (error) {
    errors.notebook = (error as Error).message;
  }
  const { fixed, axes } = nb ? typedValues(order, parameterFields(nb), errors) : { fixed: {}, axes: [] };
  const name = order.name.trim() === "" ? defaultRunName(input) : order.name.trim();
  if (!/^[\w.+=-]+$/.test(name) || name.startsWith("."))
    errors.name = `a run name is letters, digits and . _ - + = (it names a folder), not "${name}"`;
  const parent = resolve(order.outputParent.trim() === "" ? defaultOutputParent(input) : order.outputParent.trim());
  const runDir = join(parent, name);
  if (errors.name === undefined && existsSync(runDir) && readdirSync(runDir).length > 0)
    errors.name = `a run named ${name} already has outputs in ${parent}; choose another name`;
  if (!availableBackends().includes(order.backend))
    errors.backend = `the ${order.backend} backend is not available here (available: ${availableBackends().join(", ")})`;
  const sbatch = errors.backend === undefined ? await resourceArgs(order, errors) : [];
  if (order.html && findNbconvert() === null)
    errors.html = "jupyter-nbconvert is not on the kernel's PATH, so no HTML can be made; install nbconvert or leave HTML off";
  let combos: ParameterValues[] = [];
  if (Object.keys(errors).length === 0) {
    try {
      combos = gridCombinations(axes, fixed);
    } catch (error) {
      errors.sweep = (error as Error).message;
    }
    if (combos.length > MAX_SWEEP_RUNS)
      errors.sweep = `the sweep makes ${combos.length} runs; at most ${MAX_SWEEP_RUNS} are allowed`;
  }
  if (Object.keys(errors).length > 0) return { errors };
  // Written into the script, so that the preview is the whole job.
  const batch = { input, html: order.html, sbatch: [], directives: [`--job-name=${name}`, ...sbatch] };
  const kind = axes.length > 0 ? "sweep" : "run";
  const stem = basename(input, extname(input));
  const script =
    kind === "run"
      ? notebookRunScript({ ...batch, output: join(runDir, `${stem}.ipynb`), parameters: combos[0] }).script
      : sweepArrayScript({ ...batch, combos, outputs: combos.map((c) => sweepOutputName(input, c, axes)), outputDir: runDir })
          .script;
  return { errors, plan: { input, runDir, name, kind, combos, axes, batch, script } };
}

/** The answer to an order checked without submitting: errors per field, or the exact script. */
export async function checkOrder(order: NotebookJobOrder): Promise<NotebookJobAnswer> {
  const { errors, plan } = await planOrder(order);
  return plan
    ? { errors, script: plan.script, runs: plan.combos.length, runDir: plan.runDir }
    : { errors, script: "", runs: 0, runDir: "" };
}

/**
 * Submits `order` when every field is good (switching the kernel to the order's backend, as
 * `%slurm backend` does, so the Jobs panel follows the job), and remembers it as the notebook's
 * defaults. With errors, nothing is written or submitted.
 */
export async function submitOrder(order: NotebookJobOrder): Promise<NotebookJobAnswer & { job?: Job }> {
  const { errors, plan } = await planOrder(order);
  if (!plan) return { errors, script: "", runs: 0, runDir: "" };
  if (currentBackend().kind !== order.backend) useBackend(order.backend);
  const record = { name: plan.name, order: { ...order, name: plan.name } };
  let job: Job;
  try {
    job =
      plan.kind === "run"
        ? await submitNotebookRun(
            {
              ...plan.batch,
              output: join(plan.runDir, `${basename(plan.input, extname(plan.input))}.ipynb`),
              parameters: plan.combos[0],
            },
            record,
          )
        : (
            await submitSweepArray(
              {
                ...plan.batch,
                combos: plan.combos,
                outputs: plan.combos.map((c) => sweepOutputName(plan.input, c, plan.axes)),
                outputDir: plan.runDir,
              },
              record,
            )
          ).job;
  } catch (error) {
    rmSync(plan.runDir, { recursive: true, force: true });
    throw error;
  }
  rememberOrder(order);
  return { errors, script: plan.script, runs: plan.combos.length, runDir: plan.runDir, job };
}
