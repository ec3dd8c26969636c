export { Random } from "./random.js";
export type { Problem, FitOptions, Monitor, ParameterEstimate } from "./types.js";
