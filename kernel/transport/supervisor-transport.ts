/**
 * The interpreter process's transport: Jupyter messages to and from the supervisor (the process
 * that owns the sockets, `kernel/supervisor/`) over Node's IPC channel. Implements the protocol
 * layer's {@link Transport}.
 */
import type { Channel, JupyterMessage } from "../../jupyter/message.js";
import type { InterpreterEvent, SupervisorCommand } from "../supervisor/messages.js";
import type { IncomingHandler, Transport } from "./transport.js";

/** Carries messages over this process's IPC channel to the supervisor that started it. */
export class SupervisorTransport implements Transport {
  private handler: IncomingHandler | null = null;
  private readonly early: SupervisorCommand[] = [];

  /** @throws Error when the process was not started with an IPC channel */
  constructor() {
    if (!process.send) throw new Error("the interpreter process must be started by the kernel's supervisor (no IPC channel)");
    process.on("message", (command: SupervisorCommand) => {
      if (command.kind !== "message") return;
      if (this.handler) this.handler(command.channel, command.message, command.receivedAt);
      else this.early.push(command);
    });
  }

  /** Tells the supervisor that messages may come (interrupts come by the doorbell, see `kernel/interrupt/doorbell.ts`). */
  ready(): void {
    this.post({ kind: "ready" });
  }

  /** {@inheritDoc Transport.onMessage} */
  onMessage(handler: IncomingHandler): void {
    this.handler = handler;
    for (const c of this.early.splice(0)) handler(c.channel, c.message, c.receivedAt);
  }

  /** {@inheritDoc Transport.send} */
  send(channel: Channel, message: JupyterMessage): void {
    this.post({ kind: "send", channel, message });
  }

  /**
   * Tells the supervisor that the kernel ends with `code`, and resolves once everything sent
   * before has been handed to the channel (sends keep their order), so nothing is lost.
   */
  async close(code: number): Promise<void> {
    if (!process.connected) return;
    const event: InterpreterEvent = { kind: "exit", code };
    await new Promise<void>((resolve) => {
      try {
        process.send!(event, undefined, {}, () => resolve());
      } catch {
        resolve();
      }
    });
  }

  private post(event: InterpreterEvent): void {
    // A channel already closed means the supervisor is gone; the process ends on "disconnect".
    if (process.connected) process.send!(event);
  }
}
