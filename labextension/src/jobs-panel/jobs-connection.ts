import type { Kernel, KernelMessage } from "@jupyterlab/services";
import type { JSONObject } from "@lumino/coreutils";
import { Signal, type ISignal } from "@lumino/signaling";
import {
  JOBS_COMM_TARGET,
  validateJobsServerMessage,
  type JobRow,
  type JobsBackendKind,
  type JobsClientMessage,
  type JobsFilter,
  type JobsServerMessage,
  type FitJobCatalog,
  type FitJobOrder,
} from "../../../schema/jobs.js";
import type { NotebookJobAnswer, NotebookJobForm, NotebookJobOrder } from "../../../schema/notebook-jobs.js";

/** A request waiting for the kernel's answer (a `reply`, or a message of the request's own type). */
interface Pending {
  resolve(answer: JobsServerMessage): void;
  reject(error: Error): void;
}

/** What the kernel answers a fit job order with: the job directory, its batch script, the job (none for a dry run). */
export interface FitJobAnswer {
  dir: string;
  script: string;
  jobs: JobRow[];
}

/** A running `tail` of a job's output. */
export interface TailHandle {
  /** Stops following (sends `untail`). */
  stop(): void;
}

/** How long a request may wait for its reply before it fails (a kernel busy in a cell answers later). */
const REPLY_TIMEOUT_MS = 60_000;

let counter = 0;
function newRequestId(): string {
  counter += 1;
  return `${Date.now().toString(36)}-${counter}`;
}

/**
 * The Jobs panel's side of the `hpcfit.jobs` comm (shapes in schema/jobs.ts) with one kernel:
 * opens the comm, subscribes, keeps the current job rows from `snapshot` and `changes`, and turns
 * actions, submissions and tails into requests answered by `reply`. Every incoming message is
 * validated; an invalid one is reported through {@link problem} and otherwise ignored.
 */
export class JobsConnection {
  private readonly comm: Kernel.IComm;
  private readonly rows = new Map<string, JobRow>();
  private readonly pending = new Map<string, Pending>();
  private readonly tails = new Map<string, (text: string, done: boolean, notice?: string) => void>();
  private readonly changedSignal = new Signal<this, JobRow[]>(this);
  private readonly problemSignal = new Signal<this, string>(this);
  private readonly closedSignal = new Signal<this, void>(this);
  private isClosed = false;
  /** The backend the kernel reported, once a snapshot arrived. */
  backend: JobsBackendKind | null = null;
  /** True once the first snapshot arrived. */
  ready = false;
  /** The kernel's user, once a snapshot named it. */
  user: string | null = null;
  /** The kernel's origin: rows with this `origin` were submitted from its notebook. */
  origin: string | null = null;

  /** Opens the comm on `kernel` and subscribes with `filter`. */
  constructor(
    readonly kernel: Kernel.IKernelConnection,
    filter: JobsFilter,
  ) {
    this.comm = kernel.createComm(JOBS_COMM_TARGET);
    this.comm.onMsg = (msg: KernelMessage.ICommMsgMsg) => this.onMessage(msg.content.data);
    this.comm.onClose = () => this.markClosed();
    const subscribe: JobsClientMessage = { type: "subscribe", version: 1, filter };
    this.comm.open(subscribe as unknown as JSONObject);
  }

  /** Emitted with the rows that changed (all rows after a snapshot). */
  get changed(): ISignal<this, JobRow[]> {
    return this.changedSignal;
  }

  /** Emitted when the kernel sent something that could not be understood, or an `error`. */
  get problem(): ISignal<this, string> {
    return this.problemSignal;
  }

  /** Emitted when the kernel closed the comm (or the kernel went away). */
  get closed(): ISignal<this, void> {
    return this.closedSignal;
  }

  /** The current rows. */
  jobs(): JobRow[] {
    return [...this.rows.values()];
  }

  /** Asks for a fresh snapshot now. */
  refresh(): void {
    this.send({ type: "refresh" });
  }

