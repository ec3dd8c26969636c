/**
 * The interrupt doorbell: how the kernel's supervisor interrupts its interpreter process without
 * a signal. The supervisor writes one record per interrupt to a pipe the interpreter process
 * inherited; the interrupt service's stopper thread reads it on an event loop of its own, so an
 * interrupt is heard however busy the main thread is.
 *
 * A signal cannot be made safe here: hearing SIGINT while the main thread is busy takes Node's
 * `breakOnSigint` watchdogs, and when the last of them ends Node leaves SIGINT to a handler that
 * ends the process. A signal delivered to a thread blocked in a read interrupts that read (Node's
 * handler is installed without SA_RESTART), which ended the thread that held the last watchdog, so
 * a burst of interrupts could kill the process. A process that takes its interrupts from the
 * doorbell starts no watchdog, and SIGINT stays with the listener that only ever interrupts.
 *
 * A record is the moment the supervisor heard the interrupt, on the machine's monotonic clock
 * (shared by all processes), so that the interpreter can tell an interrupt meant for a cell that
 * has ended from one meant for the cell that runs now.
 */
import { performance } from "node:perf_hooks";

/** The size of one record: a big-endian unsigned 64-bit count of nanoseconds. */
export const DOORBELL_RECORD_BYTES = 8;

/** The record for an interrupt heard now. */
export function doorbellRecord(): Buffer {
  const record = Buffer.alloc(DOORBELL_RECORD_BYTES);
  record.writeBigUInt64BE(process.hrtime.bigint());
  return record;
}

/** Splits the doorbell's byte stream into interrupts, however the stream was cut into chunks. */
export class DoorbellReader {
  private pending: Buffer = Buffer.alloc(0);

  /**
   * The interrupts whose records `chunk` completes, each as the time it was heard in the terms of
   * the interrupt service's `signalTime` (ms since the epoch, sub-millisecond resolution).
   */
  read(chunk: Buffer): number[] {
    const bytes = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const whole = bytes.length - (bytes.length % DOORBELL_RECORD_BYTES);
    this.pending = Buffer.from(bytes.subarray(whole));
    // The clock is imported, not the global `performance`, which a thread sets up lazily.
    const now = performance.timeOrigin + performance.now();
    const nowMono = process.hrtime.bigint();
    const times: number[] = [];
    for (let offset = 0; offset < whole; offset += DOORBELL_RECORD_BYTES) {
      const heard = bytes.readBigUInt64BE(offset);
      const ago = heard < nowMono ? Number(nowMono - heard) / 1e6 : 0;
      times.push(now - ago);
    }
    return times;
  }
}
