/**
 * The box: a trial point is the LM step's end projected onto the bounds (held parameters stay),
 * and the predicted reduction is computed for the projected step.
 */
import type { LmState } from "./state.js";

/**
 * The trial point x − `from` projected onto the box (held parameters stay) into `to`, the step
 * actually taken into `actual` and its scaled form D·step into `scaled`; true when a bound cut it.
 */
export function project(s: LmState, from: Float64Array, to: Float64Array, actual: Float64Array, scaled: Float64Array): boolean {
  const { n, x, held, lower, upper, diag } = s;
  let cut = false;
  for (let j = 0; j < n; j++) {
    let v = x[j] - from[j];
    if (held[j]) v = x[j];
    if (v < lower[j]) {
      v = lower[j];
      cut = true;
    } else if (v > upper[j]) {
      v = upper[j];
      cut = true;
    }
    to[j] = v;
    actual[j] = v - x[j];
    scaled[j] = diag[j] * actual[j];
  }
  return cut;
}
