/**
 * The starts of a multi-start fit at once, on worker threads (`start-worker.ts`) that each load
 * the model module and run whole starts; a thread takes the next start when it is free. Every
 * start is planned before any runs (`fit/starts.ts`), so the outcomes are those of the serial fit
 * whatever the number of threads and the order in which the starts end.
 */
import { pathToFileURL } from "node:url";
import { resolve as resolvePath } from "node:path";
import { Worker } from "node:worker_threads";
import { availableCpus } from "./parallel.js";
import { setStartsRunner, type StartOutcome, type StartProgress, type StartsRequest } from "../starts.js";
import { compiledEntry } from "../../util/paths.js";

/** What a start thread sends back besides progress. */
type Reply = { ready: true; labels: string[] } | { outcome: StartOutcome } | { error: string };

/**
 * A worker thread whose replies are read one at a time; its progress messages go to `progress`
 * as they come.
 */
class StartThread {
  private readonly worker: Worker;
  private waiting: ((reply: Reply) => void) | undefined;
  private early: Reply | undefined;

  constructor(url: URL, data: unknown, progress: (p: StartProgress) => void) {
    this.worker = new Worker(url, { workerData: data });
    const deliver = (reply: Reply): void => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting(reply);
      else this.early ??= reply;
    };
    this.worker.on("message", (m: Reply | { progress: StartProgress }) => {
      if ("progress" in m) progress(m.progress);
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

  /** Stops the thread. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
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
  const url = pathToFileURL(compiledEntry("fit/node/start-worker.js"));
  const data = {
    modelFile: resolvePath(request.modelFile),
    method: request.method,
    options: request.options,
    modelCostMs: request.modelCostMs,
    stop: stopBuffer,
  };
  const outcomes: StartOutcome[] = [];
  const threads: StartThread[] = [];
  let failure: Error | undefined;
  let next = 0;
  const fail = (message: string): void => {
    failure ??= new Error(message);
    halt();
  };
  try {
    await Promise.all(
      Array.from({ length: count }, async () => {
        const thread = new StartThread(url, data, (p) => request.progress(p));
        threads.push(thread);
        const ready = await thread.next();
        if ("error" in ready) {
          fail(`parallel starts: ${ready.error}`);
          return;
        }
        if (!("ready" in ready)) {
          fail("parallel starts: unexpected first message from a start thread");
          return;
        }
        if (ready.labels.join("\0") !== request.labels.join("\0")) {
          fail(
            `parallel starts: ${data.modelFile} fits ${ready.labels.join(", ")} but the problem fits ${request.labels.join(", ")}`,
          );
          return;
        }
        while (next < tasks.length && Atomics.load(stop, 0) === 0) {
          thread.send({ task: tasks[next++] });
          const reply = await thread.next();
          if ("error" in reply) {
            fail(reply.error);
            return;
          }
          if ("outcome" in reply) outcomes.push(reply.outcome);
        }
      }),
    );
  } finally {
    request.signal.removeEventListener("abort", halt);
    await Promise.all(threads.map((t) => t.close()));
  }
  if (failure !== undefined) throw failure;
  return outcomes.sort((a, b) => a.index - b.index);
}

setStartsRunner(runStartsOnThreads);
