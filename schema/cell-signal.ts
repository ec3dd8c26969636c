/**
 * Where the kernel publishes the running cell's AbortSignal, so that long operations in
 * libraries (a fit, a sampler) stop when the user interrupts the cell, without importing the
 * kernel. The signal aborts on interrupt; outside a kernel, or between cells, it is absent.
 */

/** `globalThis[CELL_SIGNAL]` is the running cell's AbortSignal. */
export const CELL_SIGNAL: unique symbol = Symbol.for("hpcfit.cellSignal") as never;

/** The running cell's signal, when code runs inside a kernel's cell. */
export function cellSignal(): AbortSignal | undefined {
  return (globalThis as Record<symbol, unknown>)[CELL_SIGNAL] as AbortSignal | undefined;
}

/**
 * `signal` combined with the running cell's signal: aborts when either does. Undefined when
 * there is neither.
 */
export function withCellSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
  const cell = cellSignal();
  if (cell === undefined || cell === signal) return signal;
  if (signal === undefined) return cell;
  return AbortSignal.any([signal, cell]);
}
