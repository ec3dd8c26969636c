/**
 * One panel's subscription to the jobs feed: the comm it listens on, which jobs it wants, what it
 * was last sent (so only changes are pushed) and its open output tails.
 */
import type { Comm } from "../../kernel/comms/types.js";
import type { JobRow, JobsFilter, JobsServerMessage } from "../../schema/jobs.js";

/** What one subscriber has asked for and been sent. */
export class Subscription {
  /** Which jobs this subscriber sees; set by `subscribe`. */
  filter: JobsFilter = {};
  /** True once `subscribe` arrived and until `unsubscribe` or the comm closes. */
  subscribed = false;
  /** True when the next poll must send this subscriber a full snapshot (a new subscription, a refresh). */
  snapshotWanted = false;
  /** Open output tails by request id; calling one stops it. */
  readonly tails = new Map<string, () => void>();
  /** Last row sent per job id, as JSON, to push only changes. */
  private sent = new Map<string, string>();

  constructor(readonly comm: Comm) {}

  /** The user whose jobs this subscriber sees (`"all"` for everyone's), with `me` for "me". */
  wantedUser(me: string): string {
    const f = this.filter;
    return f.user === undefined || f.user === "me" ? me : f.user;
  }

  /** The rows of `rows` this subscriber's filter lets through; `me` is the kernel's user. */
  visible(rows: JobRow[], me: string): JobRow[] {
    const f = this.filter;
    const user = this.wantedUser(me);
    const states = f.states === undefined || f.states === "all" ? null : new Set(f.states);
    return rows.filter((r) => (user === "all" || r.user === user) && (states === null || states.has(r.state)));
  }

  /** Records `rows` as everything this subscriber now holds, for a snapshot. */
  resetTo(rows: JobRow[]): void {
    this.sent = new Map(rows.map((r) => [r.id, JSON.stringify(r)]));
  }

  /**
   * The `changes` message that brings this subscriber from what it holds to `rows` (its whole
   * view), or undefined when nothing changed. With `partial`, `rows` are only some jobs and
   * nothing is removed.
   */
  changesTo(rows: JobRow[], partial = false): Extract<JobsServerMessage, { type: "changes" }> | undefined {
    const upserted = rows.filter((r) => this.sent.get(r.id) !== JSON.stringify(r));
    const ids = new Set(rows.map((r) => r.id));
    const removed = partial ? [] : [...this.sent.keys()].filter((id) => !ids.has(id));
    if (upserted.length === 0 && removed.length === 0) return undefined;
    for (const r of upserted) this.sent.set(r.id, JSON.stringify(r));
    for (const id of removed) this.sent.delete(id);
    return { type: "changes", version: 1, upserted, removed };
  }

  /** Stops every tail (the comm closed). */
  stopTails(): void {
    for (const stop of [...this.tails.values()]) stop();
    this.tails.clear();
  }
}
