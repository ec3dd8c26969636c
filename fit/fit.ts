/**
 * `fit(problem, options)`: the one door to every fit method. It picks the method, runs the
 * starts, shows live progress in a notebook, leaves the problem at the best point and returns
 * the best {@link FitResult}. A fit that does not complete (the model or the method throws, or
 * the user stops it) leaves the parameters where `onFailure` says, and says so.
 */
import { cellSignal } from "../schema/cell.js";
import { DISPLAY, liveDisplay, type LiveDisplay, type LiveDisplayFactory, type MimeBundle } from "../schema/display.js";
import { CountingProblem } from "./counting-problem.js";
import { checkDerivatives } from "./derivative-check.js";
import { EvaluationCounter, getMethod, startNotFinite, type MethodContext } from "./methods.js";
import { firstNonFinite } from "./non-finite.js";
import { Random } from "./random.js";
import { addModelBands, type BandOptions } from "./model-bands.js";
import { checkFitOptions, optionalOption, usesOption } from "./options/check.js";
import { OPTIMIZER_METHODS } from "./options/spec.js";
import { FitResult, reducedChisq, resultAt } from "./result.js";
import { AUTO_PARALLEL_MS, wantsWorkers } from "./samplers/evaluator.js";
import { planStarts, startOptions, startsRunner, type StartOutcome, type StartTask } from "./starts.js";
import type { StopReason } from "./stop-reason.js";
import type { FitOptions, MonitorInfo, OnFailure, Problem } from "./types.js";
import { formatRate } from "../util/rate.js";
import "./all-methods.js";

/** Live display updates at most this often (milliseconds). */
const DISPLAY_INTERVAL_MS = 250;
/** The event loop gets a turn at least this often during a fit (milliseconds). */
const BREATHE_INTERVAL_MS = 50;

interface Refreshable {
  refresh(): void;
}

/**
 * A fit that threw before it completed: the method's or the model's error (`cause`), with where
 * the problem's parameters were left (`restored`: their starting values, or the best point found
 * when `onFailure: "best"`).
 */
export class FitError extends Error {
  /** Where the parameters were left: "start" (their values before the fit) or "best" (the best point found). */
  readonly restored: "start" | "best";
  /** The parameters' values as left, by name. */
  readonly values: Record<string, number>;

  /**
   * @param cause the error the fit stopped on
   * @param restored where the parameters were left
   * @param labels the fitted parameters' names
   * @param values their values as left
   */
  constructor(cause: unknown, restored: "start" | "best", labels: string[], values: ArrayLike<number>) {
    const text = cause instanceof Error ? cause.message : String(cause);
    super(`${text}\n${placementNote(restored, labels, values)}`, { cause });
    this.name = "FitError";
    this.restored = restored;
    this.values = Object.fromEntries(labels.map((label, j) => [label, values[j]]));
  }
}

/** The sentence that says where a fit that did not complete left the parameters. */
function placementNote(restored: "start" | "best", labels: string[], values: ArrayLike<number>): string {
  const list = labels.map((label, j) => `${label} = ${values[j]}`).join(", ");
  return restored === "start"
    ? `the parameters were restored to their starting values (${list}); onFailure: "best" leaves them at the best point found`
    : `the parameters were left at the best point found (${list})`;
}

let last: FitResult | undefined;

/**
 * The result of the last fit that ended in this process, or undefined. It is how to reach the
 * draws of a sampler whose notebook cell was interrupted: the cell ends without a value, but
 * the fit keeps its draws so far as a result marked `stopped: "interrupted"`.
 */
export function lastFit(): FitResult | undefined {
  return last;
}

/**
 * Fits `problem` with `options.method` (default `"lm"` when the problem has residuals, else
 * `"amoeba"`) and returns the best result; the problem is left at the best point.
 *
 * Multi-start (`starts: N`): the first start is from the problem's current values, the other
 * N − 1 from `problem.randomPoint(rng)` (uniform within finite bounds, from the prior for `dev`
 * parameters, around the current values otherwise), all drawn before the first start runs; each
 * start's method draws from a generator of its own (see `planStarts`). The start with the lowest
 * nllf wins (the earliest on a tie) and `evaluations` counts all starts (the methods' own
 * evaluations, the random start points' and the check of analytic derivatives against finite
 * differences made once before the first start; those of the final error bars are not counted).
 * With `parallel` (or `parallel: "auto"` and a model that costs 1 ms or more per evaluation) and
 * a `modelFile`, the starts of `lm`, `amoeba`, `newton` and `de` run at once on worker threads;
 * the result is bit-identical to the serial fit.
 *
 * In a notebook the fit shows a live line (method, start, step, chisq, evaluations and their rate)
 * that updates in place a few times per second. `monitor` is told each step's point and
 * {@link MonitorInfo} (all starts' evaluations so far, those on worker threads and other nodes
 * included as they return, and the method's status line). `monitor` returning false or `signal`
 * aborting stops the fit; the best
 * point so far is returned with `converged: false`, and samplers return their draws so far,
 * marked with `stopped`. When the notebook cell running the fit is interrupted, a method that
 * keeps partial results (the samplers) has its result so far shown and kept for
 * {@link lastFit}; the live line then says "stopped".
 */
