/**
 * The starts of a multi-start fit at once, on worker threads (`start-worker.ts`) that each load
 * the model module and run whole starts; a thread takes the next start when it is free. Every
 * start is planned before any runs (`fit/starts.ts`), so the outcomes are those of the serial fit
 * whatever the number of threads and the order in which the starts end.
 *
 * When there are fewer starts than threads, the spare threads go to the starts: each start's
 * batches of independent points (lm's Jacobian columns, amoeba's vertices, de's trial points) are
 * evaluated on a pool of its own, which gives the serial start's bits as any pool does.
 *
 * The threads are kept for the next fit of the same model file, as the evaluation threads of
 * `parallel.ts` are: loading the model in each costs a second or more.
 */
import { statSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { availableCpus } from "./parallel.js";
import { setStartsRunner, type StartOutcome, type StartProgress, type StartsRequest } from "../starts.js";
import { compiledEntry } from "../../util/paths.js";

/** What a start thread sends back besides progress. */
type Reply = { ready: true; labels: string[] } | { outcome: StartOutcome } | { error: string };

/**
 * A worker thread whose replies are read one at a time; its progress messages go to the fit
 * that uses it (`progress`).
 */
class StartThread {
  private readonly worker: Worker;
  private waiting: ((reply: Reply) => void) | undefined;
  private early: Reply | undefined;
  /** Where progress goes: the fit using the thread. */
  progress: (p: StartProgress) => void = () => undefined;
  /** Set when the thread failed or exited: it is not kept for another fit. */
  broken = false;

  constructor(url: URL, modelFile: string) {
    this.worker = new Worker(url, { workerData: { modelFile } });
    const deliver = (reply: Reply): void => {
      if ("error" in reply) this.broken = true;
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting(reply);
      else this.early ??= reply;
    };
    this.worker.on("message", (m: Reply | { progress: StartProgress }) => {
      if ("progress" in m) this.progress(m.progress);
      else deliver(m);
    });
    this.worker.on("error", (e: Error) => deliver({ error: e.message }));
    this.worker.on("exit", (code: number) => deliver({ error: `start thread exited with code ${code}` }));
  }

  /** The thread's next reply. */
  next(): Promise<Reply> {
    const early = this.early;
    if (early !== undefined) {
      this.early = undefined;
      return Promise.resolve(early);
    }
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** Sends a message to the thread. */
  send(message: unknown): void {
    this.worker.postMessage(message);
  }

  /** Whether the thread may keep the process alive: yes while a fit uses it, no while it waits in the pool. */
  hold(held: boolean): void {
    if (held) this.worker.ref();
    else this.worker.unref();
  }

  /** Stops the thread. */
  async close(): Promise<void> {
    this.broken = true;
    await this.worker.terminate();
  }
}

/** Idle start threads are stopped after this long (ms). */
const POOL_IDLE_MS = 60_000;

/** Threads that loaded a model file (by path, modification time and labels) and wait for the next fit. */
const idle = new Map<string, { threads: StartThread[]; timer: ReturnType<typeof setTimeout> }>();

/**
 * `count` threads for `modelFile`: the idle ones kept from an earlier fit of the same file
 * first (threads of other files are let go), new ones for the rest, each checked to fit
 * `labels`. Every thread is in `threads` as soon as it exists, so the caller can close it.
 */
async function leaseThreads(
  modelFile: string,
  key: string,
  count: number,
  labels: string[],
  threads: StartThread[],
): Promise<void> {
  for (const [k, entry] of idle) {
    if (k === key) continue;
    idle.delete(k);
    clearTimeout(entry.timer);
    await Promise.all(entry.threads.map((t) => t.close()));
  }
  const kept = idle.get(key);
  if (kept !== undefined) {
    idle.delete(key);
    clearTimeout(kept.timer);
    threads.push(...kept.threads.splice(0, count));
    if (kept.threads.length > 0) await Promise.all(kept.threads.map((t) => t.close()));
  }
  const url = pathToFileURL(compiledEntry("fit/node/start-worker.js"));
  const fresh = Array.from({ length: count - threads.length }, () => new StartThread(url, modelFile));
  threads.push(...fresh);
  for (const t of threads) t.hold(true);
  const replies = await Promise.all(fresh.map((t) => t.next()));
  const refusal = (ready: Reply): string | undefined => {
    if ("error" in ready) return `parallel starts: ${ready.error}`;
    if (!("ready" in ready)) return "parallel starts: unexpected first message from a start thread";
    if (ready.labels.join("\0") !== labels.join("\0"))
      return `parallel starts: ${modelFile} fits ${ready.labels.join(", ")} but the problem fits ${labels.join(", ")}`;
    return undefined;
  };
  const why = replies.map(refusal).find((text) => text !== undefined);
  if (why !== undefined) {
    // None of these threads is kept: the file they loaded is not the problem's.
    for (const t of threads) t.broken = true;
    throw new Error(why);
  }
}

/** Keeps the threads that are still sound for the next fit of the same file; closes the others. */
async function release(key: string, threads: StartThread[]): Promise<void> {
  const sound = threads.filter((t) => !t.broken);
  await Promise.all(threads.filter((t) => t.broken).map((t) => t.close()));
  if (sound.length === 0) return;
  for (const t of sound) {
    t.hold(false);
    t.progress = () => undefined;
  }
  const timer = setTimeout(() => {
    if (idle.get(key)?.threads === sound) {
      idle.delete(key);
      void Promise.all(sound.map((t) => t.close()));
    }
  }, POOL_IDLE_MS);
  timer.unref?.();
  const before = idle.get(key);
  if (before !== undefined) {
    clearTimeout(before.timer);
    await Promise.all(before.threads.map((t) => t.close()));
  }
  idle.set(key, { threads: sound, timer });
}

/**
 * How many threads the start run by thread `t` of `count` may evaluate its batches on when
 * `wanted` threads serve `starts` starts: one (its own) when every thread has a start waiting,
 * else a pool of its share of the spare threads plus one for its own, which waits while the pool
 * evaluates; the first threads take one more when the spare ones do not divide evenly.
 */
export function batchThreads(t: number, count: number, wanted: number, starts: number): number {
  if (starts > count || wanted <= count) return 1;
  const spare = wanted - count;
  return 1 + Math.floor(spare / count) + (t < spare % count ? 1 : 0);
}

/**
 * Runs the request's starts on min(threads, starts) worker threads and resolves with the
 * outcomes of the starts that ran, by start number. The first error (a thread that cannot load
 * the model, a start whose model throws) stops the others and is thrown.
 */
export async function runStartsOnThreads(request: StartsRequest): Promise<StartOutcome[]> {
  const { tasks } = request;
  const wanted = request.workers === "auto" ? availableCpus() : request.workers;
  const count = Math.max(1, Math.min(wanted, tasks.length));
  const stopBuffer = new SharedArrayBuffer(4);
  const stop = new Int32Array(stopBuffer);
  const halt = (): void => {
    Atomics.store(stop, 0, 1);
  };
  if (request.signal.aborted) halt();
  request.signal.addEventListener("abort", halt, { once: true });
  const modelFile = resolvePath(request.modelFile);
  let stamp = 0;
  try {
    stamp = statSync(modelFile).mtimeMs;
  } catch {
    // a missing file is reported by the threads that try to load it
  }
  const key = `${stamp}\0${modelFile}\0${request.labels.join("\0")}`;
  const outcomes: StartOutcome[] = [];
  const threads: StartThread[] = [];
  let failure: Error | undefined;
  let next = 0;
  try {
    await leaseThreads(modelFile, key, count, request.labels, threads);
    await Promise.all(
      threads.map(async (thread, t) => {
        thread.progress = (p) => request.progress(p);
        const batch = batchThreads(t, count, wanted, tasks.length);
        while (next < tasks.length && Atomics.load(stop, 0) === 0) {
          thread.send({
            task: tasks[next++],
            method: request.method,
            options: request.options,
            modelCostMs: request.modelCostMs,
            batchThreads: batch,
            stop: stopBuffer,
          });
          const reply = await thread.next();
          if ("error" in reply) {
            failure ??= new Error(reply.error);
            halt();
            return;
          }
          if ("outcome" in reply) outcomes.push(reply.outcome);
        }
      }),
    );
  } finally {
    request.signal.removeEventListener("abort", halt);
    await release(key, threads);
  }
  if (failure !== undefined) throw failure;
  return outcomes.sort((a, b) => a.index - b.index);
}

setStartsRunner(runStartsOnThreads);
