/**
 * The kernel's protocol layer: turns incoming Jupyter messages into calls on the interpreter,
 * the comm manager and the history, and publishes the results — independent of sockets, so it
 * runs the same over ZeroMQ and over an in-memory transport in tests.
 *
 * Shell requests run one at a time in arrival order; control requests are handled as soon as
 * they arrive (while a cell awaits). Every request is wrapped in busy/idle status messages.
 */
import { KernelCommManager } from "../comms/comm-manager.js";
import type { HistoryStore } from "../history/history-store.js";
import type { CommManager } from "../comms/types.js";
import type { Interpreter } from "../interpreter/types.js";
import { createMessage, type Channel, type JSONDict, type JupyterMessage, type SenderIdentity } from "../../jupyter/message.js";
import type { Transport } from "../transport/transport.js";
import { maxCellBytes } from "./cell-size-limit.js";
import { handleExecute } from "./execute-handler.js";
import { answerHistoryRequest } from "./history-request.js";
import { kernelInfoContent } from "./kernel-info.js";
import { StdinBroker } from "./stdin-broker.js";

/** How the protocol layer is wired. */
export interface KernelProtocolOptions {
  transport: Transport;
  /** The kernel's session id and user name for message headers. */
  sender: SenderIdentity;
  /** hpcfit's version, for kernel_info. */
  version: string;
  /** The execution count already reached (by an interpreter before this one): numbering goes on after it. */
  executionCount?: number;
  /** Makes the interpreter once, on first need (so the first kernel_info_reply is not delayed). */
  createInterpreter(comms: CommManager): Promise<Interpreter>;
  /** Opens the history on first need; may throw (history requests then get an error reply). */
  openHistory(): HistoryStore;
  /** Called after the shutdown_reply was sent; the owner closes the transport and exits. */
  onShutdown(restart: boolean): void;
  /** Kernel-side log (stderr by default). */
  log?: (text: string) => void;
}

/** Dispatches Jupyter messages to their handlers. */
export class KernelProtocol {
  /** The kernel's comm registry; other parts of the kernel register targets on it. */
  readonly comms: KernelCommManager;
  private readonly stdin = new StdinBroker();
  private readonly log: (text: string) => void;
  private interpreterPromise: Promise<Interpreter> | null = null;
  private loadedInterpreter: Interpreter | null = null;
  private history: HistoryStore | null = null;
  private historyError: Error | null = null;
  private executionCount = 0;
  private readonly shellQueue: Array<{ channel: Channel; message: JupyterMessage; receivedAt: number }> = [];
  private shellBusy = false;
  /** Execute requests received before this time (ms) are aborted: they were queued behind a failed cell. */
  private abortBefore = 0;
  private lastRequest: JupyterMessage | null = null;
  private shuttingDown = false;
  private pendingShutdown: { restart: boolean } | null = null;
  private readonly maxCellBytes: number;

  /** Wires the layer to its transport and starts listening. */
  constructor(private readonly options: KernelProtocolOptions) {
    this.log = options.log ?? ((t) => process.stderr.write(`[hpcfit kernel] ${t}\n`));
    this.executionCount = options.executionCount ?? 0;
    this.maxCellBytes = maxCellBytes(process.env, this.log);
    this.comms = new KernelCommManager(
      (msgType, content, metadata, buffers) =>
        this.publish(msgType, content, this.lastRequest ?? undefined, { metadata, buffers }),
      (error, what) => this.reportError(error, what),
    );
    options.transport.onMessage((channel, message) => this.receive(channel, message));
  }

  /** Starts loading the interpreter in the background (once; later calls do nothing). */
  preload(): void {
    if (this.interpreterPromise) return;
    void this.interpreter().catch((error: unknown) => this.log(`interpreter failed to load: ${(error as Error).message}`));
  }

  /** The interpreter, created on first use. */
  interpreter(): Promise<Interpreter> {
    if (!this.interpreterPromise) {
      this.interpreterPromise = this.options.createInterpreter(this.comms).then((i) => (this.loadedInterpreter = i));
      // A failed load is retried on the next request rather than poisoning the kernel.
      this.interpreterPromise.catch(() => (this.interpreterPromise = null));
    }
    return this.interpreterPromise;
  }

  /**
   * SIGINT (from the frontend's interrupt or an interrupt_request): stop the running cell, if it
   * was already running at `at` (ms since the epoch; now when not given).
   */
  interrupt(at?: number): void {
    this.stdin.cancelAll("interrupted while waiting for input");
    this.loadedInterpreter?.interrupt(at);
  }

