// MCMC draws, statistics and diagnostics.
export { McmcSamples, type McmcSamplesData, type McmcSummary, type OutlierReplacement } from "./samples.js";
export {
  parameterConvergence,
  rankRhat,
  effectiveSize,
  splitChains,
  basicRhat,
  RHAT_LIMIT,
  ESS_LIMIT,
  type ParameterConvergence,
} from "./convergence.js";
export { rankNormalize } from "./ranks.js";
export { normalQuantile, betaQuantile, incompleteBeta } from "./quantile-functions.js";
export { iqrOutliers } from "./outliers.js";
export { quantileSorted, meanStd, covariance, correlation, P68, P95 } from "./stats.js";
export { mcmcText, mcmcHtml, mcmcBundle, mcmcMime, statsTable, formatUncertainty, untilText, diagnosticsLine } from "./report.js";
export { formatBumpsState, parseBumpsState, type BumpsStateText, type BumpsStateMeta } from "./bumps-format.js";
export { fft, nextPow2 } from "./fft.js";
