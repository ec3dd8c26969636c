/**
 * The main thread's side of interrupts: one process-wide service that turns SIGINT into a call
 * to its listeners (the kernel protocol, the interpreter) and, when the main thread is too busy
 * to hear it, has the busy code stopped from outside.
 *
 * Four threads take part:
 * - the anchor (`sigint-anchor.ts`) holds one watchdog for the service's whole life, so that a
 *   burst of signals never leaves the process without Node's SIGINT handler;
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
 *
 * A process whose supervisor interrupts it by the doorbell (`doorbell.ts`, chosen with
 * {@link takeInterruptsFromDoorbell}) starts neither the anchor nor the watcher: the stopper reads
 * the doorbell and reports each interrupt to the main thread as the watcher would. No watchdog
 * then ever exists, so SIGINT stays with Node's own handler and the listener, and only interrupts.
 */
import { pathToFileURL } from "node:url";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { startAnchor, type AnchorThread } from "./anchor-thread.js";
import type { StopperPolicy } from "./main-thread-stopper.js";
import type { SigintAck, SigintNotice, StopReport, StopperData, WatcherData, WatcherReady } from "./messages.js";
import { compiledEntry } from "../../util/paths.js";

/** Who hears of interrupts. */
export interface InterruptListener {
  /**
   * SIGINT reached the process: Jupyter's interrupt, an `interrupt_request`, or Ctrl-C. `at` is
   * when it arrived (see {@link signalTime}): the main thread may hear of it much later, when a
   * cell that started after it already runs, and that cell is not the one it was meant for.
   */
  onSigint(at: number): void;
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
  service ??= new InterruptService(doorbellFd);
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
let doorbellFd: number | undefined;

/**
 * Makes the service take its interrupts from a supervisor's doorbell (`doorbell.ts`), the pipe
 * open as `fd`, instead of from SIGINT, and start no SIGINT watchdog: a process run by a
 * supervisor is never sent SIGINT, and one it is sent anyway only interrupts. Must come before
 * the first listener.
 */
export function takeInterruptsFromDoorbell(fd: number): void {
  if (service) throw new Error("the interrupt service already runs: its source must be chosen before its first listener");
  doorbellFd = fd;
}

class InterruptService {
  readonly listeners = new Set<InterruptListener>();
  private readonly anchor: AnchorThread | undefined;
  private watcher: Worker | undefined;
  private readonly stopper: Worker;
  /** Our own SIGINT listener (see the module's comment). */
  private readonly listener = (): void => this.tellListeners(signalTime());
  private closed = false;
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(doorbellFd: number | undefined) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    process.on("SIGINT", this.listener);
    if (doorbellFd !== undefined) {
      // No watchdog, no anchor: SIGINT stays with the listener above for the process's whole life.
      const stopperData: StopperData = {
        source: { kind: "doorbell", fd: doorbellFd },
        policy: STOPPER_POLICY,
        graceMs: GRACE_MS,
      };
      this.stopper = this.startStopper(stopperData, []);
      this.stopper.on("message", (event: WatcherReady | SigintNotice | StopReport) => {
        if (event.kind === "ready") this.markReady();
        else if (event.kind === "sigint") this.heard(event);
        else this.tellStopReport(event);
      });
      this.anchor = undefined;
      return;
    }
    const channel = new MessageChannel();
    const stopperData: StopperData = {
      source: { kind: "watcher", port: channel.port2 },
      policy: STOPPER_POLICY,
      graceMs: GRACE_MS,
    };
    this.stopper = this.startStopper(stopperData, [channel.port2]);
    this.stopper.on("message", (report: StopReport) => this.tellStopReport(report));
    // The anchor's watchdog must be the first one Node knows of (see sigint-anchor.ts).
    this.anchor = startAnchor(workerScript("sigint-anchor"), log);
    const startWatcher = (): void => {
      if (this.closed) return;
      const watcherData: WatcherData = { idle: new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT), stopper: channel.port1 };
      const watcher = new Worker(workerScript("sigint-watcher"), { workerData: watcherData, transferList: [channel.port1] });
      this.watcher = watcher;
      watcher.unref();
      watcher.on("message", (event: WatcherReady | SigintNotice) => {
        if (event.kind === "ready") this.markReady();
        else this.heard(event);
      });
      watcher.on("error", this.failed("watcher"));
    };
    if (this.anchor) void this.anchor.ready.then(startWatcher);
    else startWatcher();
  }

  private startStopper(stopperData: StopperData, transferList: MessagePort[]): Worker {
    const stopper = new Worker(workerScript("stopper-worker"), { workerData: stopperData, transferList });
    // No thread of the service keeps the process alive.
    stopper.unref();
    stopper.on("error", this.failed("stopper"));
    return stopper;
  }

  /** An interrupt was heard: the stopper learns that the main thread is free enough to hear it. */
  private heard(notice: SigintNotice): void {
    const ack: SigintAck = { kind: "ack", seq: notice.seq };
    this.stopper.postMessage(ack);
    this.tellListeners(notice.at);
  }

  private tellStopReport(report: StopReport): void {
    for (const listener of this.listeners) listener.onStopReport?.(report);
  }

  private failed(which: string): (error: Error) => void {
    return (error) => {
      if (this.closed) return;
      log(`the SIGINT ${which} failed (${error.message}); busy code can no longer be interrupted`);
      this.markReady();
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.markReady();
    await Promise.all([this.watcher?.terminate(), this.stopper.terminate()]);
    if (this.anchor) {
      await this.anchor.release();
      // The last watchdog has gone, and with it Node's handler gave way to one that ends the
      // process; our listener is still here, so re-adding the listeners brings Node's back.
      rearmSigint();
    }
    process.off("SIGINT", this.listener);
  }

  private tellListeners(at: number): void {
    for (const listener of this.listeners) listener.onSigint(at);
  }
}

/**
 * Puts Node's own SIGINT handler back in place. Node installs it when the first listener is
 * added and removes it with the last, so removing every listener and adding them again installs
 * it anew; between the two, for the few microseconds of this synchronous function, SIGINT has
 * its default action.
 */
function rearmSigint(): void {
  const listeners = process.rawListeners("SIGINT") as Array<(signal: NodeJS.Signals) => void>;
  if (listeners.length === 0) return;
  process.removeAllListeners("SIGINT");
  for (const listener of listeners) process.on("SIGINT", listener);
}

/**
 * The time by which interrupts and cells are compared, in ms since the epoch, with sub-millisecond
 * resolution and the same meaning in every thread.
 */
export function signalTime(): number {
  return performance.timeOrigin + performance.now();
}

function log(text: string): void {
  process.stderr.write(`[hpcfit kernel] ${text}\n`);
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
