/**
 * `newton`: quasi-Newton minimisation (BFGS) within bounds.
 *
 * BFGS update of the inverse Hessian, J. Nocedal and S. J. Wright, Numerical Optimization, 2nd
 * ed., Springer 2006, ch. 6 (eq. 6.17, with the initial scaling of eq. 6.20 after the first step).
 * Bounds by a projected active-set scheme in the spirit of L-BFGS-B (Byrd, Lu, Nocedal & Zhu,
 * SIAM J. Sci. Comput. 16 (1995) 1190–1208): a parameter at a bound whose gradient points out of
 * the box is held there, the quasi-Newton step acts on the others, and the trial point is
 * projected back into the box; a backtracking line search enforces the Armijo condition along
 * the projected path (Bertsekas, "Projected Newton methods", SIAM J. Control Optim. 20 (1982)).
 * Gradients come from {@link finiteGradient}, or from the problem's analytic Jacobian (`Jᵀr`)
 * when it agrees with them at the start. The search runs in the unit coordinates of
 * {@link SearchSpace}, which makes the identity a sensible first Hessian guess.
 *
 * Points where the model is NaN or ±Infinity count as +Infinity: the line search backtracks from
 * them and the gradient is taken on the finite side. A search that can move nowhere finite ends
 * unconverged, or throws a {@link NonFiniteError} when it never left the start.
 */
import { nothingFinite, rejectedNote } from "../non-finite.js";
import type { Problem } from "../types.js";
import { finiteGradient } from "./finite-gradient.js";
import { readOption } from "../options/check.js";
import type { MethodOptions } from "../options/types.js";
import { beginSearch, SearchSpace, type OptimizerOutcome, type SearchHooks } from "./search-space.js";
import { searchMethod } from "./search-method.js";

/** Options of {@link newton}: steps, ftol, xtol, maxStep (described in the fit options table). */
export type NewtonOptions = MethodOptions<"newton">;

/** Largest relative difference between the analytic and the finite-difference gradient for the analytic one to be used. */
const GRADIENT_AGREEMENT = 1e-6;

/**
 * Whether the analytic gradient at `u` (written into `work`) agrees with the finite-difference
 * gradient `g`, relative to the larger of their norms.
 */
function agrees(space: SearchSpace, u: Float64Array, g: Float64Array, work: Float64Array): boolean {
  if (!space.analyticGradient(u, work)) return false;
  let gap = 0;
  let size = 0;
  for (let j = 0; j < g.length; j++) {
    gap = Math.max(gap, Math.abs(work[j] - g[j]));
    size = Math.max(size, Math.abs(work[j]), Math.abs(g[j]));
  }
  return gap <= GRADIENT_AGREEMENT * size;
}

/** Armijo sufficient-decrease constant (Nocedal & Wright §3.1). */
const ARMIJO = 1e-4;
/** Halvings of the step before the line search gives up. */
const MAX_BACKTRACKS = 60;

/**
 * Minimises `problem.nllf` from `start` by projected BFGS within the problem's bounds.
 * @param problem the problem
 * @param start starting point (problem space; clipped into the bounds)
 * @param options steps and tolerances
 * @param hooks progress report (returning false stops the search) and event-loop breathing
 */
