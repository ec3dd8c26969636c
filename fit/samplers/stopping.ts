/**
 * How a sampler hears from its caller and when it stops before its planned end: the user's
 * monitor returning false, the user's `signal`, an interrupt of the notebook cell, or the run's
 * time budget (`maxTime`). Each is checked once per generation, after it is complete, so a run
 * that stops early still holds whole generations and its draws so far.
 */
import type { McmcSamples } from "../mcmc/samples.js";
import type { Random } from "../random.js";
import type { StopReason } from "../stop-reason.js";

export type { StopReason } from "../stop-reason.js";

/** Reports progress; returns false to stop. */
export type SamplerReport = (step: number, x: Float64Array, nllf: number) => boolean;

/** What a sampler needs from its caller (`fit()` gives it through the method context). */
export interface SamplerHooks {
  /** The seeded generator: every random number of the run comes from it. */
  rng: Random;
  /** Progress per generation; false stops the run (the draws so far are kept). */
  report: SamplerReport;
  /** Lets the event loop run now and then (displays, aborts); optional. */
  breathe?: () => Promise<void>;
  /** Why {@link report} returned false (default "monitor"). */
  stopReason?: () => StopReason | undefined;
  /**
   * Called once the run's state exists, with a function that reads the draws so far at any
   * moment (whole generations only), for a caller that must show them if the run is cut short.
   */
  progress?: (drawn: SamplerProgress) => void;
  /** A short line on how the run stands (its convergence targets), for the live display; optional. */
  status?: (text: string) => void;
}

/** Reads a running sampler's draws so far and its best point (copies, safe to keep). */
export type SamplerProgress = () => { samples: McmcSamples; bestX: Float64Array };

/** Decides, after each generation, whether the run goes on. */
export class StopCheck {
  private readonly deadline: number | undefined;

  /** Checks `hooks` and, when `maxTimeSeconds` is given, a budget counted from now. */
  constructor(
    private readonly hooks: SamplerHooks,
    maxTimeSeconds: number | undefined,
  ) {
    this.deadline = maxTimeSeconds === undefined ? undefined : performance.now() + maxTimeSeconds * 1000;
  }

  /**
   * Reports generation `step` (best point `x`, its `nllf`) and returns why the run must stop, or
   * undefined to go on. Synchronous, so a generation costs no extra promise: the caller gives
   * the event loop its turn first (`hooks.breathe`).
   */
  afterGeneration(step: number, x: Float64Array, nllf: number): StopReason | undefined {
    const hooks = this.hooks;
    if (!hooks.report(step, x, nllf)) return hooks.stopReason?.() ?? "monitor";
    if (this.deadline !== undefined && performance.now() >= this.deadline) return "maxTime";
    return undefined;
  }
}
