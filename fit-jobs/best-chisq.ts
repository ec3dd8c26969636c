/**
 * The progress file's chisq: the reduced chi-square at the sampler's best point, evaluated again
 * only when that point moves (the best point of a long fit seldom does).
 *
 * In a spread fit the driver's event loop reads the workers' results and heartbeats, and a model
 * call there would hold them for as long as the model takes: with a model slower than the
 * watchdog's silence limit, every worker would be taken for lost. There the evaluation runs on a
 * thread of its own that loaded the model file, and the value arrives a refresh later. Elsewhere
 * the driver's thread evaluates the model anyway, and the chisq is computed in place.
 */
import { WorkerEvaluator } from "../fit/node/parallel.js";
import { reducedChisq } from "../fit/result.js";
import type { Problem } from "../fit/types.js";

/** The chisq of the best point so far, in place or on a thread of its own (see the module's comment). */
export class BestChisq {
  private latest: number | null = null;
  private at: Float64Array | undefined;
  /** The newest point asked for while the thread was busy: only the newest is evaluated. */
  private queued: Float64Array | undefined;
  private busy = false;
  /** Set when the thread failed or is being closed: nothing more is evaluated. */
  private stopped = false;

  private constructor(
    private readonly problem: Problem,
    private readonly thread: WorkerEvaluator | undefined,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Computes in place, or with `modelFile` on a thread that loads it (for a spread fit).
   * A problem without residuals has no chisq here: its value stays null and nothing starts.
   * @param log where a failure of the thread's evaluation is reported (once; the value then stays as it was)
   */
  static async start(problem: Problem, modelFile: string | undefined, log: (line: string) => void): Promise<BestChisq> {
    const thread =
      modelFile !== undefined && problem.residualCount() > 0 ? await WorkerEvaluator.start(problem, 1, modelFile) : undefined;
    return new BestChisq(problem, thread, log);
  }

  /** The chisq at the newest point evaluated so far; null before the first, and without residuals. */
  get value(): number | null {
    return this.latest;
  }

  /**
   * Asks for the chisq at `x` (copied). In place it is computed before this returns; on the thread
   * it is {@link value} once the thread answers.
   */
  update(x: Float64Array): void {
    if (this.problem.residualCount() === 0 || this.stopped) return;
    if (this.at !== undefined && this.at.length === x.length && this.at.every((v, i) => Object.is(v, x[i]))) return;
    this.at = x.slice();
    if (this.thread === undefined) {
      this.latest = reducedChisq(this.problem, this.at).chisq;
      return;
    }
    if (this.busy) this.queued = this.at;
    else void this.evaluate(this.thread, this.at);
  }

  /** Stops the thread, if there is one. */
  async close(): Promise<void> {
    this.stopped = true;
    await this.thread?.close();
  }

  private async evaluate(thread: WorkerEvaluator, x: Float64Array): Promise<void> {
    this.busy = true;
    const residuals = new Float64Array(this.problem.residualCount());
    try {
      await thread.evaluateResiduals(x, 1, residuals);
      let sumsq = 0;
      for (let i = 0; i < residuals.length; i++) sumsq += residuals[i] * residuals[i];
      this.latest = reducedChisq(this.problem, x, sumsq).chisq;
    } catch (e) {
      if (!this.stopped) this.log(`the progress file's chisq is no longer refreshed: ${(e as Error).message}`);
      this.stopped = true;
    }
    this.busy = false;
    const next = this.queued;
    this.queued = undefined;
    if (next !== undefined && !this.stopped) await this.evaluate(thread, next);
  }
}
