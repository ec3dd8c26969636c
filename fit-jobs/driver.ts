/**
 * The sampler side of a fit job, run inside the batch job: loads the job directory's model, fits
 * it with the job's options, evaluating populations (and lm's Jacobians, amoeba's simplexes)
 * serially, on worker threads (by the model's cost with `parallel: "auto"` when the job has one
 * task), or on the srun'd ZeroMQ workers; writes `store/progress.json` as soon as the sampler runs and then about once a
 * second, and a DREAM checkpoint every `checkpointSeconds`; stores the result with `saveResult`
 * when done.
 */
import { join } from "node:path";
import { fit } from "../fit/fit.js";
import { loadModelFile } from "../fit/node/load-model.js";
import "../fit/node/parallel.js";
import { saveResult } from "../fit/node/store.js";
import type { DreamGenerationView } from "../fit/samplers/dream.js";
import type { MonitorInfo } from "../fit/types.js";
import { readCheckpoint, writeCheckpoint } from "./checkpoint.js";
import { ENDPOINT_FILE, MODEL_FILE, STORE_DIR, readSpec, writeAtomic } from "./job-directory.js";
import { fitFunctionOptions } from "./options.js";
import { logpRhat, progressLine, roundsText, writeProgress, type FitProgress } from "./progress.js";
import { ZmqEvaluator } from "../fit/node/zmq-evaluator.js";
import { POPULATION_METHODS } from "./population-methods.js";
import { BestChisq } from "./best-chisq.js";
import { usesOption } from "../fit/options/check.js";
import { OPTIMIZER_METHODS } from "../fit/options/spec.js";

/** How the driver runs. */
export interface DriverOptions {
  /** How populations are evaluated. */
  mode: "srun" | "threads" | "serial";
  /** Workers (srun tasks or threads). */
  workers: number;
  /** Continue from the store's checkpoint. */
  resume?: boolean;
  /** Log lines (the job's output by default). */
  log?: (line: string) => void;
  /** Milliseconds before a silent ZeroMQ worker is taken for dead. */
  deadAfterMs?: number;
}

/** Once workers stop arriving for this long, the fit starts with those that came. */
const WORKER_ARRIVAL_MS = 10_000;

/** Milliseconds between progress writes. */
const PROGRESS_INTERVAL_MS = 1000;

