/**
 * The shared control block between an evaluation worker process and its evaluation threads
 * (`thread-slices.ts` and `evaluation-thread.ts`): one row of Int32 cells per thread, then the
 * slice's cells. The process writes the slice's cells and bumps each thread's wake counter; a
 * thread wakes on its cell (`Atomics.wait`), takes the slice's next unevaluated point from a
 * shared counter until none is left, writes its status, and the last thread to finish wakes the
 * process. No message per slice.
 *
 * Points are taken, not dealt: a thread whose point is slow (a model whose cost varies over the
 * parameter space, a thread the machine wakes late) takes fewer, the others take the rest, and
 * the slice ends when its points are done rather than when the slowest fixed share is. Which
 * thread evaluates a point changes no value.
 */

/** Cells per thread row. */
export const ROW = 8;
/** Row cells: the wake counter (negative: stop), bumped once per slice. */
export const WAKE = 0;
/** 0 when every point the thread took was evaluated, 1 when it wrote an error text instead. */
export const STATUS = 1;
/** The error text's length in bytes. */
export const ERROR_LENGTH = 2;
/** The point whose evaluation failed first in this thread (its points are taken in rising order). */
export const ERROR_POINT = 3;
/** The version of the shared points and values buffers the thread must use (they grow). */
export const BUFFERS = 4;
/** Longest error text kept, in bytes. */
export const ERROR_BYTES = 2048;

/** The request kinds, in the order of their index in the {@link SLICE_KIND} cell. */
export const KINDS = ["eval", "resid", "curves"] as const;

/** Slice cells, after the rows (see {@link sliceCell}): the number of threads still at work. */
export const REMAINING = 0;
/** The next point to take (taken with `Atomics.add`; at or past {@link SLICE_COUNT}, none is left). */
export const NEXT = 1;
/** The slice's points. */
export const SLICE_COUNT = 2;
/** The request kind, as an index into {@link KINDS}. */
export const SLICE_KIND = 3;
/** The values per point the sampler asked for (a `curves` request's width; -1 for the others). */
export const SLICE_ASKED = 4;
/** Slice cells in all. */
const SLICE_CELLS = 5;

/** The control block's cells for `threads` threads: their rows, then the slice's cells. */
export function controlCells(threads: number): number {
  return ROW * threads + SLICE_CELLS;
}

/** The index of slice cell `cell` ({@link REMAINING}, {@link NEXT}, ...) in a block of `threads` threads. */
export function sliceCell(threads: number, cell: number): number {
  return ROW * threads + cell;
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
