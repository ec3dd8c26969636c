/**
 * A batch job (or a whole job array) as a notebook value: its fields, `refresh()`, `wait()`,
 * `cancel()`, `output()`, and a rich display that can follow the job live until it ends.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { DISPLAY, liveDisplay, type LiveDisplay, type MimeBundle } from "../schema/display.js";
import { isTerminalState, type JobRow, type JobState } from "../schema/jobs.js";
import { statusBundle, statusLine } from "./render.js";
import { VANISHED_REASON } from "./states.js";
import type { JobsBackend } from "./types.js";
import { UserError } from "../util/user-error.js";

/** How `wait()` behaves. */
export interface WaitOptions {
  /** Milliseconds between polls (default 500). */
  pollMs?: number;
  /** Stops waiting (rejects) when aborted, e.g. on a kernel interrupt. */
  signal?: AbortSignal;
  /** Called after every poll with the job. */
  onProgress?: (job: Job) => void;
  /** Shows a live status line while waiting (default: when inside a kernel cell). */
  live?: boolean;
}

/** Reads the last `lines` lines (all when undefined) of a file; empty when it does not exist yet. */
export function readTail(path: string, lines?: number): string {
  if (!existsSync(path)) return "";
  const size = statSync(path).size;
  // Read only the end of big files: the last lines are all that is asked for.
  const want = lines === undefined ? size : Math.min(size, Math.max(65536, lines * 1024));
  const buf = Buffer.alloc(want);
  const fd = openSync(path, "r");
  try {
    readSync(fd, buf, 0, want, size - want);
  } finally {
    closeSync(fd);
  }
  const text = buf.toString("utf8");
  if (lines === undefined) return text;
  const all = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
  return lines === 0 ? "" : all.slice(-lines).join("\n") + (text.endsWith("\n") ? "\n" : "");
}

const ARRAY_STATE_ORDER: JobState[] = [
  "FAILED",
  "OUT_OF_MEMORY",
  "NODE_FAIL",
  "TIMEOUT",
  "CANCELLED",
  "BOOT_FAIL",
  "DEADLINE",
  "PREEMPTED",
];

/** A job, or a job array seen as one (then `tasks` holds each task's row). */
export class Job {
  private rows: JobRow[];

  /** @internal Built by the jobs API; `id` is the job's or the array's id. */
  constructor(
    private readonly backend: JobsBackend,
    readonly id: string,
    rows: JobRow[],
  ) {
    if (rows.length === 0) throw new UserError(`no such job: ${id}`);
    this.rows = rows;
  }

  /** True when this object stands for a whole job array. */
  get isArray(): boolean {
    return this.rows.length > 1 || (this.rows[0].arrayJobId !== null && this.id === String(this.rows[0].arrayJobId));
  }
  /** Each task's row (one row for a plain job). */
  get tasks(): readonly JobRow[] {
    return this.rows;
  }
  private get first(): JobRow {
    return this.rows[0];
  }
  /** The job's name (`--job-name`), whole. */
  get name(): string {
    return this.first.name;
  }
  /** The user who submitted it. */
  get user(): string {
    return this.first.user;
  }
  /** The job's state; for an array, RUNNING while any task runs, else PENDING while any pends, else the worst end. */
  get state(): JobState {
    const states = this.rows.map((r) => r.state);
    if (states.length === 1) return states[0];
    if (states.includes("RUNNING")) return "RUNNING";
    for (const s of ["COMPLETING", "PENDING", "SUSPENDED"] as JobState[]) if (states.includes(s)) return s;
    for (const s of ARRAY_STATE_ORDER) if (states.includes(s)) return s;
    return "COMPLETED";
  }
  /** Why it waits (`Resources`, `Dependency`, `JobHeldUser`, ...) or why it ended; null when none. */
  get reason(): string | null {
    return this.rows.find((r) => r.reason !== null)?.reason ?? null;
  }
  /** When it was submitted. */
  get submitTime(): Date | null {
    return this.first.submitTime ? new Date(this.first.submitTime) : null;
  }
  /** When it (its first task) started; null while pending. */
  get startTime(): Date | null {
    const t = this.rows
      .map((r) => r.startTime)
      .filter((x): x is string => x !== null)
      .sort()[0];
    return t ? new Date(t) : null;
  }
  /** When it (its last task) ended; null until then. */
  get endTime(): Date | null {
    if (!this.done) return null;
    const t = this.rows
      .map((r) => r.endTime)
      .filter((x): x is string => x !== null)
      .sort()
      .at(-1);
    return t ? new Date(t) : null;
  }
  /** The nodes it runs or ran on (Slurm's node list). */
  get nodes(): string | null {
    return this.first.nodes;
  }
  /** The exit code (for an array, the largest of its tasks); null until it ends. */
  get exitCode(): number | null {
    if (!this.done) return null;
    const codes = this.rows.map((r) => r.exitCode).filter((c): c is number => c !== null);
    return codes.length ? Math.max(...codes) : null;
  }
  /** Its working directory. */
  get directory(): string {
    return this.first.directory;
  }
  /** The path of its standard output, patterns expanded. */
  get stdout(): string | null {
    return this.first.stdout;
  }
  /** The path of its standard error (the same as stdout unless `--error` was given). */
  get stderr(): string | null {
    return this.first.stderr;
  }
  /** True once every task has reached a terminal state. */
  get done(): boolean {
    return this.rows.every((r) => isTerminalState(r.state));
  }

