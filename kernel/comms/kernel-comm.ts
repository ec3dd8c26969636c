/**
 * One comm as the kernel holds it: sends go out through the manager's sender, frontend messages
 * come in through {@link KernelComm.receive} and {@link KernelComm.receiveClose}.
 */
import type { Comm, JSONObject } from "./types.js";

/** Sends a comm message of the given type on iopub. */
export type CommSender = (
  msgType: "comm_open" | "comm_msg" | "comm_close",
  content: JSONObject,
  metadata?: JSONObject,
  buffers?: Uint8Array[],
) => void;

/** A comm, open until either side closes it. */
export class KernelComm implements Comm {
  private readonly messageHandlers: Array<(data: JSONObject, buffers: Uint8Array[]) => void | Promise<void>> = [];
  private readonly closeHandlers: Array<(data: JSONObject) => void> = [];
  private closed = false;

  /** Made by the comm manager; `forget` removes it from the manager's table. */
  constructor(
    readonly commId: string,
    readonly targetName: string,
    private readonly sendMessage: CommSender,
    private readonly forget: (commId: string) => void,
  ) {}

  /** True once closed by either side. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** {@inheritDoc Comm.send} */
  send(data: JSONObject, metadata: JSONObject = {}, buffers: Uint8Array[] = []): void {
    if (this.closed) throw new Error(`comm ${this.commId} (${this.targetName}) is closed; cannot send`);
    this.sendMessage("comm_msg", { comm_id: this.commId, data }, metadata, buffers);
  }

  /** {@inheritDoc Comm.close} */
  close(data: JSONObject = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.forget(this.commId);
    this.sendMessage("comm_close", { comm_id: this.commId, data });
  }

  /** {@inheritDoc Comm.onMessage} */
  onMessage(handler: (data: JSONObject, buffers: Uint8Array[]) => void | Promise<void>): void {
    this.messageHandlers.push(handler);
  }

  /** {@inheritDoc Comm.onClose} */
  onClose(handler: (data: JSONObject) => void): void {
    this.closeHandlers.push(handler);
  }

  /** Delivers a frontend `comm_msg` to every handler; resolves when async handlers finish. */
  async receive(data: JSONObject, buffers: Uint8Array[]): Promise<void> {
    for (const handler of this.messageHandlers) await handler(data, buffers);
  }

  /** The frontend (or a kernel shutdown) closed the comm: run close handlers once, send nothing. */
  receiveClose(data: JSONObject): void {
    if (this.closed) return;
    this.closed = true;
    this.forget(this.commId);
    for (const handler of this.closeHandlers) handler(data);
  }
}
