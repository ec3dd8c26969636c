/**
 * The kernel side of the `hpcfit.jobs` comm (shapes in schema/jobs.ts). The Jobs panel subscribes;
 * the {@link Poller} reads the backend while anyone listens and each {@link Subscription} is sent
 * what changed; requests (actions, tails, submissions) go to the handler registered for their
 * type, and each is answered with a `reply`.
 */
import { userInfo } from "node:os";
import type { CommManager, JSONObject } from "../../kernel/comms/types.js";
import {
  JOBS_COMM_TARGET,
  isTerminalState,
  validateJobsClientMessage,
  validateJobsServerMessage,
  type JobRow,
  type JobsBackendKind,
  type JobsClientMessage,
  type JobsServerMessage,
} from "../../schema/jobs.js";
import type { NotebookJobInfo } from "../../schema/notebook-jobs.js";
import { backend as currentBackend, onSubmitted } from "../api.js";
import { submissionOrigin } from "../origin.js";
import { kernelJobId } from "../kernel-allocation.js";
import { ACTIVE_STATES } from "../states.js";
import type { JobsBackend } from "../types.js";
import { handleAction } from "./handlers/action.js";
import { handleSubmit } from "./handlers/submit.js";
import { handleTail, handleUntail } from "./handlers/tail.js";
import type { FeedContext, RequestHandler, RequestType } from "./handlers/types.js";
import { Poller } from "./poller.js";
import { Subscription } from "./subscription.js";

/** Tuning of the feed. */
export interface JobsFeedOptions {
  /** Poll interval while a job pends or runs (default 1000 ms). */
  fastIntervalMs?: number;
  /** Poll interval otherwise (default 10000 ms). */
  slowIntervalMs?: number;
  /** The backend to watch (default: the jobs API's current backend, looked up at each poll). */
  backend?: () => JobsBackend;
  /**
   * The file holding a job's stored result, or null when it has none (default: none has). The
   * libraries that store results know where; the jobs layer does not.
   */
  resultsOf?: (row: JobRow) => string | null;
  /**
   * What a notebook job runs and how far it is, or null for other jobs (default: none is). The
   * notebooks library knows; the jobs layer does not.
   */
  notebookOf?: (row: JobRow) => NotebookJobInfo | null;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The `hpcfit.jobs` comm target of one kernel. */
export class JobsFeed implements FeedContext {
  readonly fastIntervalMs: number;
  private readonly getBackend: () => JobsBackend;
  private readonly subscriptions = new Set<Subscription>();
  private readonly handlers = new Map<RequestType, RequestHandler>();
  private readonly poller: Poller;
  private readonly me = userInfo().username;
  /** The backend kind of the last poll: after `%slurm backend ...` everyone gets a snapshot. */
  private lastKind: string | undefined;
  private readonly resultsOf: (row: JobRow) => string | null;
  private readonly notebookOf: (row: JobRow) => NotebookJobInfo | null;
  /** What was added to ended jobs (it no longer changes), by job id. */
  private readonly endedAnnotations = new Map<string, Pick<JobRow, "results" | "notebook">>();
  private readonly stopSubmitted: () => void;
  /** Where this kernel submits from; rows with this origin came from its notebook. */
  readonly origin = submissionOrigin();
  /** The allocation this kernel runs in (a kernel on Slurm), marked in its row. */
  private readonly ownJob = kernelJobId();

  constructor(
    private readonly comms: CommManager,
    options: JobsFeedOptions = {},
  ) {
    this.fastIntervalMs = options.fastIntervalMs ?? 1000;
    this.getBackend = options.backend ?? currentBackend;
    this.resultsOf = options.resultsOf ?? (() => null);
    this.notebookOf = options.notebookOf ?? (() => null);
    // Jobs submitted through this kernel are shown at once; polling is for jobs from elsewhere.
    this.stopSubmitted = onSubmitted((kind, rows) => this.pushSubmitted(kind, rows));
    this.poller = new Poller(
      () => this.pollOnce(),
      () => this.listening().length > 0,
      this.fastIntervalMs,
      options.slowIntervalMs ?? 10_000,
    );
    this.handle("action", handleAction);
    this.handle("submit", handleSubmit);
    this.handle("tail", handleTail);
    this.handle("untail", handleUntail);
    comms.registerTarget(JOBS_COMM_TARGET, (comm, data) => {
      const sub = new Subscription(comm);
      this.subscriptions.add(sub);
      comm.onMessage((msg) => this.receive(sub, msg));
      comm.onClose(() => {
        this.subscriptions.delete(sub);
        sub.subscribed = false;
        sub.stopTails();
        if (this.listening().length === 0) this.poller.schedule(0);
      });
      if (data && typeof data === "object" && "type" in data) return this.receive(sub, data);
    });
  }

  /** Sets the handler of one request type (replacing the built-in one, if any). */
  handle<T extends RequestType>(type: T, handler: RequestHandler<T>): void {
    this.handlers.set(type, handler as unknown as RequestHandler);
  }

  /** The current backend. */
  backend(): JobsBackend {
    return this.getBackend();
  }

