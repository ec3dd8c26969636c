export { lm, levenbergMarquardt, lmOwnsStart } from "./method.js";
export type { LmEvaluations, LmOptions, LmOutcome } from "./types.js";
