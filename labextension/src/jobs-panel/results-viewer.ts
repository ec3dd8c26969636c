import type { Contents } from "@jupyterlab/services";
import { MimeModel } from "@jupyterlab/rendermime";
import { Panel } from "@lumino/widgets";
import type { JobRow } from "../../../schema/jobs.js";
import { FitRenderer, FIT_MIME_TYPE } from "../renderers/fit-renderer.js";
import { McmcRenderer, MCMC_MIME_TYPE } from "../renderers/mcmc-renderer.js";
import { element } from "../renderers/bundle-renderer.js";

/** A result file found for a job: its path and the bundles it holds. */
export interface JobResult {
  path: string;
  fit: unknown;
  mcmc: unknown;
}

/**
 * Finds the result store files (`<name>.json` holding the result's `fit` and/or `mcmc` bundles,
 * DESIGN.md "Files on disk") in a job's directory and one level below, preferring those whose path names
 * the job id (the form's script stores into `<dir>/<name>-<jobid>/`).
 */
export async function findJobResults(contents: Contents.IManager, directory: string, job: JobRow): Promise<JobResult[]> {
  const found: JobResult[] = [];
  const visit = async (path: string, depth: number): Promise<void> => {
    let listing: Contents.IModel;
    try {
      listing = await contents.get(path, { content: true });
    } catch {
      return;
    }
    for (const item of (listing.content ?? []) as Contents.IModel[]) {
      if (item.type === "directory" && depth > 0) await visit(item.path, depth - 1);
      else if (item.type === "file" && item.name.endsWith(".json")) {
        try {
          const file = await contents.get(item.path, { content: true, format: "text" });
          const parsed = JSON.parse(String(file.content)) as Record<string, unknown>;
          // fit/node/store.ts writes `{ kind: "hpcfit.result", result: { ..., fit, mcmc } }`.
          const data = (parsed.kind === "hpcfit.result" && typeof parsed.result === "object" && parsed.result !== null ? parsed.result : parsed) as Record<string, unknown>;
          if (data.fit !== undefined || data.mcmc !== undefined) found.push({ path: item.path, fit: data.fit, mcmc: data.mcmc });
        } catch {
          // Not JSON we can read: not a result file.
        }
      }
    }
  };
  await visit(directory, 2);
  const mine = found.filter((r) => r.path.includes(`-${job.jobId}`) || r.path.includes(`-${job.id}`));
  return mine.length > 0 ? mine : found;
}

/** A main-area view drawing a finished fit's stored results with the same renderers as outputs. */
export class ResultsViewer extends Panel {
  /** Draws every result file found for `job`. */
  constructor(job: JobRow, results: JobResult[]) {
    super();
    this.id = `hpcfit-results-${job.id}`;
    this.addClass("jp-hpcfit-results-viewer");
    this.title.label = `Results of ${job.id}`;
    this.title.closable = true;
    for (const result of results) {
      const heading = new Panel();
      heading.node.append(element("h3", undefined, result.path));
      this.addWidget(heading);
      if (result.fit !== undefined) this.addRenderer(new FitRenderer({ mimeType: FIT_MIME_TYPE, sanitizer: { sanitize: (s) => s }, resolver: null, linkHandler: null, latexTypesetter: null }), FIT_MIME_TYPE, result.fit);
      if (result.mcmc !== undefined) this.addRenderer(new McmcRenderer({ mimeType: MCMC_MIME_TYPE, sanitizer: { sanitize: (s) => s }, resolver: null, linkHandler: null, latexTypesetter: null }), MCMC_MIME_TYPE, result.mcmc);
    }
  }

  private addRenderer(renderer: FitRenderer | McmcRenderer, mimeType: string, data: unknown): void {
    this.addWidget(renderer);
    void renderer.renderModel(new MimeModel({ data: { [mimeType]: data as never }, trusted: true }));
  }
}
