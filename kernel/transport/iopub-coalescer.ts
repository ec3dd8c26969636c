/**
 * Merges bursts of `stream` messages on iopub: a cell printing in a tight loop would otherwise
 * send one message per line, which floods the frontend. Consecutive stream messages with the
 * same parent and stream name within a few milliseconds become one; any other message flushes
 * first, so order is kept.
 */
import type { JupyterMessage } from "../../jupyter/message.js";

/** How long a stream message may wait for more text to join it. */
const STREAM_FLUSH_MS = 5;

/** Buffers at most one stream message and forwards everything in order. */
export class IopubCoalescer {
  private held: JupyterMessage | null = null;
  private timer: NodeJS.Timeout | null = null;

  /** `forward` sends one message for real. */
  constructor(private readonly forward: (message: JupyterMessage) => void) {}

  /** Accepts the next iopub message. */
  push(message: JupyterMessage): void {
    if (message.header.msg_type === "stream" && message.buffers.length === 0) {
      const held = this.held;
      if (
        held &&
        held.content.name === message.content.name &&
        (held.parent_header as { msg_id?: string }).msg_id === (message.parent_header as { msg_id?: string }).msg_id
      ) {
        held.content.text = String(held.content.text) + String(message.content.text);
        return;
      }
      this.flush();
      this.held = message;
      this.timer = setTimeout(() => this.flush(), STREAM_FLUSH_MS);
      return;
    }
    this.flush();
    this.forward(message);
  }

  /** Sends the held stream message, if any. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const held = this.held;
    this.held = null;
    if (held) this.forward(held);
  }
}