  /** Closes comms and the history; used on shutdown. */
  close(): void {
    this.stdin.cancelAll("the kernel is shutting down");
    this.comms.closeAll();
    try {
      this.history?.close();
    } catch (error) {
      this.log(`closing history failed: ${(error as Error).message}`);
    }
    this.history = null;
  }

  /** Entry point for every verified message from the transport. */
  receive(channel: Exclude<Channel, "iopub">, message: JupyterMessage, receivedAt: number = performance.now()): void {
    if (channel === "stdin") {
      if (message.header.msg_type !== "input_reply" || !this.stdin.reply(message)) {
        this.log(`ignored ${message.header.msg_type} on stdin: no input request is waiting for it`);
      }
      return;
    }
    if (channel === "shell" || message.header.msg_type === "execute_request") {
      this.shellQueue.push({ channel, message, receivedAt });
      void this.pumpShell();
      return;
    }
    void this.handle(channel, message);
  }

  private async pumpShell(): Promise<void> {
    if (this.shellBusy) return;
    this.shellBusy = true;
    try {
      for (let next = this.shellQueue.shift(); next; next = this.shellQueue.shift()) {
        await this.handle(next.channel, next.message, next.receivedAt);
      }
    } finally {
      this.shellBusy = false;
    }
  }

  private async handle(channel: Channel, message: JupyterMessage, receivedAt = performance.now()): Promise<void> {
    const type = message.header.msg_type;
    const isRequest = type.endsWith("_request") || type.startsWith("comm_");
    if (!isRequest) {
      this.log(`ignored a ${type} message on ${channel}: not a request`);
      return;
    }
    this.lastRequest = message;
    this.publish("status", { execution_state: "busy" }, message);
    try {
      await this.dispatch(channel, message, receivedAt);
    } catch (error) {
      // A handler bug must not take the kernel down; answer with the error instead.
      const err = error as Error;
      this.log(`handling ${type} failed: ${err.stack ?? err.message}`);
      if (type.endsWith("_request")) {
        this.reply(channel, message, { status: "error", ename: err.name || "Error", evalue: err.message, traceback: [] });
      }
    } finally {
      this.publish("status", { execution_state: "idle" }, message);
    }
    if (this.pendingShutdown) {
      const { restart } = this.pendingShutdown;
      this.pendingShutdown = null;
      this.close();
      this.options.onShutdown(restart);
    }
  }

  private async dispatch(channel: Channel, message: JupyterMessage, receivedAt: number): Promise<void> {
    const c = message.content;
    switch (message.header.msg_type) {
      case "kernel_info_request":
        this.reply(channel, message, kernelInfoContent(this.options.version));
        // Clients ask for kernel_info first: load the interpreter right after answering it.
        setTimeout(() => this.preload(), 0);
        return;
      case "execute_request":
        await this.execute(channel, message, receivedAt);
        return;
      case "complete_request": {
        const code = codeOf(c);
        const cursor = typeof c.cursor_pos === "number" ? c.cursor_pos : code.length;
        const r = await (await this.interpreter()).complete(code, cursor);
        this.reply(channel, message, {
          status: "ok",
          matches: r.matches,
          cursor_start: r.cursorStart,
          cursor_end: r.cursorEnd,
          metadata: r.metadata,
        });
        return;
      }
      case "inspect_request": {
        const code = codeOf(c);
        const cursor = typeof c.cursor_pos === "number" ? c.cursor_pos : code.length;
        const r = await (await this.interpreter()).inspect(code, cursor, c.detail_level === 1 ? 1 : 0);
        this.reply(channel, message, { status: "ok", found: r.found, data: r.data, metadata: r.metadata });
        return;
      }
      case "is_complete_request":
        this.reply(channel, message, { ...(await this.interpreter()).isComplete(codeOf(c)) });
        return;
      case "history_request": {
        const store = this.openHistory();
        this.reply(channel, message, { status: "ok", history: answerHistoryRequest(store, c) });
        return;
      }
      case "comm_info_request": {
        const target = typeof c.target_name === "string" && c.target_name !== "" ? c.target_name : undefined;
        const comms: JSONDict = {};
        for (const comm of this.comms.list(target)) comms[comm.commId] = { target_name: comm.targetName };
        this.reply(channel, message, { status: "ok", comms });
        return;
      }
      case "comm_open":
        // Targets are registered while the interpreter loads; a load failure is reported on execute.
        await this.interpreter().catch(() => undefined);
        await this.comms.handleOpen(c);
        return;
      case "comm_msg":
        await this.comms.handleMessage(c, message.buffers);
        return;
      case "comm_close":
        this.comms.handleClose(c);
        return;
      case "interrupt_request":
        // Normally answered by the socket worker; reached here only over other transports.
        this.interrupt();
        this.reply(channel, message, { status: "ok" });
        return;
      case "shutdown_request": {
        const restart = c.restart === true;
        this.reply(channel, message, { status: "ok", restart });
        this.shuttingDown = true;
        // The owner is told after the idle status has been published, so that it goes out too.
        this.pendingShutdown = { restart };
        return;
      }
      default: {
        const type = message.header.msg_type;
        const replyType = type.endsWith("_request") ? type.replace(/_request$/, "_reply") : `${type}_reply`;
        this.log(`unknown message type ${type}`);
        this.send(
          channel,
          createMessage(
            this.options.sender,
            replyType,
            {
              status: "error",
              ename: "UnknownMessageType",
              evalue: `hpcfit does not handle ${type} messages`,
              traceback: [],
            },
            message,
          ),
        );
      }
    }
  }

