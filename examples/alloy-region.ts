// Sampling a region defined only by inequality constraints: the 4-component alloy compositions
// x in the unit cube with
//   1 - x0 - x1 - x2 - x3 >= 0,  0.1 <= x3/(x0+x1) <= 0.15,  x2 >= 0.5,  x0 + x1/(x0+x1+x3) >= 0.8.
// SMC softens each constraint g(x) >= 0 to Phi(tau g(x)) and tempers tau upwards (Golchi &
// Loeppky 2015), then keeps only compositions inside the region.
// In a notebook: `const { sampleAlloyRegion } = await import("./alloy-region.ts")`, then
// `await sampleAlloyRegion(1000)` shows the draws' statistics and the MCMC plots.
import { fit, regionProblem, type InequalityConstraint } from "hpcfit";

/** The five constraints, each satisfied where it is >= 0. */
export const alloyConstraints: InequalityConstraint[] = [
  (x) => 1 - x[0] - x[1] - x[2] - x[3],
  (x) => x[3] / (x[0] + x[1]) - 0.1,
  (x) => 0.15 - x[3] / (x[0] + x[1]),
  (x) => x[2] - 0.5,
  (x) => x[0] + x[1] / (x[0] + x[1] + x[3]) - 0.8,
];

/** The four components' fractions. */
const COMPONENTS = ["x0", "x1", "x2", "x3"];

/** The data-free problem over the unit cube: each fraction between 0 and 1. */
export const problem = regionProblem(
  COMPONENTS,
  COMPONENTS.map(() => 0),
  COMPONENTS.map(() => 1),
);

/** Draws `particles` compositions uniformly from the region; returns the SMC result. */
export function sampleAlloyRegion(particles = 1000, seed = 1) {
  return fit(problem, { method: "smc", constraints: alloyConstraints, particles, seed });
}