  /** Changes which jobs are watched (re-subscribes; a snapshot follows). */
  subscribe(filter: JobsFilter): void {
    this.send({ type: "subscribe", version: 1, filter });
  }

  /** Cancels, holds, releases or forgets jobs; resolves when the kernel confirmed. */
  action(action: "cancel" | "hold" | "release" | "forget", ids: string[]): Promise<JobRow[]> {
    return this.request((requestId) => ({ type: "action", requestId, action, ids }));
  }

  /** Submits a batch script; resolves with the new job's row(s). */
  submit(script: string, args: string[] = []): Promise<JobRow[]> {
    return this.request((requestId) => ({ type: "submit", requestId, script, args }));
  }

  /** Asks the kernel what a fit job can be given (methods, fit options, Slurm resources). */
  async fitJobCatalog(): Promise<FitJobCatalog> {
    const requestId = newRequestId();
    const answer = await this.requestWithId(requestId, { type: "fitJobCatalog", version: 1, requestId });
    if (answer.type !== "fitJobCatalog") throw new Error(`the kernel answered a fitJobCatalog request with ${answer.type}`);
    return answer.catalog;
  }

  /**
   * Orders a fit job; the kernel reads it as a `%%fit` line and prepares and submits it as
   * `%%fit` does, or with `dryRun` only answers its batch script. Rejects with the kernel's
   * message for a bad field.
   */
  async fitJob(order: FitJobOrder, dryRun: boolean): Promise<FitJobAnswer> {
    const requestId = newRequestId();
    const answer = await this.requestWithId(requestId, { type: "fitJob", version: 1, requestId, order, dryRun });
    if (answer.type !== "fitJob") throw new Error(`the kernel answered a fitJob request with ${answer.type}`);
    for (const row of answer.jobs) this.rows.set(row.id, row);
    if (answer.jobs.length > 0) this.changedSignal.emit(answer.jobs);
    return { dir: answer.dir, script: answer.script, jobs: answer.jobs };
  }

  /** Asks the kernel for the "Run as Job…" form of `notebook` (an absolute path on the kernel's machine). */
  async notebookForm(notebook: string): Promise<NotebookJobForm> {
    const requestId = newRequestId();
    const answer = await this.requestWithId(requestId, { type: "notebookForm", version: 1, requestId, notebook });
    if (answer.type !== "notebookForm") throw new Error(`the kernel answered a notebookForm request with ${answer.type}`);
    return answer.form;
  }

  /**
   * Checks a notebook job order (with `dryRun`, also answers its script) or submits it. Bad
   * fields come back in `errors`, and then nothing was submitted.
   */
  async notebookJob(order: NotebookJobOrder, dryRun: boolean): Promise<NotebookJobAnswer & { jobs: JobRow[] }> {
    const requestId = newRequestId();
    const answer = await this.requestWithId(requestId, { type: "notebookJob", version: 1, requestId, order, dryRun });
    if (answer.type !== "notebookJob") throw new Error(`the kernel answered a notebookJob request with ${answer.type}`);
    for (const row of answer.jobs) this.rows.set(row.id, row);
    if (answer.jobs.length > 0) this.changedSignal.emit(answer.jobs);
    return { errors: answer.errors, script: answer.script, runs: answer.runs, runDir: answer.runDir, jobs: answer.jobs };
  }

  /** Has the kernel write a finished sweep's summary; resolves the CSV's and the notebook's paths. */
  async notebookSummary(id: string): Promise<{ csv: string; notebook: string }> {
    const requestId = newRequestId();
    const answer = await this.requestWithId(requestId, { type: "notebookSummary", version: 1, requestId, id });
    if (answer.type !== "notebookSummary") throw new Error(`the kernel answered a notebookSummary request with ${answer.type}`);
    return { csv: answer.csv, notebook: answer.notebook };
  }