/** Runs the fit of the job in `dir`; resolves when the result is stored. */
export async function runFitJob(dir: string, options: DriverOptions): Promise<void> {
  const log = options.log ?? ((line: string) => process.stdout.write(`[${new Date().toISOString()}] ${line}\n`));
  const spec = readSpec(dir);
  const started = Date.now();
  const fitOptions = fitFunctionOptions(spec.fit);
  const progress: FitProgress = {
    version: 1,
    phase: "starting",
    method: fitOptions.method ?? "default",
    step: 0,
    total: null,
    burn: null,
    bestNllf: null,
    chisq: null,
    acceptance: null,
    rhat: null,
    elapsed: 0,
    remaining: null,
    resumedFrom: 0,
    workers: [],
    updated: new Date().toISOString(),
  };
  let zmq: ZmqEvaluator | undefined;
  let bestChisq: BestChisq | undefined;
  let workerTicker: NodeJS.Timeout | undefined;
  let lastWrite = 0;
  const publish = (force = false): void => {
    const now = Date.now();
    if (!force && now - lastWrite < PROGRESS_INTERVAL_MS) return;
    lastWrite = now;
    progress.elapsed = (now - started) / 1000;
    progress.updated = new Date(now).toISOString();
    if (zmq) {
      progress.workers = zmq.workers();
      progress.rounds = zmq.roundTimes();
    }
    writeProgress(dir, progress);
  };
  // The progress file's refresh (R-hat, chisq, the write, the log line) waits for the event loop's
  // next turn, which a spread fit takes while its workers evaluate the next population: that work
  // then overlaps the evaluation instead of adding to every generation. Only the latest is kept.
  let pending: { work: () => void; immediate: NodeJS.Immediate } | undefined;
  const runPending = (): void => {
    const job = pending;
    if (job === undefined) return;
    clearImmediate(job.immediate);
    pending = undefined;
    try {
      job.work();
    } catch (e) {
      log(`progress not refreshed: ${(e as Error).message}`);
    }
  };
  const later = (work: () => void): void => {
    if (pending !== undefined) pending.work = work;
    else pending = { work, immediate: setImmediate(runPending) };
  };
  publish(true);
  try {
    const modelFile = join(dir, MODEL_FILE);
    const { problem } = await loadModelFile(modelFile);
    const method = fitOptions.method as string | undefined;
    progress.method = method ?? (problem.residualCount() > 0 ? "lm" : "amoeba");
    const run: Record<string, unknown> = { ...fitOptions };
    // Worker threads load the model file; only the methods that have workers take it.
    if (usesOption(progress.method, "modelFile")) run.modelFile = modelFile;
    const population = method !== undefined && POPULATION_METHODS.includes(method);
    if (population && options.mode === "srun") {
      zmq = await ZmqEvaluator.bind({ labels: problem.labels(), log, deadAfterMs: options.deadAfterMs });
      writeAtomic(join(dir, ENDPOINT_FILE), zmq.endpoint + "\n");
      log(`sampler listening on ${zmq.endpoint}; waiting for ${options.workers} evaluation workers`);
      await zmq.waitForArrivals(options.workers, WORKER_ARRIVAL_MS);
      log(`${zmq.aliveCount()} evaluation workers connected`);
      run.evaluator = zmq;
      // Workers come and go within a generation (a slow model, a lost node): the progress file
      // follows them every second, not only when a generation ends.
      workerTicker = setInterval(() => publish(), PROGRESS_INTERVAL_MS);
      workerTicker.unref();
    } else if (population && options.mode === "threads" && options.workers > 1) {
      run.parallel = options.workers;
    } else if (OPTIMIZER_METHODS.some((m) => m === progress.method)) {
      // One task: the job's CPUs serve as worker threads when the model is costly enough to gain from them.
      run.parallel = "auto";
    }
    if (options.resume) {
      if (method !== "dream") throw new Error(`--resume needs a DREAM fit (this job fits with ${progress.method})`);
      const state = readCheckpoint(dir);
      if (state === undefined) log("no checkpoint in the store: starting from the beginning");
      else {
        run.resume = state;
        progress.resumedFrom = state.generation;
        log(`resuming from the checkpoint at generation ${state.generation}`);
      }
    }
    let firstStep = progress.resumedFrom;
    let firstTime = Date.now();
    let firstEvaluations = 0;
    let lastCheckpoint = Date.now();
    const checkpointMs = spec.checkpointSeconds * 1000;
    // The R-hat of the generations so far, computed with the next write of the progress file.
    let rhatOf: { history: Float64Array; nchains: number; generation: number } | undefined;
    const observe = (view: DreamGenerationView): void => {
      progress.total = view.total;
      progress.burn = view.burn;
      progress.acceptance = view.acceptance;
      if (Date.now() - lastCheckpoint >= checkpointMs && view.generation < view.total) {
        writeCheckpoint(dir, view.snapshot());
        lastCheckpoint = Date.now();
        log(`checkpoint at generation ${view.generation}`);
      }
      // The history's generations so far never change: the view can be read later.
      if (Date.now() - lastWrite >= PROGRESS_INTERVAL_MS)
        rhatOf = { history: view.history, nchains: view.nchains, generation: view.generation };
    };
    // A spread fit's driver reads results and heartbeats: its chisq is evaluated off its thread.
    bestChisq = await BestChisq.start(problem, zmq ? modelFile : undefined, log);
    const chisq = bestChisq;
    if (usesOption(progress.method, "observe")) run.observe = observe;
    run.monitor = (step: number, x: Float64Array, nllf: number, info: MonitorInfo): boolean => {
      // The switch from starting to running is written at once, not up to a second later: a
      // short fit would otherwise never show that it ran, and the kernel would see it jump from
      // "starting" to "done".
      const beganRunning = progress.phase !== "running";
      if (beganRunning) {
        progress.phase = "running";
        firstStep = step - 1;
        firstTime = Date.now();
        firstEvaluations = info.evaluations;
      }
      progress.step = step;
      progress.bestNllf = Number.isFinite(nllf) ? nllf : null;
      progress.evaluations = info.evaluations;
      if (info.status !== "") progress.status = info.status;
      if (beganRunning || Date.now() - lastWrite >= PROGRESS_INTERVAL_MS) {
        // The point is the method's own array, which it goes on changing.
        const at = x.slice();
        const now = Date.now();
        const evaluations = info.evaluations;
        const refresh = (): void => {
          chisq.update(at);
          progress.chisq = chisq.value;
          if (rhatOf !== undefined) {
            const r = logpRhat(rhatOf.history, rhatOf.nchains, rhatOf.generation);
            progress.rhat = Number.isFinite(r) ? r : null;
            rhatOf = undefined;
          }
          const seconds = (now - firstTime) / 1000;
          if (!beganRunning && seconds > 0) progress.evaluationsPerSecond = (evaluations - firstEvaluations) / seconds;
          // One step gives no rate yet: the time left stays unknown until the next write.
          if (beganRunning) progress.remaining = null;
          else if (progress.total !== null && step > firstStep) {
            const perStep = (now - firstTime) / 1000 / (step - firstStep);
            progress.remaining = perStep * (progress.total - step);
          } else if (typeof run.steps === "number" && step > firstStep) {
            progress.remaining = ((now - firstTime) / 1000 / (step - firstStep)) * (run.steps - step);
          }
          // Due when scheduled: the worker ticker's writes meanwhile do not put it off. The next
          // refresh is counted from the switch to running, written when it happened, not from now.
          const switched = lastWrite;
          publish(true);
          if (beganRunning) lastWrite = switched;
          log(progressLine(progress));
        };
        later(refresh);
        // The switch to running is written now; the rest of the refresh (chisq costs a model
        // evaluation when computed in place) waits for the next turn like every other, so that
        // the next population leaves first.
        if (beganRunning) publish(true);
      }
      return true;
    };
    // Slurm sends SIGTERM at the time limit and on scancel, some seconds before SIGKILL: stop
    // sampling then and store the draws so far.
    const terminate = new AbortController();
    const onTerm = (): void => {
      log("SIGTERM: stopping the fit and storing what it has so far");
      terminate.abort();
    };
    process.once("SIGTERM", onTerm);
    run.signal = terminate.signal;
    const fitStart = performance.now();
    let result;
    try {
      result = await fit(problem, run);
    } finally {
      process.off("SIGTERM", onTerm);
    }
    runPending();
    progress.fitSeconds = (performance.now() - fitStart) / 1000;
    progress.evaluations = result.evaluations;
    if (progress.fitSeconds > 0) progress.evaluationsPerSecond = result.evaluations / progress.fitSeconds;
    if (result.summarySeconds !== undefined) progress.summarySeconds = result.summarySeconds;
    if (result.band !== undefined) {
      progress.bandSeconds = result.band.seconds;
      log(
        `model band of ${result.band.draws} draws ${result.band.workers ? "evaluated by the workers" : "evaluated here"} in ${result.band.seconds.toFixed(3)} s, after ${(progress.fitSeconds - result.band.seconds).toFixed(3)} s of fitting`,
      );
    }
    if (zmq) log(`${zmq.evaluated} points evaluated by the workers (the prior refused the others here)`);
    if (zmq && zmq.curvesEvaluated > 0) log(`${zmq.curvesEvaluated} band draws evaluated by the workers`);
    if (zmq && zmq.resent > 0) log(`${zmq.resent} slice(s) of points were re-sent after workers were lost`);
    const rounds = zmq?.roundTimes();
    if (rounds !== undefined) log(`${rounds.rounds} rounds: ${roundsText(rounds)}`);
    const files = await saveResult(result, join(dir, STORE_DIR), spec.storeName);
    progress.phase = "done";
    if (result.stopped !== undefined) progress.stopped = result.stopped;
    else progress.step = Math.max(progress.step, progress.total ?? 0);
    progress.bestNllf = result.nllf;
    progress.chisq = Number.isFinite(result.chisq) ? result.chisq : null;
    progress.remaining = 0;
    publish(true);
    log(
      `fit done${result.stopped !== undefined ? ` (${result.message})` : ""}: chisq ${result.chisq.toPrecision(6)}; stored ${files.json}`,
    );
  } catch (e) {
    runPending();
    progress.phase = "failed";
    progress.error = (e as Error).message;
    publish(true);
    throw e;
  } finally {
    if (workerTicker) clearInterval(workerTicker);
    await zmq?.close();
    await bestChisq?.close();
  }
}