  /** Sends `message` to one subscriber after checking it against the schema. */
  send(to: Subscription, message: JobsServerMessage): void {
    const check = validateJobsServerMessage(message);
    if (!check.ok) throw new Error(`hpcfit.jobs: refusing to send an invalid message: ${check.error}`);
    to.comm.send(message as unknown as JSONObject);
  }

  /** Polls now (without waiting for it). */
  pollSoon(): void {
    void this.poller.pollNow();
  }

  /**
   * Sends every subscriber the rows of jobs just submitted through this kernel, without waiting
   * for a poll, and polls soon after to follow them.
   */
  pushSubmitted(kind: JobsBackendKind, rows: JobRow[]): void {
    if (kind !== this.lastKind) return;
    const annotated = rows.map((r) => this.annotate(r));
    for (const sub of this.listening()) {
      const changes = sub.changesTo(sub.visible(annotated, this.me), true);
      if (changes) this.send(sub, changes);
    }
    this.poller.schedule(this.fastIntervalMs);
  }

  /** A row with what the feed adds to the backend's: the job's results file, and what a notebook job runs, and whether the kernel runs in it. */
  private annotate(row: JobRow): JobRow {
    if (this.ownJob !== null && String(row.jobId) === this.ownJob) row = { ...row, kernelAllocation: true };
    const known = this.endedAnnotations.get(row.id);
    if (known !== undefined) return { ...row, ...known };
    const added: Pick<JobRow, "results" | "notebook"> = { results: null };
    try {
      added.results = this.resultsOf(row);
    } catch {
      // An unreadable job directory has no results to offer.
    }
    try {
      const notebook = this.notebookOf(row);
      if (notebook !== null) added.notebook = notebook;
    } catch {
      // Nor a notebook run to describe.
    }
    if (isTerminalState(row.state)) this.endedAnnotations.set(row.id, added);
    return { ...row, ...added };
  }

  /** Unregisters the comm target and stops polling. */
  stop(): void {
    this.comms.unregisterTarget(JOBS_COMM_TARGET);
    this.stopSubmitted();
    for (const sub of this.subscriptions) sub.stopTails();
    this.subscriptions.clear();
    this.poller.stop();
  }

  private listening(): Subscription[] {
    return [...this.subscriptions].filter((s) => s.subscribed);
  }

  /** Reads the backend once and sends each subscriber a snapshot or its changes; true when a job is active. */
  private async pollOnce(): Promise<boolean> {
    let active = false;
    try {
      const b = this.getBackend();
      // When every subscriber watches one user (the usual case: this user), ask the backend for
      // that user's jobs only; on a busy cluster that is a small part of the queue.
      const users = new Set(this.listening().map((s) => s.wantedUser(this.me)));
      const [only] = users;
      const user = users.size === 1 && only !== "all" ? only : undefined;
      const rows = (await b.list({ states: "all", user })).map((r) => this.annotate(r));
      const switched = this.lastKind !== undefined && this.lastKind !== b.kind;
      this.lastKind = b.kind;
      for (const sub of this.listening()) {
        const mine = sub.visible(rows, this.me);
        active ||= mine.some((r) => ACTIVE_STATES.includes(r.state));
        if (switched || sub.snapshotWanted) {
          sub.snapshotWanted = false;
          sub.resetTo(mine);
          this.send(sub, { type: "snapshot", version: 1, backend: b.kind, jobs: mine, user: this.me, origin: this.origin });
          continue;
        }
        const changes = sub.changesTo(mine);
        if (changes) this.send(sub, changes);
      }
    } catch (e) {
      for (const sub of this.listening()) this.send(sub, { type: "error", error: `could not read jobs: ${errorText(e)}` });
    }
    return active;
  }

  private async receive(sub: Subscription, data: unknown): Promise<void> {
    const check = validateJobsClientMessage(data);
    if (!check.ok) {
      const requestId = (data as { requestId?: unknown } | null)?.requestId;
      if (typeof requestId === "string") this.send(sub, { type: "reply", requestId, ok: false, error: check.error });
      else this.send(sub, { type: "error", error: check.error });
      return;
    }
    const m = check.value;
    switch (m.type) {
      case "subscribe":
        sub.filter = m.filter ?? {};
        sub.subscribed = true;
        sub.snapshotWanted = true;
        await this.poller.pollNow();
        return;
      case "unsubscribe":
        sub.subscribed = false;
        sub.snapshotWanted = false;
        if (this.listening().length === 0) this.poller.schedule(0);
        return;
      case "refresh":
        if (!sub.subscribed) return;
        sub.snapshotWanted = true;
        await this.poller.pollNow();
        return;
      default:
        await this.request(sub, m);
    }
  }

  private async request(sub: Subscription, m: Extract<JobsClientMessage, { requestId: string }>): Promise<void> {
    const handler = this.handlers.get(m.type);
    try {
      if (!handler) throw new Error(`this kernel has no handler for ${m.type} requests`);
      await handler(m, sub, this);
    } catch (e) {
      this.send(sub, { type: "reply", requestId: m.requestId, ok: false, error: errorText(e) });
    }
  }
}

/** Registers the `hpcfit.jobs` comm target on `comms`; returns the feed (its `stop()` ends it). */
export function registerJobsFeed(comms: CommManager, options: JobsFeedOptions = {}): JobsFeed {
  return new JobsFeed(comms, options);
}