  /**
   * Follows a job's output: `onText` gets the last `lines` lines, then every new piece, and
   * `done` once the job ended (with a `notice` when it was cancelled, timed out or lost its
   * node). Resolves when the kernel accepted the tail.
   */
  async tail(
    id: string,
    stream: "stdout" | "stderr",
    lines: number,
    onText: (text: string, done: boolean, notice?: string) => void,
  ): Promise<TailHandle> {
    const requestId = newRequestId();
    this.tails.set(requestId, onText);
    try {
      await this.requestWithId(requestId, { type: "tail", requestId, id, stream, lines, follow: true });
    } catch (error) {
      this.tails.delete(requestId);
      throw error;
    }
    return {
      stop: () => {
        if (this.tails.delete(requestId) && !this.isClosed) this.send({ type: "untail", requestId });
      },
    };
  }

  /** Unsubscribes and closes the comm. */
  dispose(): void {
    if (this.isClosed) return;
    try {
      this.send({ type: "unsubscribe" });
      this.comm.close();
    } catch {
      // The kernel may already be gone; nothing else to release.
    }
    this.markClosed();
  }

  private async request(make: (requestId: string) => JobsClientMessage): Promise<JobRow[]> {
    const requestId = newRequestId();
    const answer = await this.requestWithId(requestId, make(requestId));
    return answer.type === "reply" && answer.ok ? (answer.jobs ?? []) : [];
  }

  private requestWithId(requestId: string, message: JobsClientMessage): Promise<JobsServerMessage> {
    if (this.isClosed) return Promise.reject(new Error("the jobs connection to the kernel is closed"));
    return new Promise<JobsServerMessage>((resolve, reject) => {
      const timer = window.setTimeout(() => {
        if (this.pending.delete(requestId)) reject(new Error(`the kernel did not answer within ${REPLY_TIMEOUT_MS / 1000} s`));
      }, REPLY_TIMEOUT_MS);
      this.pending.set(requestId, {
        resolve: (answer) => {
          window.clearTimeout(timer);
          resolve(answer);
        },
        reject: (error) => {
          window.clearTimeout(timer);
          reject(error);
        },
      });
      this.send(message);
    });
  }

  private send(message: JobsClientMessage): void {
    this.comm.send(message as unknown as JSONObject);
  }

  private onMessage(data: unknown): void {
    const checked = validateJobsServerMessage(data);
    if (!checked.ok) {
      this.problemSignal.emit(`the kernel sent a jobs message this panel cannot read: ${checked.error}`);
      return;
    }
    this.apply(checked.value);
  }

  private apply(message: JobsServerMessage): void {
    switch (message.type) {
      case "snapshot":
        this.backend = message.backend;
        this.ready = true;
        this.user = message.user ?? null;
        this.origin = message.origin ?? null;
        this.rows.clear();
        for (const row of message.jobs) this.rows.set(row.id, row);
        this.changedSignal.emit(message.jobs);
        return;
      case "changes":
        for (const id of message.removed) this.rows.delete(id);
        for (const row of message.upserted) this.rows.set(row.id, row);
        this.changedSignal.emit(message.upserted);
        return;
      case "reply": {
        const pending = this.pending.get(message.requestId);
        if (pending === undefined) return;
        this.pending.delete(message.requestId);
        if (message.ok) {
          for (const row of message.jobs ?? []) this.rows.set(row.id, row);
          if (message.jobs !== undefined && message.jobs.length > 0) this.changedSignal.emit(message.jobs);
          pending.resolve(message);
        } else {
          pending.reject(new Error(message.error));
        }
        return;
      }
      case "output": {
        const follow = this.tails.get(message.requestId);
        if (follow === undefined) return;
        follow(message.text, message.done, message.notice);
        if (message.done) this.tails.delete(message.requestId);
        return;
      }
      case "error":
        this.problemSignal.emit(message.error);
        return;
      case "fitJobCatalog":
      case "fitJob":
      case "notebookForm":
      case "notebookJob":
      case "notebookSummary": {
        const pending = this.pending.get(message.requestId);
        if (pending === undefined) return;
        this.pending.delete(message.requestId);
        pending.resolve(message);
        return;
      }
    }
  }

  private markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const pending of this.pending.values()) pending.reject(new Error("the kernel closed the jobs connection"));
    this.pending.clear();
    this.tails.clear();
    this.closedSignal.emit();
  }
}
