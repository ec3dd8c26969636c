/**
 * The Jobs panel's "New fit job" form, answered in the kernel: the catalog of what a fit job can
 * be given (from the fit options table and `%%fit`'s Slurm flags), and the job itself, read as a
 * `%%fit` line and prepared and submitted by the same code, so the form's job is a `%%fit` job
 * (checkpoints, live progress, srun'd workers). A dry run answers the exact batch script.
 */
import { rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { FIT_OPTIONS } from "../fit/options/definitions.js";
import { choosableBy, FIT_METHODS, type OptionSpec } from "../fit/options/spec.js";
import { FLAG_OPTION_NAMES, flagDescriptions, flagName, type FlagOptionName } from "../fit/options/flags.js";
import type { JobsFeed } from "../jobs/feed/feed.js";
import type { RequestHandler } from "../jobs/feed/handlers/types.js";
import type { FitJobCatalog, FitJobField, FitJobOrder } from "../schema/jobs.js";
import { prepareFitJob, submitFitJob } from "./fit-job.js";
import { jobFlagOptions, parseFitArgs, resourceFlags } from "./options.js";
import { readUserText } from "../util/read-text.js";

/** What a fit job can be given, for the form. */
export function fitJobCatalog(): FitJobCatalog {
  const taken = new Set<string>(jobFlagOptions());
  const options: FitJobField[] = flagDescriptions()
    .filter((d) => taken.has(d.name))
    .map((d) => ({
      name: d.name,
      kind: d.kind === "value" ? "text" : d.kind,
      expected: d.expected,
      ...(d.values ? { values: [...d.values] } : {}),
      help: d.help,
      // A method whose range pins the value (a sampler's one start) gets no field for it.
      methods: d.methods.filter((m) => choosableBy(FIT_OPTIONS[d.name] as OptionSpec, m)),
      defaults: { ...d.defaults },
    }));
  const resources: FitJobField[] = resourceFlags().map((r) => ({
    name: r.name,
    kind: r.kind,
    expected: r.kind === "integer" ? "a positive integer" : "text sbatch accepts",
    help: r.help,
  }));
  return { version: 1, methods: [...FIT_METHODS], options, resources };
}

/** The flag of a form field: its option's flag (`max-time` for `maxTime`), or the field's name. */
function flagOfField(name: string): string {
  return (FLAG_OPTION_NAMES as readonly string[]).includes(name) ? flagName(name as FlagOptionName) : name;
}

/**
 * The words of the `%%fit` line an order stands for (empty fields left out). The form's option
 * fields are named as the options are; each is written with its flag.
 */
export function orderArgs(order: FitJobOrder): string[] {
  const args = [`--fit=${order.method}`];
  for (const [name, text] of Object.entries(order.options)) {
    if (text.trim() !== "") args.push(`--${flagOfField(name)}=${text.trim()}`);
  }
  for (const [name, text] of Object.entries(order.resources)) {
    if (text.trim() !== "") args.push(`--${name}=${text.trim()}`);
  }
  if (order.dir !== undefined && order.dir.trim() !== "") args.push(`--dir=${order.dir.trim()}`);
  return args;
}

/**
 * Prepares the ordered job as `%%fit` would (the model file's text is the cell, and its folder is
 * where its data files are) and submits it, or with `dryRun` answers its batch script and removes
 * the directory again.
 * @throws UserError for a bad field, a model file that cannot be read or is no model
 */
export async function orderFitJob(
  order: FitJobOrder,
  dryRun: boolean,
): Promise<{ dir: string; script: string; jobIds: string[] }> {
  const request = parseFitArgs(orderArgs(order));
  const modelFile = resolve(order.modelFile);
  const body = readUserText(modelFile, `the model file ${order.modelFile}`);
  const prepared = await prepareFitJob(request, body, {}, dirname(modelFile));
  if (dryRun) {
    rmSync(prepared.dir, { recursive: true, force: true });
    return { dir: prepared.dir, script: prepared.script, jobIds: [] };
  }
  const job = await submitFitJob(prepared.dir);
  return { dir: prepared.dir, script: prepared.script, jobIds: [job.id] };
}

/** `fitJobCatalog`: what the form may offer. */
export const handleFitJobCatalog: RequestHandler<"fitJobCatalog"> = async (m, from, feed) => {
  feed.send(from, { type: "fitJobCatalog", version: 1, requestId: m.requestId, catalog: fitJobCatalog() });
};

/** `fitJob`: prepares (and unless a dry run, submits) the ordered job; every panel sees it at once. */
export const handleFitJob: RequestHandler<"fitJob"> = async (m, from, feed) => {
  const { dir, script, jobIds } = await orderFitJob(m.order, m.dryRun);
  const jobs = jobIds.length > 0 ? await feed.backend().list({ ids: jobIds, states: "all" }) : [];
  feed.send(from, { type: "fitJob", version: 1, requestId: m.requestId, dir, script, jobs });
  if (jobIds.length > 0) feed.pollSoon();
};

/** Has `feed` answer the Jobs panel's "New fit job" form. */
export function handleFitJobRequests(feed: JobsFeed): void {
  feed.handle("fitJobCatalog", handleFitJobCatalog);
  feed.handle("fitJob", handleFitJob);
}
