export { lm, levenbergMarquardt, lmOwnsStart, type LmEvaluations, type LmOptions, type LmOutcome } from "./run.js";
