/**
 * Serialises sends on one ZeroMQ socket: zeromq v6 allows only one pending `send` per socket,
 * and messages must leave in the order they were produced.
 */
import type { Writable } from "zeromq";

/** A FIFO of multipart messages for one socket. */
export class OutgoingQueue {
  private readonly pending: Buffer[][] = [];
  private pumping: Promise<void> | null = null;

  /** `log` receives send failures (a message that cannot be sent is reported, never thrown). */
  constructor(
    private readonly socket: Writable<Buffer[]>,
    private readonly log: (text: string) => void,
  ) {}

  /** Queues a multipart message. */
  push(frames: Buffer[]): void {
    this.pending.push(frames);
    if (!this.pumping) this.pumping = this.pump().finally(() => (this.pumping = null));
  }

  /** Resolves once everything queued so far has been handed to ZeroMQ. */
  async drained(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private async pump(): Promise<void> {
    for (let frames = this.pending.shift(); frames; frames = this.pending.shift()) {
      try {
        await this.socket.send(frames);
      } catch (error) {
        this.log(`send failed: ${(error as Error).message}`);
      }
    }
  }
}
