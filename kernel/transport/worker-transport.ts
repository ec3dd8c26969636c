/**
 * The main thread's handle on the socket worker: start it, receive parsed messages, send
 * messages, close. Implements the protocol layer's {@link Transport}.
 */
import { Worker } from "node:worker_threads";
import type { ConnectionInfo } from "../../jupyter/connection-file.js";
import type { Channel, JupyterMessage, SenderIdentity } from "../../jupyter/message.js";
import type { IncomingHandler, Transport } from "./transport.js";
import type { MainCommand, SocketWorkerData, WorkerEvent } from "./worker-protocol.js";

/** How long the worker has to flush and close its sockets, and then to end by itself. */
const CLOSE_TIMEOUT_MS = 3000;
const EXIT_TIMEOUT_MS = 3000;

/** Runs the kernel's ZeroMQ sockets in a worker thread. */
export class WorkerTransport implements Transport {
  private readonly worker: Worker;
  private handler: IncomingHandler | null = null;
  private readonly early: Array<{ channel: Exclude<Channel, "iopub">; message: JupyterMessage; receivedAt: number }> = [];
  private readonly ready: Promise<void>;
  private closedResolve: (() => void) | null = null;

  /** Starts the worker; await {@link started} before relying on the sockets being bound. */
  constructor(connection: ConnectionInfo, sender: SenderIdentity) {
    const workerData: SocketWorkerData = { connection, sender };
    this.worker = new Worker(new URL("./socket-worker.js", import.meta.url), { workerData, stderr: false, stdout: false });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on("message", (event: WorkerEvent) => {
        switch (event.kind) {
          case "ready":
            resolve();
            break;
          case "fatal":
            reject(new Error(`kernel sockets failed: ${event.error}`));
            break;
          case "message":
            if (this.handler) this.handler(event.channel, event.message, event.receivedAt);
            else this.early.push({ channel: event.channel, message: event.message, receivedAt: event.receivedAt });
            break;
          case "closed":
            this.closedResolve?.();
            break;
        }
      });
      this.worker.on("error", (error) => reject(error));
    });
  }

  /** Resolves once all five sockets are bound. */
  started(): Promise<void> {
    return this.ready;
  }

  /** {@inheritDoc Transport.onMessage} */
  onMessage(handler: IncomingHandler): void {
    this.handler = handler;
    for (const { channel, message, receivedAt } of this.early.splice(0)) handler(channel, message, receivedAt);
  }

  /** {@inheritDoc Transport.send} */
  send(channel: Channel, message: JupyterMessage): void {
    const command: MainCommand = { kind: "send", channel, message };
    this.worker.postMessage(command);
  }

  /** Sends several messages, in order, with one post to the socket thread. */
  sendMany(items: Array<{ channel: Channel; message: JupyterMessage }>): void {
    if (items.length === 0) return;
    const command: MainCommand = items.length === 1 ? { kind: "send", ...items[0] } : { kind: "send-many", items };
    this.worker.postMessage(command);
  }

  /**
   * Flushes pending sends, closes the sockets and lets the worker end. It is terminated only if
   * it has not ended by itself in time: terminating a thread whose ZeroMQ sockets are still
   * closing can abort the whole process (seen about once in 20 shutdowns).
   */
  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    const closed = new Promise<void>((resolve) => (this.closedResolve = resolve));
    const command: MainCommand = { kind: "close" };
    this.worker.postMessage(command);
    const timeout = (ms: number) => new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms).unref());
    await Promise.race([closed, timeout(CLOSE_TIMEOUT_MS)]);
    if ((await Promise.race([exited, timeout(EXIT_TIMEOUT_MS)])) === "timeout") await this.worker.terminate();
  }
}
