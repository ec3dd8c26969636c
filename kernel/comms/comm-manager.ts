/**
 * The kernel's registry of comm targets and open comms (implements the contract in
 * `types.ts`). The protocol layer feeds it frontend messages; the rest of the project registers
 * targets and opens comms without seeing a frame.
 */
import { randomUUID } from "node:crypto";
import { KernelComm, type CommSender } from "./kernel-comm.js";
import type { Comm, CommManager, CommTargetHandler, JSONObject } from "./types.js";

/** A handler failure, reported to the user by the protocol layer rather than thrown. */
export type CommErrorReporter = (error: unknown, what: string) => void;

function asObject(value: unknown): JSONObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JSONObject) : {};
}

/** The comm registry behind `comm_open`, `comm_msg`, `comm_close` and `comm_info`. */
export class KernelCommManager implements CommManager {
  private readonly targets = new Map<string, CommTargetHandler>();
  private readonly comms = new Map<string, KernelComm>();

  /** `send` puts comm messages on iopub; `reportError` shows a failing handler's error. */
  constructor(
    private readonly send: CommSender,
    private readonly reportError: CommErrorReporter,
  ) {}

  /** {@inheritDoc CommManager.registerTarget} */
  registerTarget(targetName: string, handler: CommTargetHandler): void {
    this.targets.set(targetName, handler);
  }

  /** {@inheritDoc CommManager.unregisterTarget} */
  unregisterTarget(targetName: string): void {
    this.targets.delete(targetName);
  }

  /** {@inheritDoc CommManager.open} */
  open(targetName: string, data: JSONObject = {}, metadata: JSONObject = {}): Comm {
    const comm = this.create(randomUUID().replace(/-/g, ""), targetName);
    this.send("comm_open", { comm_id: comm.commId, target_name: targetName, data }, metadata);
    return comm;
  }

  /** {@inheritDoc CommManager.list} */
  list(targetName?: string): Comm[] {
    return [...this.comms.values()].filter((c) => targetName === undefined || c.targetName === targetName);
  }

  /**
   * A frontend opened a comm. An unknown target gets the comm closed straight back (so the
   * frontend does not wait on it) and an error naming the known targets.
   */
  async handleOpen(content: Record<string, unknown>): Promise<void> {
    const commId = content.comm_id;
    const targetName = content.target_name;
    if (typeof commId !== "string" || commId === "" || typeof targetName !== "string") {
      this.reportError(new Error("comm_open needs a string comm_id and target_name"), "comm_open");
      return;
    }
    const handler = this.targets.get(targetName);
    if (!handler) {
      this.send("comm_close", { comm_id: commId, data: {} });
      const known = [...this.targets.keys()].sort().join(", ") || "none";
      this.reportError(new Error(`no comm target named "${targetName}" (registered targets: ${known})`), "comm_open");
      return;
    }
    const comm = this.create(commId, targetName);
    try {
      await handler(comm, asObject(content.data));
    } catch (error) {
      this.reportError(error, `comm target ${targetName}`);
    }
  }

  /** A frontend `comm_msg`; messages to unknown comms are reported and dropped. */
  async handleMessage(content: Record<string, unknown>, buffers: Uint8Array[]): Promise<void> {
    const comm = typeof content.comm_id === "string" ? this.comms.get(content.comm_id) : undefined;
    if (!comm) {
      this.reportError(new Error(`comm_msg for unknown comm ${JSON.stringify(content.comm_id)}`), "comm_msg");
      return;
    }
    try {
      await comm.receive(asObject(content.data), buffers);
    } catch (error) {
      this.reportError(error, `comm ${comm.targetName} message handler`);
    }
  }

  /** A frontend `comm_close`. */
  handleClose(content: Record<string, unknown>): void {
    const comm = typeof content.comm_id === "string" ? this.comms.get(content.comm_id) : undefined;
    if (!comm) return; // Closing twice, or a comm we refused: nothing to do.
    try {
      comm.receiveClose(asObject(content.data));
    } catch (error) {
      this.reportError(error, `comm ${comm.targetName} close handler`);
    }
  }

  /** Kernel shutdown: every open comm's close handlers run, nothing is sent. */
  closeAll(): void {
    for (const comm of [...this.comms.values()]) {
      try {
        comm.receiveClose({});
      } catch (error) {
        this.reportError(error, `comm ${comm.targetName} close handler`);
      }
    }
  }

  private create(commId: string, targetName: string): KernelComm {
    const comm = new KernelComm(commId, targetName, this.send, (id) => this.comms.delete(id));
    this.comms.set(commId, comm);
    return comm;
  }
}