export async function newton(
  problem: Problem,
  start: ArrayLike<number>,
  options: NewtonOptions & Record<string, unknown> = {},
  hooks: SearchHooks = {},
): Promise<OptimizerOutcome> {
  const { report, breathe, space, n, steps, ftol, xtol } = beginSearch("newton", problem, start, options, hooks);
  const maxStep = readOption("newton", options, "maxStep");

  const u = space.clip(space.toUnit(start));
  let f = space.value(u);
  const g = new Float64Array(n);
  const gNew = new Float64Array(n);
  const d = new Float64Array(n);
  const trial = new Float64Array(n);
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  const hy = new Float64Array(n);
  const free = new Uint8Array(n);
  const H = new Float64Array(n * n);
  const shown = new Float64Array(n);
  const resetHessian = (): void => {
    H.fill(0);
    for (let i = 0; i < n; i++) H[i * n + i] = 1;
  };
  resetHessian();
  let identity = true; // H is (a multiple of) the identity: no curvature learnt yet
  let scaled = false; // the eq. 6.20 scaling has been applied since the last reset
  let unusable = finiteGradient(space, u, f, g);
  // Analytic derivatives give the gradient from here on when Jᵀr is the nllf's gradient at the
  // start (the finite-difference one just taken); a likelihood of its own keeps finite differences.
  const analytic = unusable === 0 && agrees(space, u, g, gNew);
  const gradient = (out: Float64Array): number =>
    analytic && space.analyticGradient(u, out) ? 0 : finiteGradient(space, u, f, out);

  let step = 0;
  let accepts = 0;
  let stalls = 0;
  let restarts = 0;
  let fRestart = f;
  let converged = false;
  let message: string;
  if (!Number.isFinite(f)) {
    return {
      x: space.toProblem(u),
      nllf: f,
      evaluations: space.evaluations,
      steps: 0,
      converged: false,
      message: "the objective is not finite at the starting point",
    };
  }
  for (;;) {
    if (step >= steps) {
      message = `step limit (${steps}) reached before convergence`;
      break;
    }
    // Active set: at a bound with the gradient pushing outwards.
    let pgMax = 0;
    for (let i = 0; i < n; i++) {
      const atLower = u[i] <= space.lower[i] && g[i] > 0;
      const atUpper = u[i] >= space.upper[i] && g[i] < 0;
      free[i] = atLower || atUpper ? 0 : 1;
      if (free[i]) pgMax = Math.max(pgMax, Math.abs(g[i]));
    }
    if (pgMax === 0 && unusable > 0 && accepts === 0 && !space.foundFiniteBeyondStart()) {
      throw nothingFinite("newton", problem, space.nonFinite, "around the start");
    }
    if (pgMax === 0) {
      converged = true;
      message = "converged: projected gradient is zero";
      break;
    }
    // d = -H_FF g_F
    let slope = 0;
    for (let i = 0; i < n; i++) {
      let v = 0;
      if (free[i]) for (let j = 0; j < n; j++) if (free[j]) v -= H[i * n + j] * g[j];
      d[i] = v;
      slope += v * g[i];
    }
    if (!(slope < 0)) {
      // Not a descent direction (the curvature model went wrong): steepest descent.
      resetHessian();
      identity = true;
      scaled = false;
      slope = 0;
      for (let i = 0; i < n; i++) {
        d[i] = free[i] ? -g[i] : 0;
        slope += d[i] * g[i];
      }
    }
    let t = 1;
    if (identity) {
      let dMax = 0;
      for (let i = 0; i < n; i++) dMax = Math.max(dMax, Math.abs(d[i]));
      if (dMax > maxStep) t = maxStep / dMax;
    }
    // Backtracking along the projected path.
    let fTrial = Infinity;
    let accepted = false;
    const nonFiniteBefore = space.nonFinite.count;
    let tries = 0;
    for (let k = 0; k < MAX_BACKTRACKS; k++) {
      tries++;
      let decrease = 0;
      for (let i = 0; i < n; i++) {
        trial[i] = u[i] + t * d[i];
      }
      space.clip(trial);
      for (let i = 0; i < n; i++) decrease += g[i] * (trial[i] - u[i]);
      fTrial = space.value(trial);
      if (fTrial <= f + ARMIJO * decrease && fTrial <= f) {
        accepted = true;
        break;
      }
      // Quadratic interpolation of the step, safeguarded to [0.1, 0.5] of the last one.
      const denom = 2 * (fTrial - f - t * slope);
      const tq = Number.isFinite(denom) && denom > 0 ? (-slope * t * t) / denom : 0.5 * t;
      t = Math.min(0.5 * t, Math.max(0.1 * t, tq));
    }
    step++;
    if (breathe) await breathe();
    if (!accepted) {
      if (identity && space.nonFinite.count - nonFiniteBefore === tries) {
        // Every trial point of the steepest-descent line search was not finite.
        if (accepts === 0 && !space.foundFiniteBeyondStart())
          throw nothingFinite("newton", problem, space.nonFinite, "along the steepest descent from the start");
        message = `the line search found only points where the model is not finite after ${step} steps`;
        break;
      }
      if (identity) {
        converged = true;
        message = "converged: no decrease along the steepest-descent direction (objective at its resolution)";
        break;
      }
      resetHessian();
      identity = true;
      scaled = false;
      continue;
    }
    let sMax = 0;
    for (let i = 0; i < n; i++) {
      s[i] = trial[i] - u[i];
      sMax = Math.max(sMax, Math.abs(s[i]));
    }
    const fOld = f;
    u.set(trial);
    f = fTrial;
    accepts++;
    unusable = gradient(gNew);
    if (!report(step, space.toProblem(u, shown), f)) {
      message = `stopped by the monitor after ${step} steps`;
      break;
    }
    let sy = 0;
    let yy = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      y[i] = gNew[i] - g[i];
      sy += s[i] * y[i];
      yy += y[i] * y[i];
      ss += s[i] * s[i];
    }
    g.set(gNew);
    // Curvature condition s'y > 0 (Nocedal & Wright eq. 6.7); skip the update otherwise.
    if (sy > 1e-12 * Math.sqrt(ss * yy)) {
      if (!scaled) {
        // eq. 6.20: H0 = (s'y / y'y) I before the first update
        const gamma = sy / yy;
        for (let i = 0; i < n; i++) H[i * n + i] = gamma;
        scaled = true;
      }
      const rho = 1 / sy;
      let yHy = 0;
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < n; j++) v += H[i * n + j] * y[j];
        hy[i] = v;
        yHy += y[i] * v;
      }
      const c = rho * rho * yHy + rho;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          H[i * n + j] += c * s[i] * s[j] - rho * (hy[i] * s[j] + s[i] * hy[j]);
        }
      }
      identity = false;
    }
    const relDecrease = (fOld - f) / Math.max(Math.abs(f), Number.MIN_VALUE);
    if (relDecrease <= ftol && sMax <= xtol) {
      stalls++;
      if (stalls >= 2) {
        // Stalled. On an ill-conditioned valley BFGS can crawl with a stale curvature model, so
        // restart from the identity and stop only when a whole restart gains nothing.
        if ((fRestart - f) / Math.max(Math.abs(f), Number.MIN_VALUE) <= ftol) {
          converged = true;
          message = `converged: relative decrease below ftol=${ftol} and step below xtol=${xtol} (${restarts} restarts)`;
          break;
        }
        restarts++;
        fRestart = f;
        stalls = 0;
        resetHessian();
        identity = true;
        scaled = false;
      }
    } else stalls = 0;
  }
  if (!converged && !message.startsWith("stopped")) message += rejectedNote(problem, space.nonFinite);
  else if (converged) message += space.edgeNote(u);
  return { x: space.toProblem(u), nllf: f, evaluations: space.evaluations, steps: step, converged, message };
}

/** The `newton` fit method: `fit(problem, { method: "newton" })`, `hpcfit fit --fit=newton`. */
export const newtonMethod = searchMethod(
  "newton",
  "quasi-Newton BFGS within bounds, finite-difference or analytic gradients",
  false,
  (problem, start, _rng, options, hooks) => newton(problem, start, options, hooks),
);
