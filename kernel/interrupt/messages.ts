/**
 * What the interrupt machinery's threads say to each other: the SIGINT anchor and watcher, the
 * stopper, and the main thread that runs cells (see `interrupt-service.ts`).
 */
import type { MessagePort } from "node:worker_threads";
import type { StopperPolicy } from "./main-thread-stopper.js";

/** The data the SIGINT watcher starts with. */
export interface WatcherData {
  /** One Int32 of shared memory that never changes: the watcher waits on it for ever. */
  idle: SharedArrayBuffer;
  /** Where the watcher also reports each SIGINT: the stopper's end of a channel. */
  stopper: MessagePort;
}

/** The data the SIGINT anchor starts with. */
export interface AnchorData {
  /** A pipe open for reading and writing: the anchor blocks reading it until the service writes a byte. */
  fd: number;
}

/** From the anchor: its watchdog is registered, so the watcher's may start. */
export interface AnchorReady {
  kind: "ready";
}

/** Where the stopper hears of interrupts. */
export type StopperSource =
  /** The watcher's SIGINT notices arrive on this port. */
  | { kind: "watcher"; port: MessagePort }
  /**
   * The supervisor's doorbell (`doorbell.ts`), an inherited pipe: the stopper reads it, and tells
   * the main thread of each interrupt with a {@link SigintNotice} of its own numbering.
   */
  | { kind: "doorbell"; fd: number };

/** The data the stopper starts with. */
export interface StopperData {
  /** Where interrupts come from. */
  source: StopperSource;
  /** Which code may be stopped from outside (see `main-thread-stopper.ts`). */
  policy: StopperPolicy;
  /** How long the main thread has to answer a SIGINT before it is taken to be busy, in ms. */
  graceMs: number;
}

/** From the watcher: it is about to hold SIGINT. From the stopper: it reads the doorbell. */
export interface WatcherReady {
  kind: "ready";
}

/**
 * From the watcher (to the main thread and the stopper), or from the stopper reading the doorbell
 * (to the main thread): the process was interrupted, for the `seq`-th time.
 */
export interface SigintNotice {
  kind: "sigint";
  seq: number;
  /** When it was heard, in ms since the epoch (see `signalTime` in interrupt-service.ts). */
  at: number;
}

/** From the main thread to the stopper: its event loop has handled SIGINT `seq`. */
export interface SigintAck {
  kind: "ack";
  seq: number;
}

/** From the stopper to the main thread, when the main thread did not answer SIGINT `seq` in time. */
export type StopReport =
  | {
      /** Busy code was stopped (by the inspector's `Runtime.terminateExecution`) in `where`. */
      kind: "stopped";
      seq: number;
      where: string;
    }
  | {
      /** Busy code was left running: it was inside `where`, which must not be cut short. */
      kind: "refused";
      seq: number;
      where: string;
    };
