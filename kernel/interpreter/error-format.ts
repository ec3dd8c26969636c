/**
 * Errors as the user sees them: name, message and a traceback that shows the cell's own lines
 * (`at f (<cell 3>:4:7)`) without the interpreter's and Node's internal frames.
 */
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { CellSyntaxError } from "./cell-compiler.js";
import type { Position } from "./cell-positions.js";
import { inspectValue } from "./value-format.js";
import { UserError } from "../../util/user-error.js";

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

/** Maps a cell's line and column as the running code has them to the cell's own. */
export type CellPositionMapper = (cell: string, position: Position) => Position;

/**
 * Formats a frame list: keeps the user's frames, names cell frames `<cell N>:line:col`, with the
 * line and column of the cell's TypeScript when `toCell` knows the cell.
 */
export function cleanStack(stack: string | undefined, toCell?: CellPositionMapper): string[] {
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
  return kept
    .map((f) => f.replace(/at (?:async )?__hpcfit_cell \((<cell [^)]*)\)/, "at $1"))
    .map((f) =>
      toCell
        ? f.replace(/(<cell \d+>):(\d+):(\d+)/g, (_match, cell: string, line: string, column: string) => {
            const at = toCell(cell, { line: Number(line), column: Number(column) });
            return `${cell}:${at.line}:${at.column}`;
          })
        : f,
    );
}

/** The file name (`<cell N>`) of the innermost cell frame in an error's stack, if it has one. */
export function innermostCellFile(error: unknown): string | undefined {
  const stack = error instanceof Error && typeof error.stack === "string" ? error.stack : "";
  return /<cell \d+>/.exec(stack)?.[0];
}

/** Turns anything thrown by a cell into the parts of an error reply. */
export function formatError(error: unknown, toCell?: CellPositionMapper): FormattedError {
  if (error instanceof CellSyntaxError) {
    const caret = " ".repeat(Math.max(0, error.column - 1)) + "^";
    return {
      ename: "SyntaxError",
      evalue: error.message,
      traceback: [`SyntaxError: ${error.message}`, `    ${error.sourceLine}`, `    ${caret}`],
    };
  }
  if (error instanceof InterruptedError) {
    return { ename: "KeyboardInterrupt", evalue: error.message, traceback: [`KeyboardInterrupt: ${error.message}`] };
  }
  if (error instanceof Error) {
    const ename = error.name || error.constructor?.name || "Error";
    const evalue = error.message;
    // A UserError is a user mistake with a precise message: no stack.
    if (error instanceof UserError) return { ename, evalue, traceback: [`${ename}: ${evalue}`] };
    const head = `${ename}: ${evalue}`;
    return { ename, evalue, traceback: [head, ...cleanStack(error.stack, toCell)] };
  }
  const evalue = inspectValue(error);
  return { ename: "Uncaught", evalue, traceback: [`Uncaught ${evalue}`] };
}