export async function fit(problem: Problem, options: FitOptions = {}): Promise<FitResult> {
  if (problem === null || typeof problem !== "object" || typeof problem.nllf !== "function") {
    throw new TypeError("fit: the first argument must be a problem (a FitProblem)");
  }
  (problem as Partial<Refreshable>).refresh?.call(problem);
  const nres = problem.residualCount();
  const methodName = options.method ?? (nres > 0 ? "lm" : "amoeba");
  const method = getMethod(methodName);
  if (method.needsResiduals && nres === 0) {
    throw new Error(
      `fit method "${methodName}" needs residuals, but this problem defines only an nllf; use amoeba, newton, de or dream`,
    );
  }
  checkFitOptions(methodName, options, method.options);
  const starts = options.starts ?? 1;
  if (problem.labels().length === 0)
    throw new Error("fit: the problem has no free parameters; give some a range(), pm(), dev() or fit()");
  const onFailure: OnFailure = options.onFailure ?? "restore";
  const x0 = problem.getValues();
  // A method that evaluates the start in one round with other points checks it itself; one that
  // starts from the prior has no start to check.
  const startUnchecked = starts === 1 && method.ownsStart?.(problem, options) === true;
  // The model's cost, measured on its first evaluation, decides "auto" parallel evaluation.
  const t0 = performance.now();
  const startResiduals = !startUnchecked && method.needsResiduals === true ? finiteResidualsAt(problem, x0) : undefined;
  // Finite residuals (and priors) there already say the nllf is finite.
  const f0 = !startUnchecked && startResiduals === undefined ? problem.nllf(x0) : undefined;
  let modelCostMs = performance.now() - t0;
  if (f0 !== undefined && !Number.isFinite(f0)) throw startNotFinite(problem, f0);
  // That first evaluation runs cold (the model's code is compiled on it) and may be descheduled on
  // a busy machine, so a cheap model can look costly: "auto" then times a second one and takes the
  // lesser, rather than start worker threads that hand points over slower than the model runs.
  // A model that is costly pays that one evaluation more, once per fit.
  if (options.parallel === "auto" && modelCostMs >= AUTO_PARALLEL_MS) {
    const t1 = performance.now();
    if (startResiduals !== undefined) problem.residuals(x0);
    else problem.nllf(x0);
    modelCostMs = Math.min(modelCostMs, performance.now() - t1);
  }
  // Analytic derivatives are trusted only after agreeing with finite differences here.
  const derivativeCheck = checkDerivatives(problem, x0);
  // The best point reported by the running start, kept for onFailure: "best" when it throws.
  const reportedX = new Float64Array(x0.length);
  let reportedNllf = Infinity;

  const plan = planStarts(problem, x0, new Random(options.seed ?? 0), starts);
  const progress = new Progress(methodName, problem, starts);
  const cell = cellSignal();
  let partial: ((reason: StopReason) => FitResult) | undefined;
  // A fit stopped before completing leaves the parameters where onFailure says, and its message says so.
  const placeStopped = (result: FitResult): void => {
    const where = onFailure === "best" ? result.x : x0;
    problem.setValues(where);
    result.message += `; ${placementNote(onFailure === "best" ? "best" : "start", problem.labels(), where)}`;
  };
  const onInterrupt = (): void => {
    progress.stopReason ??= "interrupted";
    progress.interrupted(partial, placeStopped, () =>
      problem.setValues(onFailure === "best" && Number.isFinite(reportedNllf) ? reportedX : x0),
    );
  };
  cell?.addEventListener("abort", onInterrupt, { once: true });
  // A method's progress report: the best point is kept for onFailure, the live line updated, and
  // the user's monitor, signal and cell asked whether to go on.
  const report = (step: number, x: Float64Array, nllf: number): boolean => {
    if (nllf < reportedNllf) {
      reportedNllf = nllf;
      reportedX.set(x);
    }
    progress.show(step, x, nllf, false);
    if (options.signal?.aborted) progress.stopReason ??= "signal";
    else if (cell?.aborted) progress.stopReason ??= "interrupted";
    else if (options.monitor && options.monitor(step, x, nllf, progress.info()) === false) progress.stopReason ??= "monitor";
    return progress.stopReason === undefined;
  };
  const contextFor = (counter: EvaluationCounter, rng: Random, first = false): MethodContext => ({
    rng,
    startResiduals: first && startResiduals !== undefined ? { x: x0, residuals: startResiduals } : undefined,
    startUnchecked: first && startUnchecked,
    evaluations: counter,
    signal: options.signal,
    report,
    stopped: () => progress.stopReason !== undefined || options.signal?.aborted === true || cell?.aborted === true,
    stopReason: () => progress.stopReason,
    keepPartial: (build) => {
      partial = build;
    },
    breathe: () => progress.breathe(),
    status: (text) => progress.setStatus(text),
    modelCostMs,
  });
  const isBetter = (result: { nllf: number }, than: { nllf: number } | undefined): boolean =>
    than === undefined || result.nllf < than.nllf || (Number.isNaN(than.nllf) && !Number.isNaN(result.nllf));

  let best: FitResult | undefined;
  let total = derivativeCheck;
  const elsewhere = startsElsewhere(methodName, options, starts, modelCostMs);
  try {
    if (elsewhere !== undefined) {
      // The random starts outside the constraints are left out here, as the serial loop skips them.
      const tasks: StartTask[] = [];
      for (let s = 0; s < starts; s++) {
        if (s > 0) {
          total++;
          if (!Number.isFinite(problem.nllf(plan.points[s]))) continue;
        }
        tasks.push({ index: s, x: plan.points[s], rng: plan.rngs[s].getState() });
      }
      problem.setValues(x0);
      const outcomes = await runStartsElsewhere(
        problem,
        methodName,
        options,
        elsewhere,
        tasks,
        modelCostMs,
        progress,
        report,
        cell,
      );
      let winner: StartOutcome | undefined;
      for (const outcome of outcomes) {
        total += outcome.evaluations;
        if (isBetter(outcome, winner)) winner = outcome;
      }
      if (winner !== undefined) best = resultOfStart(problem, methodName, winner);
    } else {
      for (let s = 0; s < starts; s++) {
        if (s > 0) {
          if (progress.stopReason !== undefined || options.signal?.aborted || cell?.aborted) break;
          problem.setValues(plan.points[s]);
          total++;
          if (!Number.isFinite(problem.nllf())) continue; // a random start outside the constraints
        }
        progress.start = s + 1;
        partial = undefined;
        reportedNllf = Infinity;
        // One counter per start: a method reports the evaluations it used when it builds its result,
        // before the error bars are computed, so the total is the methods' own work.
        const counter = new EvaluationCounter();
        progress.follow(counter);
        const result = await method.run(
          new CountingProblem(problem, counter),
          options,
          contextFor(counter, plan.rngs[s], s === 0),
        );
        total += result.evaluations;
        if (isBetter(result, best)) best = result;
      }
    }
  } catch (error) {
    const restored =
      onFailure === "best" ? bestSoFar(problem, x0, best, reportedNllf < Infinity ? reportedX : undefined) : undefined;
    const where = restored ?? x0;
    problem.setValues(where);
    const failure = new FitError(error, restored ? "best" : "start", problem.labels(), where);
    progress.fail(failure.message);
    throw failure;
  } finally {
    cell?.removeEventListener("abort", onInterrupt);
  }
  if (best === undefined) {
    problem.setValues(x0);
    throw new Error(`fit: no start produced a result; ${placementNote("start", problem.labels(), x0)}`);
  }
  best.evaluations = total;
  if (cell?.aborted !== true) {
    const band = await addModelBands(best, problem, { ...bandOptions(methodName, options), fitMs: performance.now() - t0 });
    if (band.draws > 0) best.band = band;
  }
  if (progress.stopReason !== undefined || options.signal?.aborted === true || cell?.aborted === true) {
    progress.stopReason ??= options.signal?.aborted === true ? "signal" : "interrupted";
    placeStopped(best);
  } else problem.setValues(best.x);
  last = best;
  progress.finish(best);
  return best;
}

