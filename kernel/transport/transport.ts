/**
 * What the protocol layer needs from a transport. The real one runs ZeroMQ sockets in a worker
 * thread ({@link WorkerTransport}); tests use an in-memory one.
 */
import type { Channel, JupyterMessage } from "../../jupyter/message.js";

/**
 * Called for every verified, parsed message from a client. `receivedAt` (ms since the epoch) is
 * when the socket received it, which may be long before the main thread gets to it.
 */
export type IncomingHandler = (channel: Exclude<Channel, "iopub">, message: JupyterMessage, receivedAt: number) => void;

/** A bidirectional carrier of parsed Jupyter messages. */
export interface Transport {
  /** Sends a message on a channel (iopub messages go to every subscriber). */
  send(channel: Channel, message: JupyterMessage): void;
  /** Sets the one handler for incoming messages. */
  onMessage(handler: IncomingHandler): void;
}
