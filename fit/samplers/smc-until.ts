/**
 * SMC sampling until an effective sample size (`until: { ess }`): the target sets the particle
 * count (SMC keeps the particles' ESS at about half their number at every stage, so it starts
 * with at least twice the target), and a pass whose final ESS still falls short triggers another
 * with twice the particles, until the target is met or the time budget (`maxTime`) or the
 * particle budget ({@link UNTIL_BUDGET_MULTIPLE} times the first pass's) ends. R̂ is not defined
 * for SMC's particles (one draw each, no chains), so an `rhat` target is refused.
 */
import { UserError } from "../../util/user-error.js";
import type { McmcUntil } from "../../schema/mcmc.js";
import { optionalOption, readOption } from "../options/check.js";
import { parseDuration } from "../options/duration.js";
import type { Problem } from "../types.js";
import { runSmc, type SmcOptions, type SmcRun } from "./smc.js";
import type { SamplerHooks } from "./stopping.js";
import { UNTIL_BUDGET_MULTIPLE } from "./until.js";

/** Runs SMC passes until the particles' ESS reaches `options.until.ess` (see the module). */
export async function runSmcUntil(problem: Problem, options: SmcOptions, hooks: SamplerHooks): Promise<SmcRun> {
  const until = optionalOption("smc", options, "until");
  if (until === undefined) return runSmc(problem, options, hooks);
  if (until.rhat !== undefined || until.ess === undefined)
    throw new UserError(
      "smc: until takes an ess target only (the particles' effective sample size): R-hat needs chains, and SMC's particles are one draw each",
    );
  const target = until.ess;
  const p = problem.labels().length;
  const first = Math.max(readOption("smc", options, "particles", p), Math.ceil(2 * target));
  const maxTime = parseDuration(optionalOption("smc", options, "maxTime"));
  const deadline = maxTime === undefined ? undefined : performance.now() + maxTime * 1000;
  const start = Float64Array.from(problem.getValues());
  let particles = first;
  let checks = 0;
  // The last pass that reached the posterior, kept when a later one is cut short by maxTime.
  let complete: SmcRun | undefined;
  for (;;) {
    const left = deadline === undefined ? undefined : Math.max((deadline - performance.now()) / 1000, 1e-3);
    problem.setValues(start);
    const run = await runSmc(problem, { ...options, particles, ...(left !== undefined ? { maxTime: left } : {}) }, hooks);
    checks++;
    const ess = run.samples.particleEss ?? Number.NaN;
    const met = ess >= target;
    hooks.status?.(
      `until ESS ${Number.isFinite(ess) ? ess.toFixed(0) : "-"} → ${target}${met ? " (met)" : ""}, pass ${checks} of ${particles} particles`,
    );
    let ended: McmcUntil["ended"] | undefined;
    if (met) ended = "met";
    else if (run.stopped !== undefined) ended = run.stopped === "maxTime" ? "maxTime" : "stopped";
    else if (deadline !== undefined && performance.now() >= deadline) ended = "maxTime";
    else if (2 * particles > UNTIL_BUDGET_MULTIPLE * first) ended = "budget";
    if (ended !== undefined) {
      const kept = run.stopped !== undefined && complete !== undefined ? complete : run;
      const keptEss = kept.samples.particleEss ?? Number.NaN;
      const outcome: McmcUntil = {
        targets: { ess: target },
        met: keptEss >= target,
        ended: keptEss >= target ? "met" : ended,
        rhat: null,
        ess: Number.isFinite(keptEss) ? keptEss : null,
        checks,
      };
      return { ...kept, samples: kept.samples.withUntil(outcome) };
    }
    complete = run;
    particles *= 2;
  }
}
