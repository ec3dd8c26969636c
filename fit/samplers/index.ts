// Population samplers (DREAM, SMC) and how they evaluate populations.
export { runDream, dreamSettings, type DreamOptions, type DreamRun, type SamplerHooks, type SamplerReport } from "./dream.js";
export { runSmc, systematicResample, logNormalCdf, type SmcOptions, type SmcRun, type InequalityConstraint } from "./smc.js";
export { dream as dreamMethod, smc as smcMethod } from "./methods.js";
export { SampledFitResult, sampledResult, isSampledResult } from "./sampled-result.js";
export { regionProblem } from "./region.js";
export {
  SerialEvaluator,
  evaluatorFor,
  setParallelEvaluatorFactory,
  type PopulationEvaluator,
  type EvaluationOptions,
  type ParallelEvaluatorFactory,
} from "./evaluator.js";
export { INIT_METHODS, initialPopulation, type InitMethod } from "./initial-population.js";