  /** Reads the job's current state from the backend. */
  async refresh(): Promise<this> {
    const rows = await this.backend.list({ ids: [this.id], states: "all" });
    if (rows.length > 0) this.rows = rows;
    return this;
  }

  /** Resolves once the job (every task of an array) has ended; shows a live status meanwhile. */
  async wait(options: WaitOptions = {}): Promise<this> {
    const pollMs = options.pollMs ?? 500;
    const factory = options.live === false ? undefined : liveDisplay();
    const handle = factory?.(this.statusBundle());
    for (;;) {
      if (options.signal?.aborted) throw new UserError(`stopped waiting for job ${this.id} (it keeps running)`);
      await this.refresh();
      handle?.update(this.statusBundle());
      options.onProgress?.(this);
      if (this.done) return this;
      if (this.rows.every((r) => isTerminalState(r.state) || r.reason === VANISHED_REASON)) {
        throw new UserError(
          `job ${this.id} ${VANISHED_REASON}: its final state is unknown${this.stdout ? `; its output is in ${this.stdout}` : ""}`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        options.signal?.addEventListener(
          "abort",
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
    }
  }

  /** Cancels the job (every task of an array). */
  async cancel(): Promise<this> {
    await this.backend.cancel([this.id]);
    return this.refresh();
  }

  /** Holds the pending job. */
  async hold(): Promise<this> {
    await this.backend.hold([this.id]);
    return this.refresh();
  }

  /** Releases the held job. */
  async release(): Promise<this> {
    await this.backend.release([this.id]);
    return this.refresh();
  }

  /**
   * The job's output so far (the last `lines` lines when given); for an array, each task's
   * output under a `==> 12_3 <==` header.
   */
  async output(options: { stream?: "stdout" | "stderr"; lines?: number } = {}): Promise<string> {
    const stream = options.stream ?? "stdout";
    const read = (r: JobRow): string => {
      const path = stream === "stdout" ? r.stdout : r.stderr;
      return path ? readTail(path, options.lines) : "";
    };
    if (this.rows.length === 1) return read(this.first);
    return this.rows.map((r) => `==> ${r.id} <==\n${read(r)}`).join("\n");
  }

  /**
   * Keeps a live display of this job up to date until it ends (polling in the background, never
   * keeping the process alive by itself). Returns a function that stops following.
   */
  follow(display: LiveDisplay, pollMs = 1000): () => void {
    let stopped = false;
    const step = async (): Promise<void> => {
      if (stopped) return;
      try {
        await this.refresh();
        display.update(this.statusBundle());
      } catch {
        // A failed poll is retried at the next step; the display keeps its last good state.
      }
      if (!this.done && !stopped) setTimeout(() => void step(), pollMs).unref();
    };
    if (!this.done) setTimeout(() => void step(), pollMs).unref();
    return () => {
      stopped = true;
    };
  }

  /** The status bundle shown by the live display. */
  statusBundle(): MimeBundle {
    return statusBundle(this.id, this.name, this.rows, this.backend.kind);
  }

  /** The one-line status. */
  toString(): string {
    return statusLine(this.id, this.name, this.rows);
  }

  /** The job's rows as JSON. */
  toJSON(): JobRow | JobRow[] {
    return this.rows.length === 1 ? this.first : this.rows;
  }

  /** Shows the job as its status line (and its rows for the rich renderer). */
  [DISPLAY](): MimeBundle {
    return this.statusBundle();
  }
}