  private async execute(channel: Channel, message: JupyterMessage, receivedAt: number): Promise<void> {
    if (this.shuttingDown || receivedAt < this.abortBefore) {
      // A cell that never ran has no execution count; JupyterLab would otherwise show the
      // failing cell's number on every skipped cell.
      this.reply(channel, message, { status: "aborted", execution_count: null });
      return;
    }
    const content = await handleExecute(
      {
        publish: (type, body, parent) => this.publish(type, body, parent),
        requestInput: (body, parent) => {
          const request = createMessage(this.options.sender, "input_request", body, parent);
          this.send("stdin", request);
          return request.header.msg_id;
        },
        stdin: this.stdin,
        interpreter: () => this.interpreter(),
        nextExecutionCount: (store) => (store ? ++this.executionCount : this.executionCount),
        recordHistory: (line, source) => this.withHistory((h) => h.add(line, source)),
        recordOutput: (line, output) => this.withHistory((h) => h.setOutput(line, output)),
        maxCellBytes: this.maxCellBytes,
      },
      message,
    );
    if (content.status === "error" && message.content.stop_on_error !== false) {
      // Abort what the client queued behind the failed cell, as ipykernel does: every execute
      // request that arrived before this reply is answered "aborted". The mark is set before the
      // reply goes out (on a monotonic clock), so a request sent after seeing the reply runs.
      this.abortBefore = performance.now();
    }
    this.reply(channel, message, content);
  }

  private openHistory(): HistoryStore {
    if (this.history) return this.history;
    if (this.historyError) throw this.historyError;
    try {
      this.history = this.options.openHistory();
      return this.history;
    } catch (error) {
      this.historyError = new Error(`history is unavailable: ${(error as Error).message}`);
      throw this.historyError;
    }
  }

  private withHistory(action: (store: HistoryStore) => void): void {
    try {
      action(this.openHistory());
    } catch (error) {
      this.log(`history not recorded: ${(error as Error).message}`);
    }
  }

  private reportError(error: unknown, what: string): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.log(`${what}: ${err.message}`);
    if (this.lastRequest) this.publish("stream", { name: "stderr", text: `${what}: ${err.message}\n` }, this.lastRequest);
  }

  private reply(channel: Channel, request: JupyterMessage, content: JSONDict): void {
    const type = request.header.msg_type.replace(/_request$/, "_reply");
    this.send(channel, createMessage(this.options.sender, type, content, request));
  }

  private publish(
    msgType: string,
    content: JSONDict,
    parent?: JupyterMessage,
    extra: { metadata?: JSONDict; buffers?: Uint8Array[] } = {},
  ): void {
    this.send("iopub", createMessage(this.options.sender, msgType, content, parent, { ...extra, identities: [] }));
  }

  private send(channel: Channel, message: JupyterMessage): void {
    this.options.transport.send(channel, message);
  }
}

/** The `code` of a completion, inspection or is_complete request; anything but a string counts as no code. */
function codeOf(content: JupyterMessage["content"]): string {
  return typeof content.code === "string" ? content.code : "";
}
