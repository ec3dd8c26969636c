/**
 * The interrupt request flag: one Int32 in shared memory that the SIGINT watcher sets, to the
 * signal's sequence number, the moment a signal arrives, whatever the main thread is doing.
 * Compiled cells test it at the top of every loop body (`cell-compiler.ts`), which costs a plain
 * memory read, so a busy loop in a cell stops with an ordinary, catchable KeyboardInterrupt at
 * its next iteration: `finally` blocks run and the cell's variables keep their values, as in
 * IPython.
 */

/** Non-zero (the SIGINT's sequence number) while an interrupt waits to be taken. */
export const interruptRequest = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

/** The newest SIGINT already delivered, by a loop that took the flag or by the service. */
let delivered = 0;

/** Takes the waiting request, if any: true when there was one. Called by a loop that saw the flag. */
export function takeInterruptRequest(): boolean {
  const seq = Atomics.exchange(interruptRequest, 0, 0);
  if (seq === 0) return false;
  delivered = Math.max(delivered, seq);
  return true;
}

/**
 * Marks SIGINT `seq` delivered; false when it had been already (a loop took it first), so that
 * one Ctrl-C is one KeyboardInterrupt.
 */
export function deliverInterrupt(seq: number): boolean {
  Atomics.compareExchange(interruptRequest, 0, seq, 0);
  if (seq <= delivered) return false;
  delivered = seq;
  return true;
}
