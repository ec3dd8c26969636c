/**
 * A problem with parameters and bounds but no data: its posterior is the prior (uniform within
 * the bounds). With SMC's `constraints` option it samples a region defined only by inequality
 * constraints, such as a composition domain.
 */
import type { Random } from "../random.js";
import type { Problem } from "../types.js";

/** A data-free problem over the box `[lower, upper]` (finite bounds required). */
export function regionProblem(labels: string[], lower: ArrayLike<number>, upper: ArrayLike<number>): Problem {
  const p = labels.length;
  if (lower.length !== p || upper.length !== p)
    throw new Error(`regionProblem: ${p} labels but ${lower.length} lower and ${upper.length} upper bounds`);
  const lo = Float64Array.from(lower);
  const hi = Float64Array.from(upper);
  for (let k = 0; k < p; k++)
    if (!(Number.isFinite(lo[k]) && Number.isFinite(hi[k]) && hi[k] > lo[k]))
      throw new RangeError(`regionProblem: parameter ${labels[k]} needs finite bounds lower < upper, got [${lo[k]}, ${hi[k]}]`);
  let values = new Float64Array(p);
  for (let k = 0; k < p; k++) values[k] = 0.5 * (lo[k] + hi[k]);
  let logVolume = 0;
  for (let k = 0; k < p; k++) logVolume += Math.log(hi[k] - lo[k]);
  const inside = (x: ArrayLike<number>): boolean => {
    for (let k = 0; k < p; k++) if (!(x[k] >= lo[k] && x[k] <= hi[k])) return false;
    return true;
  };
  return {
    labels: () => labels.slice(),
    getValues: () => values.slice(),
    setValues: (x) => {
      values = Float64Array.from(x);
    },
    bounds: () => ({ lower: lo.slice(), upper: hi.slice() }),
    nllf: (x = values) => (inside(x) ? logVolume : Infinity),
    priorNllf: (x) => (inside(x) ? logVolume : Infinity),
    residualCount: () => 0,
    residuals: () => new Float64Array(0),
    randomPoint: (rng: Random, out = new Float64Array(p)) => {
      for (let k = 0; k < p; k++) out[k] = rng.between(lo[k], hi[k]);
      return out;
    },
    hasUncertainties: () => false,
    pointCount: () => 0,
  };
}
