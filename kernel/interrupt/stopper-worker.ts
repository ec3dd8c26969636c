/**
 * The stopper: a worker thread that hears of every SIGINT from the watcher and, when the main
 * thread has not answered within a grace period (so it is busy in code no guard watches), stops
 * that code through {@link MainThreadStopper}. Its event loop must stay free, which is why it is
 * not the watcher's thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import { MainThreadStopper } from "./main-thread-stopper.js";
import type { SigintAck, SigintNotice, StopReport, StopperData } from "./messages.js";

const data = workerData as StopperData;
const port = parentPort;
if (!port) throw new Error("stopper-worker.ts must run in a worker thread");

const stopper = new MainThreadStopper(data.policy);
let answered = 0;
let stopping = false;

port.on("message", (ack: SigintAck) => {
  answered = Math.max(answered, ack.seq);
});

data.watcher.on("message", (notice: SigintNotice) => {
  setTimeout(() => void check(notice.seq), data.graceMs);
});

async function check(seq: number): Promise<void> {
  // One stop at a time; a second SIGINT while stopping is covered by the first.
  if (answered >= seq || stopping) return;
  stopping = true;
  try {
    const outcome = await stopper.stop(() => answered >= seq);
    if (outcome.kind !== "idle") {
      const report: StopReport = { ...outcome, seq };
      port!.postMessage(report);
    }
  } catch (error) {
    process.stderr.write(`[hpcfit kernel] could not stop the main thread: ${(error as Error).message}\n`);
  } finally {
    stopping = false;
  }
}
