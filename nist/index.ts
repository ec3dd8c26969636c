export { parseNist, type NistDataset } from "./parse.js";
export { NIST_MODELS, nistProblem, type NistProblemOptions } from "./models.js";
export { PreciseLanczos } from "./precise-lanczos.js";
