/**
 * What the supervisor (the process Jupyter started, which owns the sockets) and the interpreter
 * process it runs say to each other over Node's IPC channel (`serialization: "advanced"`, so the
 * byte arrays of identities and buffers cross intact). Messages from clients are verified and
 * parsed by the supervisor's socket thread; the interpreter only ever sees trusted, parsed messages.
 */
import type { Channel, JupyterMessage, SenderIdentity } from "../../jupyter/message.js";

/** Where the supervisor puts the interpreter's start data: a JSON {@link InterpreterStart}. */
export const INTERPRETER_START_VARIABLE = "HPCFIT_KERNEL_INTERPRETER";

/**
 * The interpreter process's file descriptor for the interrupt doorbell (`kernel/interrupt/doorbell.ts`):
 * the supervisor writes a record there for each interrupt instead of sending a signal. The
 * process's descriptors are stdin, stdout, stderr, the IPC channel (3), then this one.
 */
export const INTERRUPT_DOORBELL_FD = 4;

/** What the interpreter process starts with. */
export interface InterpreterStart {
  /** The kernel's session id and user name: the same in every interpreter the supervisor runs. */
  sender: SenderIdentity;
  /** The execution count reached by the interpreters before this one; numbering goes on after it. */
  executionCount: number;
}

/** From the supervisor to the interpreter. */
export type SupervisorCommand = {
  kind: "message";
  channel: Exclude<Channel, "iopub">;
  message: JupyterMessage;
  receivedAt: number;
};

/** From the interpreter to the supervisor. */
export type InterpreterEvent =
  /** It has a protocol layer: messages may come. */
  | { kind: "ready" }
  /** A message to send to the clients. */
  | { kind: "send"; channel: Channel; message: JupyterMessage }
  /** It is ending on purpose (shutdown, SIGTERM, a cell's `process.exit`): the kernel ends with `code`. */
  | { kind: "exit"; code: number };
