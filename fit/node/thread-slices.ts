/**
 * The evaluation threads of one worker process of a spread fit: K threads that each loaded the
 * model file, fed through shared memory (`thread-control.ts`). The process writes a slice from
 * the sampler into the control block and wakes the threads with `Atomics.notify`; they take its
 * points one at a time until none is left, so a slow point holds up one thread while the others
 * take the rest. The process awaits the last thread's notify with `Atomics.waitAsync`, so its
 * event loop stays free for the socket and the heartbeats while the threads work, and no message
 * is posted per slice. A thread that dies breaks the team: every evaluation after it rejects,
 * and the worker ends (the sampler then takes the whole process as lost and re-sends its points).
 */
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import {
  BUFFERS,
  ERROR_BYTES,
  ERROR_LENGTH,
  ERROR_POINT,
  KINDS,
  NEXT,
  REMAINING,
  ROW,
  SLICE_ASKED,
  SLICE_COUNT,
  SLICE_KIND,
  STATUS,
  WAKE,
  controlCells,
  sliceCell,
  type ThreadBuffers,
  type EvaluationThreadData,
} from "./thread-control.js";
import type { SliceEvaluator } from "./slice-evaluation.js";
import type { RequestKind } from "./zmq-frames.js";
import { nextMessage } from "./thread-message.js";
import { compiledEntry } from "../../util/paths.js";

/**
 * `Atomics.waitAsync` (Node 16+, ES2024): a promise that settles when the cell is notified, so the
 * process waits for its threads without blocking its event loop.
 */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      this: void,
      cells: Int32Array,
      index: number,
      value: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

/** A thread's first message. */
type ThreadHello = { ready: true; labels: string[]; residuals: number } | { error: string };

/** Slices evaluated by K threads of this process. */
export class ThreadSlices implements SliceEvaluator {
  private readonly cells: Int32Array;
  private readonly errors: Uint8Array;
  private version = 0;
  private points: Float64Array = new Float64Array(0);
  private values: Float64Array = new Float64Array(0);
  private broken: string | undefined;
  private closed = false;
  /** Rejects the evaluation under way when a thread dies. */
  private onBreak: ((e: Error) => void) | undefined;
  private settleFailed: (e: Error) => void = () => undefined;
  /** Settles with the error once a thread died (whether or not an evaluation was under way). */
  readonly failed: Promise<Error> = new Promise((resolve) => {
    this.settleFailed = resolve;
  });

  private constructor(
    private readonly workers: Worker[],
    control: SharedArrayBuffer,
    errors: SharedArrayBuffer,
    /** @inheritDoc */
    readonly labels: string[],
    /** @inheritDoc */
    readonly residuals: number,
  ) {
    this.cells = new Int32Array(control);
    this.errors = new Uint8Array(errors);
    for (const [i, w] of workers.entries()) {
      w.on("error", (e: Error) => this.break(`evaluation thread ${i + 1} of ${workers.length} failed: ${e.message}`));
      w.on("exit", (code: number) => {
        if (!this.closed) this.break(`evaluation thread ${i + 1} of ${workers.length} exited (code ${code})`);
      });
    }
  }

  /** @inheritDoc */
  get threads(): number {
    return this.workers.length;
  }

