/**
 * Serialises sends on one ZeroMQ socket: zeromq v6 allows only one pending `send` per socket,
 * and messages must leave in the order they were produced.
 *
 * Nothing queued is discarded, with one exception the sender asks for: a message pushed with a
 * key replaces a message with the same key that is still waiting (its content is out of date, e.g.
 * an earlier update of the same display). When the socket cannot take a message now (a publisher
 * with `noDrop` whose subscriber's high-water mark is reached says EAGAIN), the queue waits and
 * tries the same message again, so a slow reader slows the kernel's output instead of losing it.
 */
import type { Writable } from "zeromq";

/** First and longest wait before trying again a message the socket could not take, in ms. */
const RETRY_FIRST_MS = 1;
const RETRY_MAX_MS = 10;

interface Entry {
  /** Null once a later message with the same key has replaced it. */
  frames: Buffer[] | null;
  key: string | undefined;
}

/** A FIFO of multipart messages for one socket. */
export class OutgoingQueue {
  private readonly pending: Entry[] = [];
  private head = 0;
  /** The waiting message of each key. */
  private readonly keyed = new Map<string, Entry>();
  private pumping = false;
  private pumped: Promise<void> = Promise.resolve();

  /** `log` receives send failures (a message that cannot be sent is reported, never thrown). */
  constructor(
    private readonly socket: Writable<Buffer[]>,
    private readonly log: (text: string) => void,
  ) {}

  /** Messages waiting to be sent. */
  get length(): number {
    return this.pending.length - this.head;
  }

  /**
   * Queues a multipart message. With `key`, a message of the same key still waiting is dropped:
   * only the latest is sent, in the place of the latest.
   */
  push(frames: Buffer[], key?: string): void {
    const entry: Entry = { frames, key };
    if (key !== undefined) {
      const older = this.keyed.get(key);
      if (older) older.frames = null;
      this.keyed.set(key, entry);
    }
    this.pending.push(entry);
    // Set here, cleared by the pump in the same turn in which it finds nothing left: a message
    // pushed at any moment is either seen by the running pump or starts a new one.
    if (!this.pumping) {
      this.pumping = true;
      this.pumped = this.pump();
    }
  }

  /** Resolves once everything queued so far has been handed to ZeroMQ. */
  async drained(): Promise<void> {
    while (this.pumping) await this.pumped;
  }

  private next(): Entry | undefined {
    if (this.head === this.pending.length) return undefined;
    const entry = this.pending[this.head++];
    // Compact now and then rather than shift() every time (O(n) per message under a flood).
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
    return entry;
  }

  private async pump(): Promise<void> {
    try {
      for (let entry = this.next(); entry; entry = this.next()) {
        if (entry.key !== undefined && this.keyed.get(entry.key) === entry) this.keyed.delete(entry.key);
        if (entry.frames) await this.sendOne(entry.frames);
      }
    } finally {
      this.pumping = false;
    }
  }

  private async sendOne(frames: Buffer[]): Promise<void> {
    for (let wait = RETRY_FIRST_MS; ; wait = Math.min(2 * wait, RETRY_MAX_MS)) {
      try {
        await this.socket.send(frames);
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== "EAGAIN") {
          this.log(`send failed: ${(error as Error).message}`);
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
