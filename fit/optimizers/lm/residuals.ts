/** The residuals of one point and their norm, with the points where they are not finite noted. */
import { norm2 } from "../../linalg/qr.js";
import { firstNonFinite } from "../../non-finite.js";
import type { LmState } from "./state.js";

/** The residuals at `at` into `out`; returns ‖out‖ (see {@link normOf}). */
export function residualNorm(s: LmState, at: Float64Array, out: Float64Array): number {
  s.problem.residuals(at, out);
  return normOf(s, at, out);
}

/** ‖out‖ for the residuals `out` at `at`, or Infinity (the point noted) when they are not finite. */
export function normOf(s: LmState, at: Float64Array, out: Float64Array): number {
  const v = norm2(out, 0, s.m);
  if (Number.isFinite(v)) return v;
  const k = firstNonFinite(out, s.m);
  s.nonFinite.note("residuals", at, k >= 0 ? out[k] : v);
  return Infinity;
}

/** Whether `f[0..m)` is finite; notes the point `at` when not. */
export function finiteAt(s: LmState, f: Float64Array, at: Float64Array): boolean {
  const k = firstNonFinite(f, s.m);
  if (k < 0) return true;
  s.nonFinite.note("residuals", at, f[k]);
  return false;
}
