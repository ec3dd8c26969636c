/**
 * The Jacobian's columns at x, as both ways of measuring it (one by one, or in a batch) fill them:
 * the problem's analytic Jacobian, a forward difference with its fallback to the other side where
 * the model is not finite, the kept forward column, and a column held when no side is finite.
 */
import type { LmState } from "./state.js";
import { finiteAt } from "./residuals.js";

/** The analytic Jacobian into fjac; false when there is none or it is not finite (then noted). */
export function analyticJacobian(s: LmState): boolean {
  const { m, n, x, fjac, unusable } = s;
  unusable.fill(0);
  s.analyticUsed = false;
  const analytic = s.problem.jacobian?.(x, s.jrow);
  if (analytic === undefined) return false;
  s.spent.analytic++;
  let bad = -1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const v = analytic[i * n + j];
      fjac[i + j * m] = v;
      if (bad < 0 && !Number.isFinite(v)) bad = i * n + j;
    }
  }
  if (bad < 0) {
    s.analyticUsed = true;
    return true;
  }
  // A model's derivative that is not finite where its values are: differentiate numerically.
  s.nonFinite.note("Jacobian", x, analytic[bad]);
  return false;
}

/** Column j of the Jacobian is not finite on either side: zeroed, its parameter held for the iteration. */
export function holdColumn(s: LmState, j: number): void {
  s.unusable[j] = 1;
  s.fjac.fill(0, j * s.m, (j + 1) * s.m);
}

/** Ends a finite-difference Jacobian: the problem back at x; returns the number of columns held. */
export function jacobianDone(s: LmState): number {
  s.problem.setValues(s.x);
  let count = 0;
  for (let j = 0; j < s.n; j++) count += s.unusable[j];
  return count;
}

/** Column j of the forward Jacobian kept in jkeep at x (see `forwardKept`) into fjac, at no evaluation. */
export function keptColumn(s: LmState, j: number): boolean {
  const m = s.m;
  s.fjac.set(s.jkeep.subarray(j * m, (j + 1) * m), j * m);
  return true;
}

/** A forward difference in x[j], towards the inside of the box, else the other way; false when neither side is finite. */
export function forward(s: LmState, j: number, h: number, firstAttempt = 0): boolean {
  const { m, x, xtrial, lower, upper, fjac, fwork, fvec } = s;
  // Step ∝ √ε; towards the inside of the box when the bound is near.
  const xj = x[j];
  const col = j * m;
  const first = xj + h <= upper[j] ? h : -h;
  for (let attempt = firstAttempt; attempt < 2; attempt++) {
    const step = attempt === 0 ? first : -first;
    const v = xj + step;
    if (!(v >= lower[j] && v <= upper[j])) continue;
    xtrial[j] = v;
    const hh = xtrial[j] - xj;
    s.spent.forward++;
    s.problem.residuals(xtrial, fwork);
    const finite = finiteAt(s, fwork, xtrial);
    xtrial[j] = xj;
    if (!finite) continue;
    for (let i = 0; i < m; i++) fjac[col + i] = (fwork[i] - fvec[i]) / hh;
    return true;
  }
  return false;
}
