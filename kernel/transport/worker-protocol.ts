/**
 * What the socket worker and the main thread say to each other over `postMessage`. Messages are
 * parsed and verified in the worker; the main thread only ever sees trusted, parsed messages.
 */
import type { ConnectionInfo } from "../../jupyter/connection-file.js";
import type { Channel, JupyterMessage, SenderIdentity } from "../../jupyter/message.js";

/** The data a socket worker starts with. */
export interface SocketWorkerData {
  connection: ConnectionInfo;
  sender: SenderIdentity;
}

/** From the worker to the main thread. */
export type WorkerEvent =
  | { kind: "ready" }
  | { kind: "message"; channel: Exclude<Channel, "iopub">; message: JupyterMessage; receivedAt: number }
  | { kind: "fatal"; error: string }
  | { kind: "closed" };

/** From the main thread to the worker. */
export type MainCommand =
  | { kind: "send"; channel: Channel; message: JupyterMessage }
  /** Several messages, in order, in one post (fewer thread wake-ups under a burst). */
  | { kind: "send-many"; items: Array<{ channel: Channel; message: JupyterMessage }> }
  | { kind: "close" };
