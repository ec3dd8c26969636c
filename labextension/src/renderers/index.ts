export { rendererFactories } from "./factories.js";
export { FitRenderer, FIT_MIME_TYPE } from "./fit-renderer.js";
export { fitFigure } from "./fit-figure.js";
export { McmcRenderer, MCMC_MIME_TYPE, MCMC_TABS } from "./mcmc-renderer.js";
export { JobsRenderer, JOBS_MIME_TYPE } from "./jobs-renderer.js";
