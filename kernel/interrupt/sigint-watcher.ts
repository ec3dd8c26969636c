/**
 * The SIGINT watcher: a worker thread that exists so that SIGINT reaches the kernel even while
 * the main thread is busy, e.g. in a loop of a cell or of a library it calls.
 *
 * Node turns SIGINT into JavaScript in two ways. `process.on("SIGINT")` runs only when the main
 * thread's event loop is free. `vm`'s `breakOnSigint` starts a watchdog that stops the script
 * that asked for it, in whatever thread; Node 20 tells only the most recently started watchdog,
 * and keeps its own signal handler installed while any watchdog exists. So this thread waits for
 * ever inside a guarded script, and tells the main thread and the stopper (`stopper-worker.ts`)
 * of every signal. The main thread answers when it is free; the stopper acts when it is not.
 *
 * The wait is nested in a second, outer guard so that a signal arriving between two inner waits
 * is still reported. Two signals in that gap stop both guards; the anchor (`sigint-anchor.ts`)
 * keeps Node's count of watchdogs above zero meanwhile, so Node's handler stays, and a further
 * signal before the guards are back is absorbed by the anchor.
 */
import { performance } from "node:perf_hooks";
import vm from "node:vm";
import { parentPort, workerData } from "node:worker_threads";
import type { SigintNotice, WatcherData, WatcherReady } from "./messages.js";

const data = workerData as WatcherData;
const port = parentPort;
if (!port) throw new Error("sigint-watcher.ts must run in a worker thread");
const idle = new Int32Array(data.idle);

// The clock is imported, not read from the global `performance`, which a thread sets up lazily on
// first use: a signal's termination landing in that set-up left it undefined for good, and the
// watcher failed on the next signal ("Cannot read properties of undefined (reading 'timeOrigin')").
let seq = 0;
function noticeSigint(): void {
  const notice: SigintNotice = { kind: "sigint", seq: ++seq, at: performance.timeOrigin + performance.now() };
  port!.postMessage(notice);
  data.stopper.postMessage(notice);
}

/** Runs `script` until SIGINT stops it, and reports the signal. */
function guard(script: vm.Script): void {
  try {
    script.runInThisContext({ breakOnSigint: true });
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== "ERR_SCRIPT_EXECUTION_INTERRUPTED") throw error;
    noticeSigint();
  }
}

// The guarded scripts call back into this module through the global object: a vm script sees
// only globals, and these two functions are all it needs.
const slot = globalThis as unknown as Record<symbol, () => void>;
slot[Symbol.for("hpcfit.sigintWatcher.wait")] = () => {
  for (;;) Atomics.wait(idle, 0, 0);
};
const inner = new vm.Script(`globalThis[Symbol.for("hpcfit.sigintWatcher.wait")]()`, { filename: "hpcfit:sigint-watcher" });
slot[Symbol.for("hpcfit.sigintWatcher.guard")] = () => {
  for (;;) guard(inner);
};
const outer = new vm.Script(`globalThis[Symbol.for("hpcfit.sigintWatcher.guard")]()`, { filename: "hpcfit:sigint-watcher" });

// The main thread's own SIGINT listener was added before this thread started, so the handler the
// watchdog installs now is the one that stays (see interrupt-service.ts).
const ready: WatcherReady = { kind: "ready" };
port.postMessage(ready);

// The outer guard ends only for a signal that came between two inner waits.
for (;;) guard(outer);
