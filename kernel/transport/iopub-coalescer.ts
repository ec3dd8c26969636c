/**
 * Merges bursts of iopub messages that a frontend only needs the sum or the last of. A cell
 * printing in a tight loop would otherwise send one message per line, which floods the frontend:
 * consecutive stream messages with the same parent and stream name within a few milliseconds
 * become one; any other message flushes first, so order is kept. And an update of a display that
 * still waits to be sent may be replaced by a later update of the same display (see
 * {@link supersedeKey}). Nothing else is ever merged or dropped.
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

/**
 * The key under which a later iopub message may replace this one while it still waits to be
 * sent: only `update_display_data`, whose latest content is all a frontend shows.
 */
export function supersedeKey(message: JupyterMessage): string | undefined {
  if (message.header.msg_type !== "update_display_data") return undefined;
  const transient = message.content.transient as { display_id?: unknown } | undefined;
  return typeof transient?.display_id === "string" ? `display:${transient.display_id}` : undefined;
}
