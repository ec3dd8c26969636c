/**
 * The contract between the protocol layer (which speaks Jupyter messages) and the interpreter
 * (which runs TypeScript cells). Neither side knows about sockets: the protocol layer turns
 * these calls and callbacks into messages, and tests can drive an interpreter directly.
 */
import type { MimeBundle } from "../../schema/display.js";

/** Where a running cell sends its side effects; the protocol layer turns them into iopub messages. */
export interface OutputSink {
  /** Text on stdout or stderr (a `stream` message). */
  stream(name: "stdout" | "stderr", text: string): void;
  /**
   * A `display_data` (or, with `update`, an `update_display_data` for an existing display_id).
   */
  display(data: MimeBundle, options?: { metadata?: Record<string, unknown>; displayId?: string; update?: boolean }): void;
  /** A `clear_output`; with `wait`, the frontend clears when the next output arrives. */
  clearOutput(wait: boolean): void;
  /**
   * Asks the frontend for a line of input (an `input_request` on stdin). Rejects with a clear
   * error when the client did not allow stdin for this request.
   */
  input(prompt: string, password: boolean): Promise<string>;
}

/** What `execute` was asked for, from the `execute_request`. */
export interface ExecuteOptions {
  silent: boolean;
  storeHistory: boolean;
  allowStdin: boolean;
  /** The execution count this cell gets (already incremented by the caller when storing history). */
  executionCount: number;
}

/** How a cell ended. */
export type ExecuteOutcome =
  | { status: "ok"; /** the value of the last expression, as a MIME bundle, when there is one */ result?: MimeBundle }
  | { status: "error"; ename: string; evalue: string; traceback: string[] };

/** A `complete_reply`'s content, less `status`. */
export interface Completion {
  matches: string[];
  cursorStart: number;
  cursorEnd: number;
  metadata: Record<string, unknown>;
}

/** An `inspect_reply`'s content, less `status`. */
export interface Inspection {
  found: boolean;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

/** An `is_complete_reply`'s content. */
export type CompletenessVerdict =
  { status: "complete" } | { status: "incomplete"; indent: string } | { status: "invalid" } | { status: "unknown" };

/** The TypeScript interpreter as the protocol layer sees it. */
export interface Interpreter {
  /** Runs one cell to completion (awaiting a returned Promise). Never throws for user errors. */
  execute(code: string, options: ExecuteOptions, sink: OutputSink): Promise<ExecuteOutcome>;
  complete(code: string, cursorPos: number): Promise<Completion>;
  inspect(code: string, cursorPos: number, detailLevel: 0 | 1): Promise<Inspection>;
  isComplete(code: string): CompletenessVerdict;
  /**
   * Stops the running cell (busy loop or pending await) and keeps all state. With `at` (when the
   * interrupt arrived, ms since the epoch), a cell that started later is left running.
   */
  interrupt(at?: number): void;
}
