import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { FIT_MIME_TYPE, FitRenderer } from "./fit-renderer.js";
import { JOBS_MIME_TYPE, JobsRenderer } from "./jobs-renderer.js";
import { MCMC_MIME_TYPE, McmcRenderer } from "./mcmc-renderer.js";

// Rank 0: preferred over the text/html and image/png fallbacks sent (and stored) beside our data.
const RANK = 0;

/** Renderer factories of the three hpcfit MIME types. */
export const rendererFactories: IRenderMime.IRendererFactory[] = [
  { safe: true, mimeTypes: [FIT_MIME_TYPE], defaultRank: RANK, createRenderer: (options) => new FitRenderer(options) },
  { safe: true, mimeTypes: [MCMC_MIME_TYPE], defaultRank: RANK, createRenderer: (options) => new McmcRenderer(options) },
  { safe: true, mimeTypes: [JOBS_MIME_TYPE], defaultRank: RANK, createRenderer: (options) => new JobsRenderer(options) },
];
