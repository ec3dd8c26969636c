/**
 * Where the finite differences are taken: the steps of forward and central differences, the
 * points of a Jacobian's differences, and a central column from its two sides.
 */
import type { LmState } from "./state.js";

/**
 * The relative step of a central difference, in a column or along the direction of largest
 * forward bias (see `biasDirection`): ε^(1/3) balances the O(h²) truncation error against rounding.
 */
export const CENTRAL_STEP = 6.0554544523933395e-6;

/** The forward-difference step for a parameter at `x`: sqrt(EPS) relative (absolute at zero). */
export function forwardStep(x: number): number {
  return 1.4901161193847656e-8 * (x !== 0 ? Math.abs(x) : 1);
}

/**
 * Writes a central-difference Jacobian column into `column` from the residuals `up` at +hp and
 * `down` at −hm; where only one side is finite (the model is not finite on the other), a
 * one-sided difference against `fvec` on that side. False when neither side is finite.
 */
export function centralColumn(
  column: Float64Array,
  fvec: Float64Array,
  up: Float64Array,
  upFinite: boolean,
  hp: number,
  down: Float64Array,
  downFinite: boolean,
  hm: number,
): boolean {
  const m = column.length;
  if (upFinite && downFinite) {
    for (let i = 0; i < m; i++) column[i] = (up[i] - down[i]) / (hp + hm);
    return true;
  }
  if (!upFinite && !downFinite) return false;
  const side = upFinite ? up : down;
  const h = upFinite ? hp : -hm;
  for (let i = 0; i < m; i++) column[i] = (side[i] - fvec[i]) / h;
  return true;
}

/**
 * The finite differences' points of the Jacobian at `at` (as `jacobian` evaluates them)
 * into `points` (row-major), their steps into `steps`; per parameter, its kind (0 none: no room
 * either way, the serial fallback decides; 1 central, two points; 2 forward) into `kind` and its
 * first point's row into `first`. Returns the number of points. `columns` flags the columns
 * differenced centrally (none when undefined; by default those of the central phase, once on).
 * With `kept`, the other columns are those of the forward Jacobian kept in jkeep (kind 3, no point).
 */
export function jacobianPoints(
  s: LmState,
  at: Float64Array,
  points: Float64Array,
  kind: Int8Array,
  steps: Float64Array,
  first: Int32Array,
  columns: Uint8Array | undefined = s.columnsInUse(),
  kept = false,
): number {
  const { n, lower, upper } = s;
  let count = 0;
  for (let j = 0; j < n; j++) {
    const xj = at[j];
    first[j] = count;
    kind[j] = 0;
    if (columns !== undefined && columns[j]) {
      const h = CENTRAL_STEP * (xj !== 0 ? Math.abs(xj) : 1);
      if (xj + h <= upper[j] && xj - h >= lower[j]) {
        kind[j] = 1;
        for (const sign of [1, -1]) {
          const row = points.subarray(count * n, count * n + n);
          row.set(at);
          row[j] = sign > 0 ? xj + h : xj - h;
          steps[count] = sign > 0 ? row[j] - xj : xj - row[j];
          count++;
        }
        continue;
      }
    }
    if (kept) {
      kind[j] = 3;
      continue;
    }
    const h = s.curvature.step(j, xj);
    const v = xj + (xj + h <= upper[j] ? h : -h);
    if (!(v >= lower[j] && v <= upper[j])) continue;
    kind[j] = 2;
    const row = points.subarray(count * n, count * n + n);
    row.set(at);
    row[j] = v;
    steps[count] = row[j] - xj;
    count++;
  }
  return count;
}
