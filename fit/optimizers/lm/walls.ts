/**
 * Walls: when the trust region shrinks to nothing against a region where the model is not finite,
 * the parameters whose own part of the last step crosses into it are held there, like variables
 * at a bound, and the run goes on with the others; when every parameter would be held, the run
 * ends unconverged, saying where.
 */
import { residualNorm } from "./residuals.js";
import type { LmState } from "./state.js";

/**
 * Probes which parameters' own part of the last (tiny) step `wa` crosses into the non-finite
 * region and holds them (`wall`); true when some were found and others are left to move, the
 * trust region then reset for them.
 */
export function holdWalls(s: LmState): boolean {
  const { n, x, wa, wall, xext, fext } = s;
  let found = 0;
  for (let j = 0; j < n; j++) {
    if (wall[j] || wa[j] === 0) continue;
    xext.set(x);
    xext[j] = x[j] + wa[j];
    s.spent.walls++;
    if (residualNorm(s, xext, fext) === Infinity) {
      wall[j] = 1;
      found++;
    }
  }
  if (found > 0 && s.walls + found < n) {
    s.walls += found;
    s.par = 0;
    s.delta = s.factor * s.xnorm || s.factor;
    return true;
  }
  return false;
}