/**
 * The residuals at `x0` when they and the priors are finite there (then so is the nllf, which a
 * least-squares method never needs at the start): one model evaluation that checks the start
 * and that the method's first start takes as its own. Undefined when something is not finite,
 * or the problem cannot say its priors' part, and the nllf must decide.
 */
function finiteResidualsAt(problem: Problem, x0: Float64Array): Float64Array | undefined {
  if (problem.priorNllf === undefined || !Number.isFinite(problem.priorNllf(x0))) return undefined;
  const residuals = Float64Array.from(problem.residuals(x0));
  return firstNonFinite(residuals) < 0 ? residuals : undefined;
}

/** Where the starts of a fit run at once: the threads and model file, or undefined (one after the other, here). */
interface StartsElsewhere {
  workers: number | "auto";
  modelFile: string;
}

/**
 * Whether the starts of this fit run at once on worker threads: several starts of a method whose
 * starts can (the optimizers), with `parallel` asking for threads (see {@link wantsWorkers}) and a
 * model file the threads load.
 */
function startsElsewhere(method: string, options: FitOptions, starts: number, modelCostMs: number): StartsElsewhere | undefined {
  const name = OPTIMIZER_METHODS.find((m) => m === method);
  if (starts <= 1 || name === undefined) return undefined;
  const workers = optionalOption(name, options, "parallel");
  const modelFile = optionalOption(name, options, "modelFile");
  if (!wantsWorkers(workers, modelCostMs, modelFile) || workers === undefined || workers === false) return undefined;
  if (modelFile === undefined)
    throw new Error(
      "parallel starts load the model in each worker thread: pass modelFile, the module that exports the problem " +
        "(the CLI passes its model file)",
    );
  if (startsRunner() === undefined)
    throw new Error("parallel starts need Node worker threads: import hpcfit from 'hpcfit' under Node");
  return { workers, modelFile };
}

