// Population samplers (DREAM, SMC) and how they evaluate populations.
export { runDream, dreamSettings, type DreamOptions, type DreamRun, type DreamGenerationView } from "./dream.js";
export { DreamState, type DreamCheckpoint, type DreamShape } from "./dream-state.js";
export { CrossoverAdaptation, type CrossoverRecord } from "./dream-crossover.js";
export { OutlierRule, outlierInterval } from "./dream-outliers.js";
export { runSmc, type SmcOptions, type SmcRun } from "./smc.js";
export { SmcState, systematicResample, type InequalityConstraint, type SmcTarget, type TemperingLevel } from "./smc-state.js";
export { logNormalCdf } from "./normal-cdf.js";
export { StopCheck, type SamplerHooks, type SamplerReport } from "./stopping.js";
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
