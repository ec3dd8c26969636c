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
 * Reads the stored result file `path` (a server path) of a job: `<name>.json` holding the
 * result's `fit` and/or `mcmc` bundles (fit/node/store.ts writes `{ kind: "hpcfit.result", result }`).
 * @throws Error when the file cannot be read or holds no fit result
 */
export async function readJobResult(contents: Contents.IManager, path: string): Promise<JobResult> {
  const file = await contents.get(path, { content: true, format: "text" });
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(String(file.content)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const data = (
    parsed.kind === "hpcfit.result" && typeof parsed.result === "object" && parsed.result !== null ? parsed.result : parsed
  ) as Record<string, unknown>;
  if (data.fit === undefined && data.mcmc === undefined) throw new Error(`${path} holds no fit result`);
  return { path, fit: data.fit, mcmc: data.mcmc };
}

/** A main-area view drawing a finished fit's stored results with the same renderers as outputs. */
export class ResultsViewer extends Panel {
  /** Draws `job`'s result files. */
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
      if (result.fit !== undefined)
        this.addRenderer(
          new FitRenderer({
            mimeType: FIT_MIME_TYPE,
            sanitizer: { sanitize: (s) => s },
            resolver: null,
            linkHandler: null,
            latexTypesetter: null,
          }),
          FIT_MIME_TYPE,
          result.fit,
        );
      if (result.mcmc !== undefined)
        this.addRenderer(
          new McmcRenderer({
            mimeType: MCMC_MIME_TYPE,
            sanitizer: { sanitize: (s) => s },
            resolver: null,
            linkHandler: null,
            latexTypesetter: null,
          }),
          MCMC_MIME_TYPE,
          result.mcmc,
        );
    }
  }

  private addRenderer(renderer: FitRenderer | McmcRenderer, mimeType: string, data: unknown): void {
    this.addWidget(renderer);
    void renderer.renderModel(new MimeModel({ data: { [mimeType]: data as never }, trusted: true }));
  }
}
