/**
 * `amoeba`: bounded Nelder–Mead simplex search with restarts, the default method for problems
 * that have an nllf but no residuals (as in bumps).
 *
 * Algorithm: J. A. Nelder and R. Mead, "A simplex method for function minimization", Computer
 * Journal 7 (1965) 308–313, in the ordering of Lagarias, Reeds, Wright and Wright, SIAM J. Optim.
 * 9 (1998) 112–147, with the dimension-adaptive coefficients of F. Gao and L. Han, "Implementing
 * the Nelder–Mead simplex algorithm with adaptive parameters", Comput. Optim. Appl. 51 (2012)
 * 259–277: reflection 1, expansion 1 + 2/n, contraction 0.75 − 1/(2n), shrink 1 − 1/n.
 *
 * The search runs in the unit coordinates of {@link SearchSpace}. A trial vertex outside the
 * bounds is reflected back across the bound it crossed, then clipped. Nelder–Mead can stall on a
 * collapsed simplex away from the minimum, so after convergence the search restarts from the best
 * vertex with a fresh simplex, until a restart no longer improves the objective (by ftol).
 *
 * A vertex where the model is NaN or ±Infinity counts as +Infinity, so the simplex contracts
 * away from it. A simplex that collapses with such vertices ends the search unconverged; when it
 * collapses onto the start without having found any other finite point, the search throws a
 * {@link NonFiniteError} naming the values and the model.
 *
 * The vertices of a new simplex and the points of a shrink are independent of each other: they
 * are evaluated as one batch (on worker threads with `parallel`), in the serial order.
 */
import { nothingFinite, rejectedNote } from "../non-finite.js";
import type { Problem } from "../types.js";
import { readOption } from "../options/check.js";
import type { MethodOptions } from "../options/types.js";
import { beginSearch, type OptimizerOutcome, type SearchHooks } from "./search-space.js";
import { searchMethod } from "./search-method.js";

/** Options of {@link amoeba}: steps, ftol, xtol, radius, restarts (described in the fit options table). */
export type AmoebaOptions = MethodOptions<"amoeba">;

/**
 * Minimises `problem.nllf` from `start` by Nelder–Mead within the problem's bounds.
 * @param problem the problem
 * @param start starting point (problem space; clipped into the bounds)
 * @param options steps, tolerances, simplex size, restarts
 * @param hooks progress report (returning false stops the search), event-loop breathing, and
 *   where batches of independent vertices are evaluated
 */
