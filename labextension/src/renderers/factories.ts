import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { FIT_MIME_TYPE, FitRenderer } from "./fit-renderer.js";
import { JOBS_MIME_TYPE, JobsRenderer } from "./jobs-renderer.js";
import { MCMC_MIME_TYPE, McmcRenderer } from "./mcmc-renderer.js";

// Low ranks: preferred over the text/html and image/png fallbacks sent (and stored) beside our
// data. A sampler's output carries both the mcmc and the fit bundle; the MCMC view wins and shows
// the fit in its "Best fit" tab.
const RANK = { mcmc: 0, jobs: 0, fit: 1 };

/** Renderer factories of the three hpcfit MIME types. */
export const rendererFactories: IRenderMime.IRendererFactory[] = [
  { safe: true, mimeTypes: [FIT_MIME_TYPE], defaultRank: RANK.fit, createRenderer: (options) => new FitRenderer(options) },
  { safe: true, mimeTypes: [MCMC_MIME_TYPE], defaultRank: RANK.mcmc, createRenderer: (options) => new McmcRenderer(options) },
  { safe: true, mimeTypes: [JOBS_MIME_TYPE], defaultRank: RANK.jobs, createRenderer: (options) => new JobsRenderer(options) },
];
