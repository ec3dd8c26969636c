/**
 * Chains that never reached a point where the model is finite. A chain whose current point has
 * an nllf of +Infinity (the model was NaN or ±Infinity there) moves only to a finite proposal;
 * when none comes, its draws are not draws from the posterior, and the run must say so.
 */
import type { McmcSamples } from "../mcmc/samples.js";
import { describeNonFinite, NonFiniteError } from "../non-finite.js";
import type { Problem } from "../types.js";

/** What {@link checkChains} found. */
export interface ChainCheck {
  /** Chains whose last kept draw is not finite. */
  stuck: number;
  /** A note for the result's message (empty when every chain is finite). */
  note: string;
}

/**
 * Counts the chains whose last kept draw has a non-finite log-posterior and describes one of
 * them (model, data point, parameter values; the problem is left at that point).
 * @throws NonFiniteError when no finite draw ever moved: every chain is stuck, or the only finite
 *   ones never left their first point (nothing finite was found but the start)
 */
export function checkChains(method: string, problem: Problem, samples: McmcSamples): ChainCheck {
  const n = samples.nchains;
  const p = samples.labels.length;
  const last = samples.nthin - 1;
  if (last < 0) return { stuck: 0, note: "" };
  let stuck = 0;
  let example = -1;
  for (let c = 0; c < n; c++) {
    if (!Number.isFinite(samples.logp[last * n + c])) {
      stuck++;
      if (example < 0) example = c;
    }
  }
  if (stuck === 0) return { stuck: 0, note: "" };
  const at = samples.points.subarray((last * n + example) * p, (last * n + example) * p + p);
  const why = describeNonFinite(problem, at, "nllf", samples.logp[last * n + example]);
  if (!finiteDrawsMoved(samples)) {
    throw new NonFiniteError(
      method,
      `${method}: the model is not finite at any point the ${n} chains proposed beyond their start (${stuck} chain${stuck === 1 ? "" : "s"} never reached a finite point); last: ${why}`,
      problem.labels(),
      at,
    );
  }
  return {
    stuck,
    note: `; ${stuck} of ${n} chains never left a region where the model is not finite, so their draws are not from the posterior (e.g. ${why})`,
  };
}

/** Whether two finite kept draws differ (some chain moved within the finite region). */
export function finiteDrawsMoved(samples: McmcSamples): boolean {
  const p = samples.labels.length;
  const count = samples.nthin * samples.nchains;
  let first = -1;
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(samples.logp[i])) continue;
    if (first < 0) {
      first = i;
      continue;
    }
    for (let k = 0; k < p; k++) if (samples.points[i * p + k] !== samples.points[first * p + k]) return true;
  }
  return false;
}
