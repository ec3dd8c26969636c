export { parseNist, type NistDataset } from "./parse.js";
export { NIST_MODELS, nistProblem } from "./models.js";
