/**
 * What a magic is and what it may touch. The interpreter turns `%name args` (a line magic, also on
 * the right of an assignment) and a cell starting with `%%name args` (a cell magic) into calls on
 * the registry; each magic is thin and calls a library API that the CLI calls too.
 */
import type { CommManager } from "../comms/types.js";
import type { OutputSink } from "../interpreter/types.js";

/** What a magic can reach while it runs. */
export interface MagicContext {
  /** The running cell's outputs (stream, display, update, clear, input). */
  readonly output: OutputSink;
  /** The kernel's comms, for magics that feed a frontend panel. */
  readonly comms: CommManager;
  /** Aborted when the user interrupts the cell. */
  readonly signal: AbortSignal;
  /** Reads a top-level variable of the notebook (undefined when not declared). */
  getVariable(name: string): unknown;
  /** True when the notebook has declared `name`. */
  hasVariable(name: string): boolean;
  /** Names of the notebook's top-level declarations (for `%who`). */
  variableNames(): string[];
  /**
   * Runs TypeScript in the notebook's scope as a cell would (its declarations persist) and
   * resolves to the value of its last expression. Provided by the hpcfit kernel's interpreter;
   * optional so that contexts built elsewhere (tests, the CLI) need not evaluate code.
   */
  run?(code: string): Promise<unknown>;
}

/** Whether a magic is used as `%name` (line), `%%name` (cell), or both. */
export type MagicKind = "line" | "cell" | "both";

/** One magic command. */
export interface Magic {
  /** The name without `%`, e.g. `sbatch`. */
  readonly name: string;
  readonly kind: MagicKind;
  /** One line for `%lsmagic`. */
  readonly summary: string;
  /** Longer usage text, shown by `%name?` and in errors about bad options. */
  readonly usage?: string;
  /**
   * Runs the magic. `args` is the rest of the magic line, unparsed; `body` is the cell below a
   * `%%` line (undefined for a line magic). The returned value becomes the value of the
   * expression (`const job = %sbatch run.sh`) and is displayed when it is the cell's last.
   * Throw a {@link UserError} for user errors: it is shown without a stack trace.
   */
  run(args: string, context: MagicContext, body?: string): unknown;
}