  /**
   * Starts `threads` threads that each load `modelFile`; resolves once all are ready.
   * @throws Error with the model file's error when a thread cannot load it
   */
  static async start(modelFile: string, threads: number): Promise<ThreadSlices> {
    const control = new SharedArrayBuffer(4 * controlCells(threads));
    const errors = new SharedArrayBuffer(ERROR_BYTES * threads);
    const url = pathToFileURL(compiledEntry("fit/node/evaluation-thread.js"));
    const workers: Worker[] = [];
    try {
      const hellos = await Promise.all(
        Array.from({ length: threads }, (_, index) => {
          const data: EvaluationThreadData = { modelFile, index, threads, control, errors };
          // The process's arguments, so that a model that reads them finds in a thread what it finds in the process.
          const w = new Worker(url, { workerData: data, argv: process.argv.slice(2) });
          workers.push(w);
          return firstMessage(w);
        }),
      );
      for (const h of hellos) if ("error" in h) throw new Error(h.error);
      const first = hellos[0] as Extract<ThreadHello, { ready: true }>;
      return new ThreadSlices(workers, control, errors, first.labels, first.residuals);
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
  }

  private break(why: string): void {
    if (this.broken !== undefined) return;
    this.broken = why;
    this.onBreak?.(new Error(why));
    this.settleFailed(new Error(why));
  }

  /** Makes the shared buffers hold `count` points and `count × width` values, telling the threads when they grow. */
  private ensure(count: number, width: number): void {
    const p = this.labels.length;
    if (this.points.length >= count * p && this.values.length >= count * width) return;
    const grown: ThreadBuffers = {
      version: ++this.version,
      points: new SharedArrayBuffer(8 * Math.max(count * p, this.points.length, 2 * this.points.length)),
      values: new SharedArrayBuffer(8 * Math.max(count * width, this.values.length, 2 * this.values.length)),
    };
    this.points = new Float64Array(grown.points);
    this.values = new Float64Array(grown.values);
    // A thread takes them at its next wake (receiveMessageOnPort), when it finds the new version in its row.
    for (const w of this.workers) w.postMessage(grown);
  }

  /** @inheritDoc */
  async evaluate(
    kind: RequestKind,
    points: Float64Array,
    count: number,
    asked: number | undefined,
  ): Promise<Float64Array | string> {
    if (this.broken !== undefined) throw new Error(this.broken);
    if (this.closed) throw new Error("the evaluation threads are stopped");
    const width = kind === "eval" ? 1 : kind === "resid" ? this.residuals : (asked ?? 0);
    this.ensure(count, width);
    this.points.set(points.subarray(0, count * this.labels.length));
    const cells = this.cells;
    const threads = this.workers.length;
    // Woken beyond the slice's points, a thread would find none left to take.
    const busy = Math.min(threads, count);
    const slice = (cell: number): number => sliceCell(threads, cell);
    const remaining = slice(REMAINING);
    cells[slice(SLICE_KIND)] = KINDS.indexOf(kind);
    cells[slice(SLICE_COUNT)] = count;
    cells[slice(SLICE_ASKED)] = asked ?? -1;
    Atomics.store(cells, slice(NEXT), 0);
    Atomics.store(cells, remaining, busy);
    for (let t = 0; t < busy; t++) {
      const row = t * ROW;
      cells[row + STATUS] = 0;
      cells[row + BUFFERS] = this.version;
      // The add publishes the plain writes above to the thread that wakes on it.
      Atomics.add(cells, row + WAKE, 1);
      Atomics.notify(cells, row + WAKE);
    }
    await new Promise<void>((resolve, reject) => {
      this.onBreak = reject;
      void (async () => {
        for (;;) {
          const left = Atomics.load(cells, remaining);
          if (left === 0) break;
          const wait = waitAsync(cells, remaining, left);
          if (wait.async) await wait.value;
        }
      })().then(resolve);
    }).finally(() => {
      this.onBreak = undefined;
    });
    // The slice's first failing point speaks for it, whichever thread took it.
    let failed: number | undefined;
    for (let t = 0; t < busy; t++) {
      if (cells[t * ROW + STATUS] === 0) continue;
      if (failed === undefined || cells[t * ROW + ERROR_POINT] < cells[failed * ROW + ERROR_POINT]) failed = t;
    }
    if (failed !== undefined) {
      const length = cells[failed * ROW + ERROR_LENGTH];
      // Decoded from a copy: TextDecoder does not read shared memory.
      return new TextDecoder().decode(this.errors.slice(failed * ERROR_BYTES, failed * ERROR_BYTES + length));
    }
    return this.values.slice(0, count * width);
  }

  /** Whether the threads may keep the process alive (they do from the start). */
  hold(held: boolean): void {
    for (const w of this.workers) {
      if (held) w.ref();
      else w.unref();
    }
  }

  /** @inheritDoc */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (let t = 0; t < this.workers.length; t++) {
      Atomics.store(this.cells, t * ROW + WAKE, -1);
      Atomics.notify(this.cells, t * ROW + WAKE);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** A thread's first message, or its error or exit before it. */
function firstMessage(w: Worker): Promise<ThreadHello> {
  return nextMessage<ThreadHello>(w, (code) => `an evaluation thread exited (code ${code}) before it was ready`);
}
