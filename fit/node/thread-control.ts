/**
 * The shared control block between an evaluation worker process and its evaluation threads
 * (`thread-slices.ts` and `evaluation-thread.ts`): one row of Int32 cells per thread, then the count
 * of threads still at work. The process writes a thread's row and bumps its wake counter; the
 * thread wakes on that cell (`Atomics.wait`), evaluates its part of the shared points, writes
 * its status, and the last thread to finish wakes the process. No message per slice.
 */

/** Cells per thread row. */
export const ROW = 8;
/** Row cells: the wake counter (negative: stop), bumped once per slice. */
export const WAKE = 0;
/** The request kind, as an index into {@link KINDS}. */
export const KIND = 1;
/** The thread's first point. */
export const FROM = 2;
/** One past its last point. */
export const TO = 3;
/** The values per point the sampler asked for (a `curves` request's width). */
export const ASKED = 4;
/** 0 when the part was evaluated, 1 when the thread wrote an error text instead. */
export const STATUS = 5;
/** The error text's length in bytes. */
export const ERROR_LENGTH = 6;
/** The version of the shared points and values buffers the thread must use (they grow). */
export const BUFFERS = 7;
/** Longest error text kept, in bytes. */
export const ERROR_BYTES = 2048;

/** The request kinds, in the order of their index in the {@link KIND} cell. */
export const KINDS = ["eval", "resid", "curves"] as const;

/** The control block's cells for `threads` threads: their rows, then the count still at work. */
export function controlCells(threads: number): number {
  return ROW * threads + 1;
}

/** The cell holding the number of threads still at work. */
export function remainingCell(threads: number): number {
  return ROW * threads;
}

/** What a thread is started with. */
export interface EvaluationThreadData {
  /** The model file it loads. */
  modelFile: string;
  /** Its row in the control block. */
  index: number;
  /** Threads in the team. */
  threads: number;
  /** The control block ({@link controlCells} Int32 cells). */
  control: SharedArrayBuffer;
  /** The error texts, {@link ERROR_BYTES} bytes per thread. */
  errors: SharedArrayBuffer;
}

/** The shared points and values, sent to a thread's port whenever they grow. */
export interface ThreadBuffers {
  /** The version written into the {@link BUFFERS} cell. */
  version: number;
  points: SharedArrayBuffer;
  values: SharedArrayBuffer;
}
