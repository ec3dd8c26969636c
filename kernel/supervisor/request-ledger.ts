/**
 * The supervisor's record of what an interpreter process holds: the requests handed to it and
 * not yet answered, the comms open through it, and the execution count it reached. When the
 * interpreter dies, the ledger says which request it died running, which requests were still
 * queued behind it, and which comms went with it, so that every request gets its reply.
 */
import type { Channel, JupyterMessage } from "../../jupyter/message.js";

/** A request as it was handed to the interpreter. */
export interface LedgerEntry {
  channel: Exclude<Channel, "iopub">;
  message: JupyterMessage;
}

/** What an interpreter left behind when it died. */
export interface Estate {
  /** The request it was running: the oldest unanswered one of the shell queue. */
  running?: LedgerEntry;
  /** Requests it had received but not started or not answered, in arrival order. */
  queued: LedgerEntry[];
  /** Comms that were open, by id, with their target names. */
  comms: Array<{ commId: string; targetName: string }>;
  /** The execute request whose cell ran last (late output of a dead interpreter belongs to it). */
  lastExecute?: JupyterMessage;
  /** The highest execution count it used. */
  executionCount: number;
}

/** Requests the protocol layer runs one at a time in arrival order (see kernel-protocol.ts). */
const runsInShellQueue = (entry: LedgerEntry): boolean =>
  entry.channel === "shell" || entry.message.header.msg_type === "execute_request";

const parentId = (message: JupyterMessage): string | undefined => (message.parent_header as { msg_id?: string }).msg_id;

/** Tracks one interpreter process's requests and comms; {@link reset} for the next one. */
export class RequestLedger {
  private readonly unanswered = new Map<string, LedgerEntry>();
  private readonly comms = new Map<string, string>();
  private readonly requestsById = new Map<string, JupyterMessage>();
  private lastExecute: JupyterMessage | undefined;
  private count: number;

  /** `executionCount`: where numbering stands when the first interpreter starts. */
  constructor(executionCount = 0) {
    this.count = executionCount;
  }

  /** The highest execution count any interpreter used so far. */
  get executionCount(): number {
    return this.count;
  }

  /** A client's message was handed to the interpreter. */
  forwarded(channel: Exclude<Channel, "iopub">, message: JupyterMessage): void {
    const type = message.header.msg_type;
    if (channel !== "stdin" && type.endsWith("_request")) {
      this.unanswered.set(message.header.msg_id, { channel, message });
      if (type === "execute_request") this.requestsById.set(message.header.msg_id, message);
    }
    this.trackComm(type, message.content);
  }

  /** The interpreter sent a message to the clients. */
  sent(channel: Channel, message: JupyterMessage): void {
    const type = message.header.msg_type;
    if (channel === "shell" || channel === "control") {
      const id = parentId(message);
      if (id !== undefined && type.endsWith("_reply")) {
        this.unanswered.delete(id);
        this.requestsById.delete(id);
      }
      this.countFrom(message.content.execution_count);
      return;
    }
    if (channel !== "iopub") return;
    if (type === "execute_input") {
      this.countFrom(message.content.execution_count);
      const id = parentId(message);
      const request = id === undefined ? undefined : this.requestsById.get(id);
      if (request) this.lastExecute = request;
    }
    this.trackComm(type, message.content);
  }

  /** What the interpreter leaves behind; the ledger then starts empty for the next one. */
  reset(): Estate {
    const entries = [...this.unanswered.values()];
    const running = entries.find(runsInShellQueue);
    const estate: Estate = {
      running,
      queued: entries.filter((entry) => entry !== running),
      comms: [...this.comms].map(([commId, targetName]) => ({ commId, targetName })),
      lastExecute: this.lastExecute,
      executionCount: this.count,
    };
    this.unanswered.clear();
    this.requestsById.clear();
    this.comms.clear();
    this.lastExecute = undefined;
    return estate;
  }

  private countFrom(value: unknown): void {
    if (typeof value === "number" && Number.isInteger(value) && value > this.count) this.count = value;
  }

  private trackComm(type: string, content: JupyterMessage["content"]): void {
    if (typeof content.comm_id !== "string") return;
    if (type === "comm_open") this.comms.set(content.comm_id, typeof content.target_name === "string" ? content.target_name : "");
    else if (type === "comm_close") this.comms.delete(content.comm_id);
  }
}
