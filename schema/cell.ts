/**
 * What the kernel offers libraries about the cell that is running, without their importing the
 * kernel (as `LIVE_DISPLAY` in `display.ts` does for displays). Pure types and symbols.
 */

/**
 * While a cell runs, the kernel puts the cell's AbortSignal under this symbol on `globalThis`; it
 * aborts when the user interrupts the cell (■, Ctrl-C, `interrupt_request`). Its `abort` event
 * fires on the main thread even when the interrupt had to stop busy code from outside, so a
 * library can still tidy up and show what it had done. Outside a kernel it is absent.
 */
export const CELL_SIGNAL: unique symbol = Symbol.for("hpcfit.cellSignal") as never;

/** The running cell's AbortSignal inside the kernel, else undefined. */
export function cellSignal(): AbortSignal | undefined {
  return (globalThis as Record<symbol, unknown>)[CELL_SIGNAL] as AbortSignal | undefined;
}
