// NIST StRD problems whose every model evaluation (residual vector or nllf) sleeps a fixed time
// without using a CPU (Atomics.wait), standing in for an expensive model. bench/lm-expensive.mjs writes one
// model file per problem that calls makeSlowNistProblem; worker threads load that file and sleep
// the same way.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
// The compiled engine: every worker thread loads this file, and compiling the TypeScript sources
// there would cost seconds per worker.
import { nistProblem, parseNist } from "../dist/nist/index.js";

/** NIST problem `name` from `start` (1 or 2), its residuals and nllf sleeping `sleepMs` per call. */
export function makeSlowNistProblem(name: string, start: 1 | 2, sleepMs = 5): ReturnType<typeof nistProblem> {
  const file = fileURLToPath(new URL(`../test/fixtures/nist/${name}.dat`, import.meta.url));
  const problem = nistProblem(parseNist(readFileSync(file, "utf8"), name), start);
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const residuals = problem.residuals.bind(problem);
  problem.residuals = (x, out) => {
    Atomics.wait(cell, 0, 0, sleepMs);
    return residuals(x, out);
  };
  // fit() evaluates the nllf where it cannot use residuals (a start whose residuals are not finite;
  // a result whose nllf is not read off them): the model's cost, paid there too.
  const nllf = problem.nllf.bind(problem);
  problem.nllf = (x) => {
    Atomics.wait(cell, 0, 0, sleepMs);
    return nllf(x);
  };
  return problem;
}
