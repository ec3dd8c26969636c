/** A queue's summary (counts per state, rate, time left) and how it shows itself in a notebook. */
import { DISPLAY, type Displayable, type MimeBundle } from "../schema/display.js";
import { TASK_STATES, type NodeCounts, type QueueState, type StateCounts } from "./types.js";
import { escapeHtml } from "../util/html.js";

/** A snapshot of a queue's progress: the fields of {@link QueueStatus}, `nodes` optional. */
export type QueueStatusData = Pick<QueueStatus, "name" | "state" | "counts" | "total" | "rate" | "etaSeconds" | "at"> & {
  readonly nodes?: readonly NodeCounts[];
};

/** The window over which the finishing rate is measured (ms). */
export const RATE_WINDOW_MS = 60_000;

/** Tasks per second from `count` finishes, the first at `first`, seen at `now`. */
export function finishingRate(count: number, first: number | null, now: number): number {
  if (count === 0 || first === null) return 0;
  // At least one second, so a burst of instant tasks does not read as an infinite rate.
  return count / Math.max(1, (now - first) / 1000);
}

/** "1 h 02 min", "3 min 05 s", "12 s". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** A queue's status, displayed as a one-table summary. */
export class QueueStatus implements Displayable {
  readonly name: string;
  readonly state: QueueState;
  readonly counts: StateCounts;
  readonly total: number;
  /** Tasks finished per second over the last minute (0 when none finished). */
  readonly rate: number;
  /** Seconds until every unfinished task is done at the current rate; null when unknown. */
  readonly etaSeconds: number | null;
  /** When the snapshot was taken (ms epoch). */
  readonly at: number;
  /** Counts per state of each node that ran tasks (by their last attempt); empty when none has. */
  readonly nodes: readonly NodeCounts[];

  constructor(data: QueueStatusData) {
    this.name = data.name;
    this.state = data.state;
    this.counts = data.counts;
    this.total = data.total;
    this.rate = data.rate;
    this.etaSeconds = data.etaSeconds;
    this.at = data.at;
    this.nodes = data.nodes ?? [];
  }

  /** One line per node: its running and finished tasks. */
  private nodeLines(): string[] {
    const width = Math.max(0, ...this.nodes.map((n) => n.node.length));
    return this.nodes.map(
      (n) =>
        `  ${n.node.padEnd(width)}  RUNNING ${n.counts.RUNNING}  SUCCEEDED ${n.counts.SUCCEEDED}  FAILED ${n.counts.FAILED}  PENDING ${n.counts.PENDING}`,
    );
  }

  /** Tasks not yet finished. */
  get remaining(): number {
    return this.counts.WAITING + this.counts.PENDING + this.counts.RUNNING;
  }

  /** The rate and time left as words. */
  private progressText(): string {
    const rate =
      this.rate > 0
        ? `${this.rate >= 10 ? this.rate.toFixed(0) : this.rate.toFixed(2)} tasks/s`
        : "no task finished in the last minute";
    const eta =
      this.remaining === 0
        ? "done"
        : this.etaSeconds === null
          ? "time left unknown"
          : `about ${formatDuration(this.etaSeconds)} left`;
    return `${rate}, ${eta}`;
  }

  /** Plain text, as the CLI prints it. */
  toString(): string {
    const counts = TASK_STATES.map((s) => `${s} ${this.counts[s]}`).join("  ");
    const nodes = this.nodes.length > 0 ? `\ntasks per node (their last attempt):\n${this.nodeLines().join("\n")}` : "";
    return `queue ${this.name} (${this.state}): ${this.total} tasks  ${counts}\n${this.progressText()}${nodes}`;
  }

  [DISPLAY](): MimeBundle {
    const cells = TASK_STATES.map((s) => `<td>${this.counts[s]}</td>`).join("");
    const head = TASK_STATES.map((s) => `<th>${s}</th>`).join("");
    const html =
      `<div class="hpcfit-queue-status"><b>queue ${escapeHtml(this.name)}</b> (${this.state}), ${this.total} tasks` +
      `<table><thead><tr>${head}</tr></thead><tbody><tr>${cells}</tr></tbody></table>` +
      `<div>${escapeHtml(this.progressText())}</div>` +
      (this.nodes.length > 0
        ? `<table class="hpcfit-queue-nodes"><thead><tr><th>node</th>${head}</tr></thead><tbody>` +
          this.nodes
            .map((n) => `<tr><td>${escapeHtml(n.node)}</td>${TASK_STATES.map((s) => `<td>${n.counts[s]}</td>`).join("")}</tr>`)
            .join("") +
          `</tbody></table>`
        : "") +
      `</div>`;
    return { "text/plain": this.toString(), "text/html": html };
  }
}
