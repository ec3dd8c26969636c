/**
 * Pairs `input_request`s sent on stdin with the frontend's `input_reply`s, so that a cell can
 * await a line of input.
 */
import type { JupyterMessage } from "../../jupyter/message.js";

interface Pending {
  resolve: (value: string) => void;
  reject: (error: Error) => void;
}

/** Tracks input requests waiting for their replies. */
export class StdinBroker {
  private readonly pending = new Map<string, Pending>();

  /** Registers a request by its msg_id; the promise settles with the reply's value. */
  wait(requestMsgId: string): Promise<string> {
    return new Promise((resolve, reject) => this.pending.set(requestMsgId, { resolve, reject }));
  }

  /**
   * Delivers an `input_reply`; returns false when it answers no pending request. A reply without
   * a parent header (jupyter_client's `KernelClient.input` sends none) answers the oldest request.
   */
  reply(message: JupyterMessage): boolean {
    const parentId = (message.parent_header as { msg_id?: string }).msg_id ?? this.pending.keys().next().value;
    const waiting = parentId ? this.pending.get(parentId) : undefined;
    if (!parentId || !waiting) return false;
    this.pending.delete(parentId);
    const value = message.content.value;
    if (message.content.status === "error") waiting.reject(new Error("the frontend reported an error instead of input"));
    else waiting.resolve(typeof value === "string" ? value : value === undefined || value === null ? "" : JSON.stringify(value));
    return true;
  }

  /** Rejects every waiting request (interrupt, shutdown). */
  cancelAll(reason: string): void {
    for (const waiting of this.pending.values()) waiting.reject(new Error(reason));
    this.pending.clear();
  }
}
