/**
 * The main thread's side of the type service: starts the worker that owns the notebook's language
 * service and asks it questions. A worker that failed or died makes every answer "unknown"
 * (completion and inspection then fall back to runtime values), never an error for the user.
 */
import { Worker } from "node:worker_threads";
import type { TypeAnswers, TypeReply, TypeRequest, TypeWorkerData } from "./messages.js";

/** The type worker's young generation, MiB (three semi-spaces' worth). */
const YOUNG_GENERATION_MB = 6;

/** A request without its id. */
type Question = TypeRequest extends infer R ? (R extends TypeRequest ? Omit<R, "id"> : never) : never;

/**
 * Talks to the type-service worker, which starts on {@link start} or on the first question that
 * needs an answer: a kernel that never completes, inspects or checks a cell never loads
 * TypeScript. Cells remembered before that are kept here, as text, and sent first.
 */
export class TypeService {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  /** Requests made before the worker started, in order. */
  private backlog: TypeRequest[] = [];
  private failure: Error | undefined;
  private disposed = false;
  /** The highest id of the withdrawn questions, shared with the worker (see {@link TypeWorkerData.withdrawn}). */
  private readonly withdrawn = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

  /** @param notebookDir where the notebook's imports resolve from */
  constructor(private readonly notebookDir: string) {}

  /** True once the worker was started. */
  get started(): boolean {
    return this.worker !== undefined;
  }

  /** Starts the worker (once); it then loads TypeScript and the notebook's declarations in its own thread. */
  start(): void {
    if (this.worker || this.disposed || this.failure) return;
    const data: TypeWorkerData = { notebookDir: this.notebookDir, withdrawn: this.withdrawn.buffer };
    const worker = (this.worker = new Worker(new URL("./type-worker.js", import.meta.url), {
      workerData: data,
      // A small young generation: V8's default (16 MiB semi-spaces) kept about 25 MiB more
      // resident for no measurable speed in program updates, which allocate mostly long-lived trees.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    }));
    // The kernel may exit while the worker still checks a cell.
    worker.unref();
    worker.on("message", (reply: TypeReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(new Error(`type service: ${reply.error}`));
    });
    const fail = (error: Error): void => {
      this.failure ??= error;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on("error", (error) => fail(new Error(`type service failed: ${error.message}`)));
    worker.on("exit", (code) => fail(new Error(`type service stopped (exit code ${code})`)));
    for (const request of this.backlog) worker.postMessage(request);
    this.backlog = [];
  }

  /**
   * Asks the worker; rejects when it failed or the question made it throw. Before the worker
   * started, the question waits in order for {@link start}.
   */
  ask<Q extends Question>(question: Q): Promise<TypeAnswers[Q["kind"]]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const request = { ...question, id };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.worker) this.worker.postMessage(request);
      else this.backlog.push(request);
    });
  }

  /**
   * Withdraws every completion and inspection question asked so far: the worker answers those it
   * has not reached yet with "unknown" (`undefined`) at once instead of computing them. Checks and
   * commits still run, as later answers depend on them.
   */
  withdrawQuestions(): void {
    Atomics.store(this.withdrawn, 0, this.nextId - 1);
  }

  /** Stops the worker; questions still waiting are refused. */
  dispose(): void {
    this.disposed = true;
    this.failure ??= new Error("type service stopped");
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
    this.backlog = [];
    if (this.worker) void this.worker.terminate();
  }
}
