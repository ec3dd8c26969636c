// Counts a problem's model evaluations in a test: every call of its residuals and of its nllf
// (each evaluates the model once), as bench/nist-speed.mjs counts them against scipy's calls.
import type { Problem } from "../../fit/types.js";

/** Wraps `problem`'s residuals and nllf in place; the returned function reads the count so far. */
export function countEvaluations(problem: Problem): () => number {
  let count = 0;
  const residuals = problem.residuals.bind(problem);
  problem.residuals = (x, out) => {
    count++;
    return residuals(x, out);
  };
  const nllf = problem.nllf.bind(problem);
  problem.nllf = (x) => {
    count++;
    return nllf(x);
  };
  return () => count;
}
