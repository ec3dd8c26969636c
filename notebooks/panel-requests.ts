/**
 * The Jobs panel's "Run as Job…" form, answered in the kernel: a notebook's form (its parameters
 * from the same reader as `hpcfit run --help-notebook`, the backends and their partitions, the
 * remembered defaults), orders checked and previewed or submitted through job-order.ts (the
 * `hpcfit run --sbatch` / `hpcfit sweep --sbatch` path), and a finished sweep's summary.
 */
import { resolve } from "node:path";
import type { JobsFeed } from "../jobs/feed/feed.js";
import type { RequestHandler } from "../jobs/feed/handlers/types.js";
import { availableBackends, backend as currentBackend, backendOfKind } from "../jobs/api.js";
import { isTerminalState } from "../schema/jobs.js";
import type { NotebookJobForm, NotebookJobPartition } from "../schema/notebook-jobs.js";
import { UserError } from "../util/user-error.js";
import { rowFromOutput } from "./batch.js";
import { rememberedOrder } from "./form-defaults.js";
import { findNbconvert } from "./html-export.js";
import { notebookJobInfo } from "./job-info.js";
import { readManifest } from "./job-manifest.js";
import { checkOrder, submitOrder } from "./job-order.js";
import { defaultOutputParent, defaultRunName } from "./run-names.js";
import { readNotebook } from "./notebook.js";
import { parameterFields } from "./parameter-form.js";
import { writeSummary } from "./sweep.js";

/** What the form shows for `notebook`. */
export async function notebookJobForm(notebook: string): Promise<NotebookJobForm> {
  const input = resolve(notebook);
  const fields = parameterFields(readNotebook(input));
  const backends = availableBackends();
  const partitions: NotebookJobForm["partitions"] = {};
  for (const kind of backends) {
    try {
      partitions[kind] = (await backendOfKind(kind).partitions()).map((p): NotebookJobPartition => ({
        name: p.name,
        default: p.default,
        timeLimit: p.timeLimit,
      }));
    } catch {
      // A scheduler that does not answer now offers no list; the partition stays free text.
    }
  }
  return {
    version: 1,
    notebook: input,
    hasParametersCell: fields !== null,
    parameters: fields ?? [],
    backends,
    backend: currentBackend().kind,
    partitions,
    defaultName: defaultRunName(input),
    defaultOutputParent: defaultOutputParent(input),
    htmlAvailable: findNbconvert() !== null,
    remembered: rememberedOrder(input),
  };
}

/**
 * Writes the summary of the finished sweep `id` (its array job id): one row per run, read from
 * its output notebook, into `<run folder>/<notebook stem>-summary.csv` and `.ipynb`.
 * @throws UserError when `id` is no sweep, or some of its runs have not ended
 */
export async function summariseSweep(id: string): Promise<{ csv: string; notebook: string }> {
  const rows = await currentBackend().list({ ids: [id], states: "all" });
  const first = rows[0];
  if (first === undefined) throw new UserError(`no such job: ${id}`);
  const arrayId = first.arrayJobId !== null ? String(first.arrayJobId) : first.id;
  const manifest = readManifest(first.directory, arrayId);
  if (manifest === null || manifest.kind !== "sweep") throw new UserError(`job ${id} is not a notebook sweep`);
  const open = rows.filter((r) => !isTerminalState(r.state)).length;
  if (open > 0) throw new UserError(`the sweep ${id} still has ${open} run${open > 1 ? "s" : ""} pending or running`);
  const tasks = new Map(rows.map((r) => [r.id, r]));
  const summaryRows = manifest.outputs.map((output, i) =>
    rowFromOutput(output, manifest.parameters[i] ?? {}, `${arrayId}_${i}`, tasks.get(`${arrayId}_${i}`)),
  );
  return writeSummary(summaryRows, manifest.input, manifest.runDir);
}

/** `notebookForm`: the form of one notebook. */
export const handleNotebookForm: RequestHandler<"notebookForm"> = async (m, from, feed) => {
  feed.send(from, { type: "notebookForm", version: 1, requestId: m.requestId, form: await notebookJobForm(m.notebook) });
};

/** `notebookJob`: checks an order (dry run: and previews its script) or submits it; every panel sees the job at once. */
export const handleNotebookJob: RequestHandler<"notebookJob"> = async (m, from, feed) => {
  if (m.dryRun) {
    feed.send(from, { type: "notebookJob", version: 1, requestId: m.requestId, ...(await checkOrder(m.order)), jobs: [] });
    return;
  }
  const { job, ...answer } = await submitOrder(m.order);
  const jobs = job ? await feed.backend().list({ ids: [job.id], states: "all" }) : [];
  feed.send(from, { type: "notebookJob", version: 1, requestId: m.requestId, ...answer, jobs });
  if (job) feed.pollSoon();
};

/** `notebookSummary`: writes a finished sweep's summary and answers where it is. */
export const handleNotebookSummary: RequestHandler<"notebookSummary"> = async (m, from, feed) => {
  feed.send(from, { type: "notebookSummary", version: 1, requestId: m.requestId, ...(await summariseSweep(m.id)) });
};

/** Has `feed` answer the "Run as Job…" form. */
export function handleNotebookJobRequests(feed: JobsFeed): void {
  feed.handle("notebookForm", handleNotebookForm);
  feed.handle("notebookJob", handleNotebookJob);
  feed.handle("notebookSummary", handleNotebookSummary);
}

/** What the feed adds to a notebook job's row (see job-info.ts). */
export { notebookJobInfo };