/**
 * Runs `tasks` on worker threads and returns their outcomes by start number. Their progress
 * drives the live line (all starts' evaluations together) and `report` (the monitor, the
 * signal, the cell); when `report` says stop, or the signal or the cell aborts, every running
 * start stops at its next step.
 */
async function runStartsElsewhere(
  problem: Problem,
  method: string,
  options: FitOptions,
  where: StartsElsewhere,
  tasks: StartTask[],
  modelCostMs: number,
  progress: Progress,
  report: (step: number, x: Float64Array, nllf: number) => boolean,
  cell: AbortSignal | undefined,
): Promise<StartOutcome[]> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  options.signal?.addEventListener("abort", stop, { once: true });
  cell?.addEventListener("abort", stop, { once: true });
  const counter = new EvaluationCounter();
  progress.follow(counter);
  const used = new Map<number, number>();
  const done = new Set<number>();
  progress.setStarts(tasks.length, 0);
  try {
    return await startsRunner()!({
      method,
      options: startOptions(options),
      modelFile: where.modelFile,
      workers: where.workers,
      labels: problem.labels(),
      tasks,
      modelCostMs,
      signal: controller.signal,
      progress: (r) => {
        counter.count += r.evaluations - (used.get(r.index) ?? 0);
        used.set(r.index, r.evaluations);
        if (r.status !== undefined) progress.setStatus(r.status, false);
        if (r.ended === true) {
          done.add(r.index);
          progress.setStarts(tasks.length, done.size);
          return;
        }
        if (!report(r.step, r.x, r.nllf)) stop();
      },
    });
  } finally {
    options.signal?.removeEventListener("abort", stop);
    cell?.removeEventListener("abort", stop);
  }
}

/**
 * The result of a start that ran elsewhere, rebuilt at its best point as the method built it
 * there: the plot data and bounds from this thread's problem, the numbers the method computed
 * (its chisq may be summed from its own last residuals, in their order) from the outcome.
 */
function resultOfStart(problem: Problem, method: string, outcome: StartOutcome): FitResult {
  return new FitResult({
    ...resultAt(problem, outcome.x),
    nllf: outcome.nllf,
    chisq: outcome.chisq,
    method,
    labels: problem.labels(),
    x: outcome.x,
    cov: outcome.cov,
    evaluations: outcome.evaluations,
    converged: outcome.converged,
    message: outcome.message,
    stopped: outcome.stopped,
    hasUncertainties: problem.hasUncertainties(),
  });
}

