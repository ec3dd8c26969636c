/**
 * When the feed reads the backend: every `fastMs` while a job pends or runs, every `slowMs`
 * otherwise, never while nobody listens; a poll asked for while one runs runs again right after,
 * so no request is dropped and two polls never overlap.
 */
export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;

  /**
   * @param pollOnce reads the backend and pushes what changed; resolves with true when a job is
   *   active (so the next poll comes sooner)
   * @param listening whether anyone listens (no timer is set otherwise)
   */
  constructor(
    private readonly pollOnce: () => Promise<boolean>,
    private readonly listening: () => boolean,
    readonly fastMs: number,
    readonly slowMs: number,
  ) {}

  /** Polls now (or right after the poll under way); resolves when that poll has run. */
  async pollNow(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    let active = false;
    try {
      active = await this.pollOnce();
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        void this.pollNow();
      } else this.schedule(active ? this.fastMs : this.slowMs);
    }
  }

  /** Sets the next poll `ms` from now, or clears the timer when nobody listens. */
  schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || !this.listening()) return;
    this.timer = setTimeout(() => void this.pollNow(), ms);
    this.timer.unref();
  }

  /** Stops for good. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
