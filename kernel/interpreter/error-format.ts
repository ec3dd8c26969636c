/**
 * Errors as the user sees them: name, message and a traceback that shows the cell's own lines
 * (`at f (<cell 3>:4:7)`) without the interpreter's and Node's internal frames.
 */
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { CellSyntaxError } from "./cell-compiler.js";
import { inspectValue } from "./value-format.js";

/** The error parts of an `execute_reply` / `error` message. */
export interface FormattedError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Raised inside the runner when the user interrupts a cell. */
export class InterruptedError extends Error {
  override readonly name = "KeyboardInterrupt";
  constructor() {
    super("Interrupted by the user");
  }
}

const INTERPRETER_DIR = dirname(fileURLToPath(import.meta.url));

/** Formats a frame list: keeps the user's frames, names cell frames `<cell N>:line:col`. */
export function cleanStack(stack: string | undefined): string[] {
  if (!stack) return [];
  const frames = stack.split("\n").filter((line) => /^\s+at /.test(line));
  let lastCell = -1;
  frames.forEach((f, i) => {
    if (f.includes("<cell ")) lastCell = i;
  });
  const kept = (lastCell >= 0 ? frames.slice(0, lastCell + 1) : frames).filter(
    (f) =>
      !f.includes("node:internal") &&
      !f.includes(INTERPRETER_DIR) &&
      !/\bat (?:__hpcfit_cell\.next|Generator\.(?:next|throw|return)) \(<anonymous>\)/.test(f),
  );
  return kept.map((f) => f.replace(/at (?:async )?__hpcfit_cell \((<cell [^)]*)\)/, "at $1"));
}

/** Turns anything thrown by a cell into the parts of an error reply. */
export function formatError(error: unknown): FormattedError {
  if (error instanceof CellSyntaxError) {
    const caret = " ".repeat(Math.max(0, error.column - 1)) + "^";
    return {
      ename: "SyntaxError",
      evalue: error.message,
      traceback: [`SyntaxError: ${error.message}`, `    ${error.sourceLine}`, `    ${caret}`],
    };
  }
  if (error instanceof InterruptedError) {
    // Raised in a loop of the cell's, it shows where the cell was; raised while waiting, it has
    // no frame of the cell's and shows none.
    const frames = cleanStack(error.stack).filter((f) => f.includes("<cell "));
    return { ename: "KeyboardInterrupt", evalue: error.message, traceback: [`KeyboardInterrupt: ${error.message}`, ...frames] };
  }
  if (error instanceof Error) {
    const ename = error.name || error.constructor?.name || "Error";
    const evalue = error.message;
    // A MagicError is a user mistake with a precise message: no stack.
    if (ename === "MagicError") return { ename, evalue, traceback: [`${ename}: ${evalue}`] };
    const head = `${ename}: ${evalue}`;
    return { ename, evalue, traceback: [head, ...cleanStack(error.stack)] };
  }
  const evalue = inspectValue(error);
  return { ename: "Uncaught", evalue, traceback: [`Uncaught ${evalue}`] };
}
