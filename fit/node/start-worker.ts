/**
 * A worker thread of the parallel starts (`fit/node/parallel-starts.ts`): loads the model module
 * once, then runs the starts it is sent, one at a time and from any number of fits, exactly as
 * `fit()` runs a start in its own thread (same method, options, start point and generator), and
 * hands back each outcome. Its progress goes to the fit's thread a few times a second; the fit's
 * shared flag stops it. Given threads to spare, a start evaluates its method's batches of
 * independent points on a pool of worker threads of its own (`parallel.ts`).
 */
import { workerData } from "node:worker_threads";
import { loadThreadModel } from "./model-thread.js";
import { CountingProblem } from "../counting-problem.js";
import { EvaluationCounter, getMethod, type MethodContext } from "../methods.js";
import { Random } from "../random.js";
import type { StartOutcome, StartProgress, StartTask } from "../starts.js";
import { usesOption } from "../options/check.js";
import "../all-methods.js";
import "./parallel.js";

/** One start to run, and the fit it belongs to. */
interface StartMessage {
  task: StartTask;
  method: string;
  options: Record<string, number | string | boolean>;
  modelCostMs: number;
  /** Threads the start's batches of independent points may use (1: this thread alone). */
  batchThreads: number;
  /** One Int32: non-zero once the fit must stop. */
  stop: SharedArrayBuffer;
}

/** Progress is sent at most this often (ms): a cheap model takes thousands of steps a second. */
const PROGRESS_INTERVAL_MS = 50;

async function main(): Promise<void> {
  const loaded = await loadThreadModel("start-worker");
  if (!loaded) return;
  const { port, problem } = loaded;
  const { modelFile } = workerData as { modelFile: string };

  const run = async (message: StartMessage): Promise<StartOutcome> => {
    const { task } = message;
    const method = getMethod(message.method);
    const stop = new Int32Array(message.stop);
    const stopped = (): boolean => Atomics.load(stop, 0) !== 0;
    (problem as { refresh?: () => void }).refresh?.();
    problem.setValues(task.x);
    const rng = new Random();
    rng.setState(task.rng);
    const counter = new EvaluationCounter();
    let status: string | undefined;
    let lastSent = 0;
    const send = (step: number, x: Float64Array, nllf: number, ended: boolean): void => {
      const progress: StartProgress = { index: task.index, step, x: Float64Array.from(x), nllf, evaluations: counter.count };
      if (status !== undefined) progress.status = status;
      if (ended) progress.ended = true;
      port.postMessage({ progress });
    };
    let last: { step: number; x: Float64Array; nllf: number } = { step: 0, x: task.x, nllf: NaN };
    const context: MethodContext = {
      rng,
      evaluations: counter,
      report: (step, x, nllf) => {
        last = { step, x, nllf };
        const now = performance.now();
        if (now - lastSent >= PROGRESS_INTERVAL_MS) {
          lastSent = now;
          send(step, x, nllf, false);
        }
        return !stopped();
      },
      stopped,
      breathe: () => Promise.resolve(),
      status: (text) => {
        status = text;
      },
      modelCostMs: message.modelCostMs,
    };
    // Methods that evaluate batches (they take an evaluator) spread them over the spare threads.
    const options =
      message.batchThreads > 1 && usesOption(message.method, "evaluator")
        ? { ...message.options, parallel: message.batchThreads, modelFile }
        : message.options;
    const result = await method.run(new CountingProblem(problem, counter), options, context);
    counter.count = result.evaluations;
    send(last.step, last.x, last.nllf, true);
    const outcome: StartOutcome = {
      index: task.index,
      x: result.x,
      cov: result.cov,
      nllf: result.nllf,
      chisq: result.chisq,
      evaluations: result.evaluations,
      converged: result.converged,
      message: result.message,
    };
    if (result.stopped !== undefined) outcome.stopped = result.stopped;
    return outcome;
  };

  port.on("message", (m: StartMessage) => {
    run(m).then(
      (outcome) => port.postMessage({ outcome }),
      (e: unknown) => port.postMessage({ error: e instanceof Error ? e.message : String(e) }),
    );
  });
  port.postMessage({ ready: true, labels: problem.labels() });
}

void main();