/**
 * Where a sampler's model band may be evaluated: on its own `evaluator` when that can evaluate
 * curves, or on the worker threads of its `parallel` option loading its `modelFile` (methods
 * outside the table's samplers: serially).
 */
function bandOptions(method: string, options: FitOptions): BandOptions {
  if (method !== "dream" && method !== "smc") return {};
  if (!usesOption(method, "parallel")) return {};
  return {
    parallel: optionalOption(method, options, "parallel"),
    modelFile: optionalOption(method, options, "modelFile"),
    evaluator: optionalOption(method, options, "evaluator"),
  };
}

/**
 * The best point known when a fit throws: the best finished start, or the running start's best
 * reported point when it is lower (its nllf re-evaluated, since methods report on their own
 * scale). When the model throws there too, the running start's point is taken unless a start
 * finished. Undefined when there is no point but the start.
 */
function bestSoFar(
  problem: Problem,
  x0: Float64Array,
  finished: FitResult | undefined,
  reported: Float64Array | undefined,
): Float64Array | undefined {
  const done = finished !== undefined && Number.isFinite(finished.nllf) ? finished : undefined;
  if (reported === undefined) return done?.x;
  const nllfAt = (x: Float64Array): number | undefined => {
    try {
      return problem.nllf(x);
    } catch {
      return undefined;
    }
  };
  const fr = nllfAt(reported);
  if (fr === undefined) return done?.x ?? reported;
  const other = done?.nllf ?? nllfAt(x0) ?? Infinity;
  return fr <= other ? reported : done?.x;
}

/** The live progress line of a fit in a notebook (quiet outside a kernel). */
class Progress {
  start = 1;
  /** Starts running at once on worker threads: how many, and how many have ended (undefined: one at a time). */
  private parallelStarts: { count: number; done: number } | undefined;
  private counter: EvaluationCounter | undefined;
  private counterSince = Date.now();
  /** Evaluations of the starts that ended, before the counter followed now. */
  private earlier = 0;
  /** Why the fit is stopping early, once it is. */
  stopReason: StopReason | undefined;
  private finished = false;
  private readonly factory: LiveDisplayFactory | undefined;
  private readonly display: LiveDisplay | undefined;
  private lastShown = 0;
  /** When the event loop last had a turn, as far as this fit can tell (its marker timer fired, or it yielded). */
  private lastTurn = Date.now();
  /** A zero-delay timer is pending whose firing tells that the event loop turned. */
  private markerArmed = false;
  /** The marker fired since the last {@link breathe}: the event loop turned meanwhile. */
  private turned = false;
  private lastStep = 0;
  private lastNllf = NaN;
  private lastX: Float64Array | undefined;
  private status = "";
  private readonly dof: number;

  constructor(
    private readonly method: string,
    private readonly problem: Problem,
    private readonly starts: number,
  ) {
    const nres = problem.residualCount();
    this.dof = Math.max(1, (nres > 0 ? nres : problem.pointCount()) - problem.labels().length);
    this.factory = liveDisplay();
    this.display = this.factory ? this.factory(this.bundle("starting")) : undefined;
  }

  /** The starts run at once: `count` of them, `done` ended; shown instead of the running start's number. */
  setStarts(count: number, done: number): void {
    this.parallelStarts = { count, done };
  }

  /** Counts the running start's evaluations from now on (for the rate shown). */
  follow(counter: EvaluationCounter): void {
    this.earlier += this.counter?.count ?? 0;
    this.counter = counter;
    this.counterSince = Date.now();
    this.status = "";
  }

  /** What the user's monitor is told besides the point: all starts' evaluations so far and the method's status. */
  info(): MonitorInfo {
    return { evaluations: this.earlier + (this.counter?.count ?? 0), status: this.status };
  }

  show(step: number, x: Float64Array, nllf: number, force: boolean): void {
    this.lastStep = step;
    this.lastNllf = nllf;
    this.lastX = x;
    // Once the line says how the fit ended (an interrupt may say so while the method still
    // finishes its step), a late "running" must not replace it.
    if (this.display === undefined || this.finished) return;
    const now = Date.now();
    if (!force && now - this.lastShown < DISPLAY_INTERVAL_MS) return;
    this.lastShown = now;
    this.display.update(this.bundle("running"));
  }

  /** Sets the method's status line (shown after the step), and shows it now unless `now` is false. */
  setStatus(text: string, now = true): void {
    this.status = text;
    if (!now || this.display === undefined || this.finished) return;
    this.lastShown = Date.now();
    this.display.update(this.bundle("running"));
  }

