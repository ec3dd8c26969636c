/**
 * The main thread's side of the type service: starts the worker that owns the notebook's language
 * service and asks it questions. A worker that failed or died makes every answer "unknown"
 * (completion and inspection then fall back to runtime values), never an error for the user.
 */
import { Worker } from "node:worker_threads";
import type { TypeAnswers, TypeReply, TypeRequest, TypeWorkerData } from "./messages.js";

/** A request without its id. */
type Question = TypeRequest extends infer R ? (R extends TypeRequest ? Omit<R, "id"> : never) : never;

/** Talks to the type-service worker. */
export class TypeService {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private failure: Error | undefined;

  /** Starts the worker for a notebook in `notebookDir`; it warms up in the background. */
  constructor(notebookDir: string) {
    const data: TypeWorkerData = { notebookDir };
    this.worker = new Worker(new URL("./type-worker.js", import.meta.url), { workerData: data });
    // The kernel may exit while the worker still checks a cell.
    this.worker.unref();
    this.worker.on("message", (reply: TypeReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(new Error(`type service: ${reply.error}`));
    });
    const fail = (error: Error): void => {
      this.failure = error;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    this.worker.on("error", (error) => fail(new Error(`type service failed: ${error.message}`)));
    this.worker.on("exit", (code) => fail(new Error(`type service stopped (exit code ${code})`)));
  }

  /** Asks the worker; rejects when it failed or the question made it throw. */
  ask<Q extends Question>(question: Q): Promise<TypeAnswers[Q["kind"]]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...question, id });
    });
  }

  /** Stops the worker. */
  dispose(): void {
    void this.worker.terminate();
  }
}
