/**
 * The main thread's side of interrupts: one process-wide service that turns SIGINT into a call
 * to its listeners (the kernel protocol, the interpreter) and, when the main thread is too busy
 * to hear it, has the busy code stopped from outside.
 *
 * Three threads take part:
 * - the watcher (`sigint-watcher.ts`) holds Node's SIGINT watchdog for the kernel's whole life
 *   and reports each signal;
 * - the main thread acknowledges each report as soon as its event loop is free, and tells the
 *   listeners;
 * - the stopper (`stopper-worker.ts`) stops the main thread's JavaScript through the inspector
 *   when no acknowledgement came within a grace period.
 *
 * The service also keeps a `process.on("SIGINT")` listener for its whole life. It hears SIGINT
 * until the watcher is ready; after that the watchdog's handler, installed later, takes the
 * signal. Keeping it matters: Node installs its own handler with the first SIGINT listener and
 * resets the signal to its default action when the last one goes, which would undo the
 * watchdog's handler (a cell that adds and removes a listener would then let the next SIGINT
 * kill the kernel).
 */
import { pathToFileURL } from "node:url";
import { MessageChannel, Worker } from "node:worker_threads";
import type { StopperPolicy } from "./main-thread-stopper.js";
import type { SigintAck, SigintNotice, StopReport, StopperData, WatcherData, WatcherReady } from "./messages.js";
import { compiledEntry } from "../../util/paths.js";

/** Who hears of interrupts. */
export interface InterruptListener {
  /** SIGINT reached the process: Jupyter's interrupt, an `interrupt_request`, or Ctrl-C. */
  onSigint(): void;
  /** The stopper stopped busy code, or had to leave it running (see {@link StopReport}). */
  onStopReport?(report: StopReport): void;
}

/** How long the main thread has to answer a SIGINT before its code is stopped from outside. */
const GRACE_MS = 25;

/** A listener's hold on the service. */
export interface InterruptSubscription {
  /**
   * Resolves once the watcher holds SIGINT (or has failed to start). Until then SIGINT is heard
   * only when the main thread's event loop is free, so code should not start busy work before.
   */
  ready: Promise<void>;
  /**
   * Stops listening; the service ends with its last listener, and SIGINT is Node's again. The
   * promise settles when the service's threads have ended (at once when others still listen).
   */
  stop(): Promise<void>;
}

/** Starts hearing SIGINT for `listener` (the service starts with its first listener). */
export function listenForInterrupts(listener: InterruptListener): InterruptSubscription {
  service ??= new InterruptService();
  const current = service;
  current.listeners.add(listener);
  let listening = true;
  return {
    ready: current.ready,
    stop: async () => {
      if (!listening) return;
      listening = false;
      current.listeners.delete(listener);
      if (current.listeners.size > 0) return;
      if (service === current) service = undefined;
      await current.close();
    },
  };
}

let service: InterruptService | undefined;

class InterruptService {
  readonly listeners = new Set<InterruptListener>();
  private readonly watcher: Worker;
  private readonly stopper: Worker;
  /** Our own SIGINT listener (see the module's comment). */
  private readonly listener = (): void => this.tellListeners();
  private closed = false;
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor() {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    process.on("SIGINT", this.listener);
    const channel = new MessageChannel();
    const stopperData: StopperData = { watcher: channel.port2, policy: STOPPER_POLICY, graceMs: GRACE_MS };
    this.stopper = new Worker(workerScript("stopper-worker"), { workerData: stopperData, transferList: [channel.port2] });
    const watcherData: WatcherData = { idle: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT), stopper: channel.port1 };
    this.watcher = new Worker(workerScript("sigint-watcher"), { workerData: watcherData, transferList: [channel.port1] });
    // Neither thread keeps the process alive.
    this.watcher.unref();
    this.stopper.unref();

    this.watcher.on("message", (event: WatcherReady | SigintNotice) => {
      if (event.kind === "ready") this.markReady();
      else {
        const ack: SigintAck = { kind: "ack", seq: event.seq };
        this.stopper.postMessage(ack);
        this.tellListeners();
      }
    });
    this.stopper.on("message", (report: StopReport) => {
      for (const listener of this.listeners) listener.onStopReport?.(report);
    });
    const failed = (which: string) => (error: Error) => {
      if (this.closed) return;
      process.stderr.write(`[hpcfit kernel] the SIGINT ${which} failed (${error.message}); busy code can no longer be interrupted\n`);
      this.markReady();
    };
    this.watcher.on("error", failed("watcher"));
    this.stopper.on("error", failed("stopper"));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    process.off("SIGINT", this.listener);
    await Promise.all([this.watcher.terminate(), this.stopper.terminate()]);
  }

  private tellListeners(): void {
    for (const listener of this.listeners) listener.onSigint();
  }
}

/**
 * The kernel's own code, whose `finally` blocks keep its state consistent, must not be cut short,
 * nor the code that magics run (the magics and the libraries behind them, which hold job records,
 * queue transactions and notebook runs); the engine in `fit/` may, as it is user-level library
 * code. The cell runner may too, since an interrupted cell is abandoned anyway (the interpreter
 * races it with the interrupt). These are locations, not imports: the kernel does not load them.
 */
const PROTECTED_FOLDERS = ["kernel", "jupyter", "util", "magics", "jobs", "queue", "notebooks", "fit-jobs"];
const STOPPER_POLICY: StopperPolicy = {
  protectedUrls: PROTECTED_FOLDERS.map((folder) => new URL(`../../${folder}/`, import.meta.url).href),
  unprotectedUrls: [new URL("../interpreter/cell-runner.", import.meta.url).href],
};

/** A worker script of this folder (always the compiled one: threads cannot load TypeScript). */
function workerScript(name: string): URL {
  return pathToFileURL(compiledEntry(`kernel/interrupt/${name}.js`));
}
