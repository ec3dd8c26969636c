/**
 * Gradient of an objective by finite differences that never leave the bounds (the problems return
 * +Infinity outside them).
 *
 * Central differences with Richardson extrapolation (L. F. Richardson, Phil. Trans. R. Soc. A 210
 * (1911) 307–357): D(h) = (f(u+h) − f(u−h)) / 2h has error c·h² + O(h⁴), so
 * (4·D(h/2) − D(h)) / 3 is accurate to O(h⁴). Plain central differences are not enough here:
 * near the optimum of a least-squares problem with small residuals (NIST's Lanczos problems)
 * the h² term, driven by the curvature of the model rather than by the residuals, swamps the
 * gradient along the valley and quasi-Newton stalls short of the minimum. The step
 * h = eps^(1/3)·max(|u|, 1) is the usual central-difference choice (Nocedal & Wright, Numerical
 * Optimization, 2nd ed., §8.1). Next to a bound the one-sided second-order formula
 * (−3 f(u) + 4 f(u+h) − f(u+2h)) / 2h, pointing into the box, is extrapolated the same way.
 */
import type { SearchSpace } from "./search-space.js";

const CBRT_EPS = Math.cbrt(Number.EPSILON);

/**
 * Writes the gradient of `space.value` at `u` (where it equals `f0`) into `grad`: 4 evaluations
 * per parameter. A component that is not finite (the objective is not, on one side of `u`) is
 * set to 0, which holds that parameter where the model stops being finite, and counted.
 * @param space the objective and its bounds
 * @param u the point (unit coordinates); restored on return
 * @param f0 the objective at `u`
 * @param grad output, length n
 * @returns the number of components that were not finite
 */
export function finiteGradient(space: SearchSpace, u: Float64Array, f0: number, grad: Float64Array): number {
  let unusable = 0;
  for (let i = 0; i < space.n; i++) {
    const ui = u[i];
    const h = CBRT_EPS * Math.max(Math.abs(ui), 1);
    const up = ui + h <= space.upper[i];
    const down = ui - h >= space.lower[i];
    const at = (offset: number): number => {
      u[i] = ui + offset;
      return space.value(u);
    };
    const oneSided = (s: number): number => {
      const f1 = at(s / 2);
      const f2 = at(s);
      const f4 = at(2 * s);
      const coarse = (-3 * f0 + 4 * f2 - f4) / (2 * s);
      const fine = (-3 * f0 + 4 * f1 - f2) / s;
      return (4 * fine - coarse) / 3;
    };
    let g: number;
    if (up && down) {
      const fp = at(h);
      const fm = at(-h);
      const fp2 = at(h / 2);
      const fm2 = at(-h / 2);
      const coarse = (fp - fm) / (2 * h);
      const fine = (fp2 - fm2) / h;
      g = (4 * fine - coarse) / 3;
    } else {
      g = oneSided(up ? h : -h);
    }
    u[i] = ui;
    if (Number.isFinite(g)) grad[i] = g;
    else {
      grad[i] = 0;
      unusable++;
    }
  }
  return unusable;
}