export async function amoeba(
  problem: Problem,
  start: ArrayLike<number>,
  options: AmoebaOptions & Record<string, unknown> = {},
  hooks: SearchHooks = {},
): Promise<OptimizerOutcome> {
  const { report, breathe, space, n, steps, ftol, xtol } = beginSearch("amoeba", problem, start, options, hooks);
  const radius = readOption("amoeba", options, "radius");
  const maxRestarts = readOption("amoeba", options, "restarts");

  // Gao & Han (2012) adaptive coefficients.
  const rho = 1;
  const chi = n > 1 ? 1 + 2 / n : 2;
  const gamma = n > 1 ? 0.75 - 1 / (2 * n) : 0.5;
  const sigma = n > 1 ? 1 - 1 / n : 0.5;

  const m = n + 1;
  const simplex = new Float64Array(m * n);
  const fv = new Float64Array(m);
  const order = new Int32Array(m);
  const centroid = new Float64Array(n);
  const xr = new Float64Array(n);
  const xe = new Float64Array(n);
  const xc = new Float64Array(n);
  // A batch of independent vertices (a new simplex's, a shrink's) and their objective values.
  const fresh = new Float64Array(n * n);
  const fFresh = new Float64Array(n);
  const evaluateFresh = (count: number): Promise<void> =>
    space.values(fresh, count, fFresh, hooks.evaluator, hooks.evaluatedElsewhere);
  const best = space.clip(space.toUnit(start));
  let fBest = space.value(best);
  const shown = new Float64Array(n);

  const trial = (from: Float64Array, coefficient: number, out: Float64Array): number => {
    // out = centroid + coefficient * (centroid - from), reflected back into the bounds
    for (let j = 0; j < n; j++) {
      let v = centroid[j] + coefficient * (centroid[j] - from[j]);
      if (v > space.upper[j]) v = 2 * space.upper[j] - v;
      if (v < space.lower[j]) v = 2 * space.lower[j] - v;
      out[j] = v < space.lower[j] ? space.lower[j] : v > space.upper[j] ? space.upper[j] : v;
    }
    return space.value(out);
  };
  const setVertex = (k: number, u: ArrayLike<number>, f: number): void => {
    for (let j = 0; j < n; j++) simplex[k * n + j] = u[j];
    fv[k] = f;
  };
  const vertex = (k: number): Float64Array => simplex.subarray(k * n, k * n + n);

  let step = 0;
  let restarts = 0;
  let converged = false;
  let message: string;

  // One Nelder–Mead run from `best`; returns why it ended.
  const run = async (): Promise<"converged" | "steps" | "stopped" | "collapsed"> => {
    setVertex(0, best, fBest);
    for (let i = 0; i < n; i++) {
      const v = fresh.subarray(i * n, i * n + n);
      v.set(best);
      let h = radius;
      if (v[i] + h > space.upper[i]) h = -h;
      if (v[i] + h < space.lower[i]) h = (space.upper[i] - space.lower[i]) / 2 - (v[i] - space.lower[i]);
      if (h === 0) h = radius; // a degenerate range: the vertex is clipped back, the search still runs
      v[i] += h;
      space.clip(v);
    }
    await evaluateFresh(n);
    for (let i = 0; i < n; i++) setVertex(i + 1, fresh.subarray(i * n, i * n + n), fFresh[i]);
    for (;;) {
      for (let k = 0; k < m; k++) order[k] = k;
      order.sort((a, b) => fv[a] - fv[b] || a - b);
      const b = order[0];
      const w = order[n];
      const sw = order[n - 1];
      if (fv[b] < fBest || (fv[b] === fBest && step === 0)) {
        fBest = fv[b];
        best.set(vertex(b));
      }
      if (step > 0 || restarts > 0) {
        if (!report(step, space.toProblem(best, shown), fBest)) return "stopped";
      }
      // Convergence: objective spread and simplex size both small (Lagarias et al. §5).
      let fSpread = 0;
      let xSpread = 0;
      for (let k = 0; k < m; k++) {
        fSpread = Math.max(fSpread, Math.abs(fv[k] - fv[b]));
        for (let j = 0; j < n; j++) xSpread = Math.max(xSpread, Math.abs(simplex[k * n + j] - simplex[b * n + j]));
      }
      if (fSpread <= ftol * Math.abs(fv[b]) && xSpread <= xtol) return "converged";
      if (!Number.isFinite(fv[b]) && xSpread <= xtol) return "converged";
      // Collapsed onto a point whose neighbours are not finite: contracting further finds nothing.
      if (xSpread <= xtol && !Number.isFinite(fSpread)) return "collapsed";
      if (step >= steps) return "steps";
      step++;
      if (breathe) await breathe();

      centroid.fill(0);
      for (let k = 0; k < m; k++) {
        if (k === w) continue;
        for (let j = 0; j < n; j++) centroid[j] += simplex[k * n + j];
      }
      for (let j = 0; j < n; j++) centroid[j] /= n;
      const worst = vertex(w);
      const fr = trial(worst, rho, xr);
      if (fr < fv[b]) {
        const fe = trial(worst, rho * chi, xe);
        if (fe < fr) setVertex(w, xe, fe);
        else setVertex(w, xr, fr);
        continue;
      }
      if (fr < fv[sw]) {
        setVertex(w, xr, fr);
        continue;
      }
      if (fr < fv[w]) {
        const fc = trial(worst, rho * gamma, xc); // outside contraction
        if (fc <= fr) {
          setVertex(w, xc, fc);
          continue;
        }
      } else {
        const fc = trial(worst, -gamma, xc); // inside contraction
        if (fc < fv[w]) {
          setVertex(w, xc, fc);
          continue;
        }
      }
      // Shrink towards the best vertex.
      let count = 0;
      for (let k = 0; k < m; k++) {
        if (k === b) continue;
        for (let j = 0; j < n; j++) {
          const idx = k * n + j;
          simplex[idx] = simplex[b * n + j] + sigma * (simplex[idx] - simplex[b * n + j]);
        }
        fresh.set(vertex(k), count * n);
        count++;
      }
      await evaluateFresh(count);
      count = 0;
      for (let k = 0; k < m; k++) if (k !== b) fv[k] = fFresh[count++];
    }
  };

  const fStart = fBest;
  for (;;) {
    const before = fBest;
    const why = await run();
    if (why === "collapsed") {
      if (fBest === fStart && !space.foundFiniteBeyondStart())
        throw nothingFinite("amoeba", problem, space.nonFinite, "of the simplex around the start");
      message = `the simplex collapsed against a region where the model is not finite after ${step} steps`;
      break;
    }
    if (why === "stopped") {
      message = `stopped by the monitor after ${step} steps`;
      break;
    }
    if (why === "steps") {
      message = `step limit (${steps}) reached before convergence`;
      break;
    }
    // Converged: accept when a restart brought no real improvement.
    const improvement = before - fBest;
    if (restarts > 0 && !(improvement > ftol * Math.abs(fBest))) {
      converged = true;
      message = `converged: simplex below ftol=${ftol}, xtol=${xtol}; a restart found no better point (${restarts} restarts)`;
      break;
    }
    if (restarts >= maxRestarts) {
      message = `restart limit (${maxRestarts}) reached while restarts still improved the objective`;
      break;
    }
    restarts++;
  }
  if (!converged && !message.startsWith("stopped")) message += rejectedNote(problem, space.nonFinite);
  else if (converged) message += space.edgeNote(best);
  return {
    x: space.toProblem(best),
    nllf: fBest,
    evaluations: space.evaluations,
    steps: step,
    converged,
    message,
  };
}

/** The `amoeba` fit method: `fit(problem, { method: "amoeba" })`, `hpcfit fit --fit=amoeba`. */
export const amoebaMethod = searchMethod(
  "amoeba",
  "bounded Nelder–Mead simplex with restarts (derivative-free; the default without residuals)",
  true,
  (problem, start, _rng, options, hooks) => amoeba(problem, start, options, hooks),
);
