/**
 * The SIGINT anchor: a worker thread that holds one `breakOnSigint` watchdog for the service's
 * whole life, so that Node's count of watchdogs never falls to zero while the kernel runs.
 *
 * When the last watchdog of the process stops, Node replaces its SIGINT handler with one that
 * ends the process. The watcher's own watchdogs stop and restart with every signal it reports,
 * and a burst of signals can stop all of them at once; with this one still held, the count stays
 * above zero through any burst. It is started before the watcher, so Node, which tells only the
 * most recently started watchdog, tells this one only while the watcher holds none, that is
 * while the watcher is busy reporting an earlier signal: that later signal is absorbed.
 *
 * A watchdog that is told terminates its thread's JavaScript; this thread stays inside a
 * blocking read of a pipe, which termination cannot cut short, and which only the byte the
 * service writes when it closes ends.
 */
import { readSync } from "node:fs";
import vm from "node:vm";
import { parentPort, workerData } from "node:worker_threads";
import type { AnchorData, AnchorReady } from "./messages.js";

const data = workerData as AnchorData;
const port = parentPort;
if (!port) throw new Error("sigint-anchor.ts must run in a worker thread");

const slot = globalThis as unknown as Record<symbol, () => void>;
slot[Symbol.for("hpcfit.sigintAnchor.hold")] = () => {
  // Posted from inside the guarded script: the watchdog is registered by now.
  const ready: AnchorReady = { kind: "ready" };
  port.postMessage(ready);
  const byte = Buffer.alloc(1);
  while (readSync(data.fd, byte, 0, 1, null) === 0);
};
const hold = new vm.Script(`globalThis[Symbol.for("hpcfit.sigintAnchor.hold")]()`, { filename: "hpcfit:sigint-anchor" });
try {
  hold.runInThisContext({ breakOnSigint: true });
} catch (error) {
  // A signal told to this watchdog surfaces once the read returns: it was absorbed long ago.
  if ((error as { code?: unknown } | null)?.code !== "ERR_SCRIPT_EXECUTION_INTERRUPTED") throw error;
}
