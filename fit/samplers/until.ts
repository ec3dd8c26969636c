/**
 * Sampling until convergence targets are met (the `until` option): after each block of
 * generations the sampler's draws are judged by the diagnostics of Vehtari et al. 2021; when a
 * parameter's R̂ is above its target (or above 1.01 when only an ESS is asked for) the burn-in
 * moves forward over the first half of the draws (made before the chains had mixed) and the run
 * goes on; when only the effective sample size
 * falls short, the draws are kept and the run goes on for about as long as the shortfall asks.
 */
import type { McmcUntil } from "../../schema/mcmc.js";
import { RHAT_LIMIT } from "../mcmc/convergence.js";
import type { McmcSamples } from "../mcmc/samples.js";
import type { UntilTargets } from "../options/until.js";

/** The most a run with targets may grow: this many times its planned draws (without maxTime too). */
export const UNTIL_BUDGET_MULTIPLE = 50;

/** Kept draws per chain the budget counts as planned at least, so that a short first block does not make a tiny budget. */
export const UNTIL_BUDGET_FLOOR = 100;

/** Where a set of draws stands against the targets. */
export interface UntilStanding {
  /** Every parameter meets every target. */
  met: boolean;
  /**
   * Some parameter's R̂ is above the target (or, without one, above {@link RHAT_LIMIT}), or
   * undefined (fewer than 4 draws per chain): the chains have not mixed, so the burn-in moves
   * forward even when only an ESS is asked for.
   */
  rhatFails: boolean;
  /** Largest R̂ over the parameters (NaN when undefined). */
  rhat: number;
  /** Smallest bulk- or tail-ESS over the parameters (NaN when undefined). */
  ess: number;
}

/** Judges `samples` against `targets`. */
export function standing(samples: McmcSamples, targets: UntilTargets): UntilStanding {
  const d = samples.summary().diagnostics;
  let rhat = -Infinity;
  let ess = Infinity;
  let undefinedRhat = false;
  let undefinedEss = false;
  for (let k = 0; k < samples.nparams; k++) {
    const r = d.rhat[k];
    if (r === null) undefinedRhat = true;
    else rhat = Math.max(rhat, r);
    for (const e of [d.essBulk?.[k] ?? d.ess[k], d.essTail?.[k] ?? null]) {
      if (e === null) undefinedEss = true;
      else ess = Math.min(ess, e);
    }
  }
  if (undefinedRhat) rhat = Number.NaN;
  if (undefinedEss) ess = Number.NaN;
  const rhatFails = !(rhat <= (targets.rhat ?? RHAT_LIMIT));
  const met = (targets.rhat === undefined || rhat <= targets.rhat) && (targets.ess === undefined || ess >= targets.ess);
  return { met, rhatFails, rhat, ess };
}

/**
 * Kept draws per chain to add after a check that failed, given the `kept` draws per chain so far
 * and the `window` of them the diagnostics use: when R̂ fails, as many as were kept (the run
 * doubles, so the window, its latter part, grows even as the burn-in moves forward); else enough
 * for the ESS shortfall with 20% to spare, at least a tenth of the window and at least 4, at most
 * the window again.
 */
export function extensionSize(s: UntilStanding, targets: UntilTargets, window: number, kept: number): number {
  const floor = Math.max(4, Math.ceil(window / 10));
  if (s.rhatFails || targets.ess === undefined || !(s.ess > 0)) return Math.max(floor, kept);
  const more = Math.ceil(window * (targets.ess / s.ess - 1) * 1.2);
  return Math.min(Math.max(floor, more), Math.max(floor, window));
}

/** The line the live display shows: where the worst parameter stands against each target. */
export function untilProgress(s: UntilStanding, targets: UntilTargets, checks: number): string {
  const parts: string[] = [];
  if (targets.rhat !== undefined) parts.push(`R-hat ${Number.isFinite(s.rhat) ? s.rhat.toFixed(3) : "-"} → ${targets.rhat}`);
  if (targets.ess !== undefined) parts.push(`ESS ${Number.isFinite(s.ess) ? s.ess.toFixed(0) : "-"} → ${targets.ess}`);
  return `until ${parts.join(", ")}${s.met ? " (met)" : ""}, check ${checks}`;
}

/** The record of how the run ended against its targets, for the result and its bundle. */
export function untilOutcome(s: UntilStanding, targets: UntilTargets, ended: McmcUntil["ended"], checks: number): McmcUntil {
  return {
    targets: { ...targets },
    met: s.met,
    ended: s.met ? "met" : ended,
    rhat: Number.isFinite(s.rhat) ? s.rhat : null,
    ess: Number.isFinite(s.ess) ? s.ess : null,
    checks,
  };
}