  /**
   * Gives the event loop a turn unless it had one since the last call or within
   * {@link BREATHE_INTERVAL_MS}. A method that awaits its evaluator (workers, other nodes) lets the
   * loop turn at every population already: a zero-delay marker timer, armed here and fired by any
   * such turn, tells so, and the method then goes on without waiting for a timer of its own (at
   * least a millisecond in Node).
   */
  async breathe(): Promise<void> {
    const turned = this.turned;
    this.turned = false;
    this.armMarker();
    if (turned || Date.now() - this.lastTurn < BREATHE_INTERVAL_MS) return;
    // setTimeout rather than setImmediate: fit/ also runs in browsers and workers.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.lastTurn = Date.now();
  }

  /** Arms the marker timer unless it is pending: when it fires, the event loop has turned. */
  private armMarker(): void {
    if (this.markerArmed) return;
    this.markerArmed = true;
    setTimeout(() => {
      this.markerArmed = false;
      this.turned = true;
      this.lastTurn = Date.now();
    }, 0);
  }

  /** Shows that the fit failed with `message`. */
  fail(message: string): void {
    this.finished = true;
    this.display?.update({ "text/plain": `fit ${this.method}: failed, step ${this.lastStep}: ${message}` });
  }

  /** Shows the final line for `result` (once: a fit interrupted and then ending keeps the first). */
  finish(result: FitResult, note = ""): void {
    if (this.finished) return;
    this.finished = true;
    const reason = result.stopped ?? this.stopReason;
    const state =
      reason !== undefined
        ? `stopped (${reason}): ${result.message}${note}`
        : result.converged
          ? "done"
          : `done, not converged: ${result.message}`;
    // The final line says how the chains stand (a sampler's diagnostics and warnings), not the
    // last check; an optimizer has no such note and keeps its last status.
    this.status = result.liveNote() || this.status;
    this.display?.update(this.bundle(state, result.chisq));
  }

  /**
   * The cell running the fit was interrupted: the method may have been stopped from outside in
   * the middle of a step, so the work so far is read through `build` (whole generations only),
   * kept for {@link lastFit} and shown, since the cell ends without a value.
   */
  interrupted(
    build: ((reason: StopReason) => FitResult) | undefined,
    place: (result: FitResult) => void,
    restore: () => void,
  ): void {
    if (this.finished) return;
    let result: FitResult;
    try {
      if (build === undefined) throw new Error("the method had nothing to keep yet, or keeps no partial result");
      result = build("interrupted");
    } catch (e) {
      this.finished = true;
      this.display?.update(this.bundle(`stopped (interrupted); nothing kept: ${(e as Error).message}`));
      // The method may have been cut short from outside and never return: the parameters go
      // where onFailure says now, not when (if ever) the method notices the interrupt.
      restore();
      return;
    }
    place(result);
    last = result;
    this.finish(result, "; lastFit() returns this result");
    this.factory?.(result[DISPLAY]());
  }

  /**
   * The reduced chi-square at the last reported point. With residuals it is computed from them
   * (the nllf also holds normalisation and prior terms); without, 2·nllf/dof as in the result.
   * Only evaluated when a line is drawn, a few times a second at most.
   */
  private runningChisq(): number {
    if (this.lastX !== undefined && this.problem.residualCount() > 0) return reducedChisq(this.problem, this.lastX).chisq;
    return (2 * this.lastNllf) / this.dof;
  }

  private bundle(state: string, finalChisq?: number): MimeBundle {
    const chisq = finalChisq ?? (this.lastX === undefined && Number.isNaN(this.lastNllf) ? NaN : this.runningChisq());
    const startText =
      this.parallelStarts !== undefined
        ? ` ${this.parallelStarts.count} starts at once, ${this.parallelStarts.done} done`
        : this.starts > 1
          ? ` start ${this.start}/${this.starts}`
          : "";
    let text = `fit ${this.method}${startText}: ${state}, step ${this.lastStep}, chisq ${Number.isFinite(chisq) ? chisq.toPrecision(6) : "—"}`;
    if (this.counter !== undefined && this.counter.count > 0) {
      const seconds = (Date.now() - this.counterSince) / 1000;
      const rate = seconds > 0 ? `, ${formatRate(this.counter.count / seconds)}/s` : "";
      text += `, ${this.counter.count} evaluations${rate}`;
    }
    if (this.status !== "") text += `; ${this.status}`;
    return { "text/plain": text };
  }
}
