/**
 * The `FitResult` of a sampler: a FitResult whose `x` is the best draw and whose covariance is the
 * covariance of the draws (so `parameters[i].stderr` is the posterior standard deviation), with
 * the draws in `samples` and a display that adds the MCMC table and the
 * `application/vnd.hpcfit.mcmc+json` bundle to the fit's own.
 */
import { DISPLAY, type MimeBundle } from "../../schema/display.js";
import { MCMC_MIME } from "../../schema/mcmc.js";
import { diagnosticsLine, mcmcBundle, mcmcHtml, mcmcText } from "../mcmc/report.js";
import { McmcSamples } from "../mcmc/samples.js";
import { FitResult, resultAt, type FitResultInit } from "../result.js";
import type { StopReason } from "../stop-reason.js";
import type { Problem } from "../types.js";

/** A FitResult that carries MCMC draws. */
export class SampledFitResult extends FitResult {
  /** The draws, their statistics and diagnostics. */
  declare readonly samples: McmcSamples;

  /** As FitResult's constructor, with `samples` required. */
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor -- narrows the accepted init: samples are required here
  constructor(init: FitResultInit & { samples: McmcSamples }) {
    super(init);
  }

  /** Fit report followed by the MCMC statistics table, diagnostics and warnings. */
  override report(): string {
    return `${super.report()}\n\n${mcmcText(this.samples)}`;
  }

  /** The chains' diagnostics and warnings, in one line. */
  override liveNote(): string {
    return diagnosticsLine(this.samples);
  }

  /** Plain JSON: FitResult's fields plus the MCMC bundle under `mcmc`. */
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), mcmc: mcmcBundle(this.samples) };
  }

  /** Text and HTML of both reports, the fit bundle and the MCMC bundle. */
  override [DISPLAY](): MimeBundle {
    const base = super[DISPLAY]();
    return {
      ...base,
      "text/plain": this.report(),
      "text/html": `${typeof base["text/html"] === "string" ? base["text/html"] : ""}${mcmcHtml(this.samples)}`,
      [MCMC_MIME]: mcmcBundle(this.samples),
    };
  }
}

/** True when `r` carries MCMC draws. */
export function isSampledResult(r: FitResult): r is SampledFitResult {
  return r.samples instanceof McmcSamples;
}

/**
 * Builds a sampler's result at `bestX` from its draws: nllf, chisq and plot data from the problem,
 * covariance from the draws.
 */
export function sampledResult(
  problem: Problem,
  samples: McmcSamples,
  bestX: Float64Array,
  info: { evaluations: number; converged: boolean; message: string; stopped?: StopReason },
): SampledFitResult {
  return new SampledFitResult({
    ...resultAt(problem, bestX),
    method: samples.sampler,
    labels: samples.labels,
    x: bestX,
    cov: samples.drawCovariance(),
    evaluations: info.evaluations,
    converged: info.converged,
    message: info.message,
    ...(info.stopped !== undefined ? { stopped: info.stopped } : {}),
    // The posterior standard deviation is already the uncertainty: never rescale it by chisq.
    hasUncertainties: true,
    samples,
  });
}
