/**
 * The stopper: a worker thread that hears of every interrupt and, when the main thread has not
 * answered within a grace period (so it is busy in code no guard watches), stops that code
 * through {@link MainThreadStopper}. Its event loop must stay free, which is why it is not the
 * watcher's thread. It hears of interrupts from the SIGINT watcher or, in a process its supervisor
 * interrupts by the doorbell (`doorbell.ts`), by reading the doorbell itself, and then tells the
 * main thread too.
 */
import { Socket } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import { DoorbellReader } from "./doorbell.js";
import { MainThreadStopper } from "./main-thread-stopper.js";
import type { SigintAck, SigintNotice, StopReport, StopperData, WatcherReady } from "./messages.js";

const data = workerData as StopperData;
const port = parentPort;
if (!port) throw new Error("stopper-worker.ts must run in a worker thread");

const stopper = new MainThreadStopper(data.policy);
let answered = 0;
let stopping = false;

port.on("message", (ack: SigintAck) => {
  answered = Math.max(answered, ack.seq);
});

const source = data.source;
if (source.kind === "watcher") {
  source.port.on("message", (notice: SigintNotice) => {
    setTimeout(() => void check(notice.seq), data.graceMs);
  });
} else {
  const reader = new DoorbellReader();
  let seq = 0;
  const doorbell = new Socket({ fd: source.fd, readable: true, writable: false });
  doorbell.on("data", (chunk: Buffer) => {
    for (const at of reader.read(chunk)) {
      const notice: SigintNotice = { kind: "sigint", seq: ++seq, at };
      port.postMessage(notice);
      setTimeout(() => void check(notice.seq), data.graceMs);
    }
  });
  doorbell.on("error", (error) => {
    process.stderr.write(`[hpcfit kernel] the interrupt doorbell failed: ${error.message}\n`);
  });
  const ready: WatcherReady = { kind: "ready" };
  port.postMessage(ready);
}

async function check(seq: number): Promise<void> {
  // One stop at a time; a second interrupt while stopping is covered by the first.
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
