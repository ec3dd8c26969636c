/**
 * Runs one `execute_request`: execute_input, the cell through the interpreter, execute_result or
 * error on iopub, user_expressions, history, and the execute_reply content.
 */
import type { ExecuteOutcome, Interpreter } from "../interpreter/types.js";
import type { JSONDict, JupyterMessage } from "../../jupyter/message.js";
import { cellSizeError } from "./cell-size-limit.js";
import { DiscardingSink, MessageOutputSink, type SinkChannels } from "./output-sink.js";

/** What the execute handler needs around it. */
export interface ExecuteContext extends SinkChannels {
  interpreter(): Promise<Interpreter>;
  /** Takes the next execution count when `store` (a stored cell), else returns the current one. */
  nextExecutionCount(store: boolean): number;
  /** Records a cell's input (and later its text/plain output) in the history, when it is open. */
  recordHistory(line: number, source: string): void;
  recordOutput(line: number, output: string): void;
  /** The largest cell accepted, in bytes of UTF-8 (see cell-size-limit.ts). */
  maxCellBytes: number;
}

function text(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

function errorContent(outcome: Extract<ExecuteOutcome, { status: "error" }>): JSONDict {
  return { ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback };
}

/** Executes the request and returns the execute_reply content (status ok, error). */
export async function handleExecute(ctx: ExecuteContext, request: JupyterMessage): Promise<JSONDict> {
  const c = request.content;
  if (typeof c.code !== "string") {
    return {
      status: "error",
      execution_count: ctx.nextExecutionCount(false),
      ename: "BadRequest",
      evalue: "execute_request content.code must be a string",
      traceback: [],
    };
  }
  const code = c.code;
  const tooLarge = cellSizeError(Buffer.byteLength(code, "utf8"), ctx.maxCellBytes);
  if (tooLarge !== undefined) {
    // Refused before it is echoed, stored or compiled: those would each hold a copy of it.
    const error = { ename: "CellTooLargeError", evalue: tooLarge, traceback: [`CellTooLargeError: ${tooLarge}`] };
    if (c.silent !== true) ctx.publish("error", error, request);
    return { status: "error", execution_count: ctx.nextExecutionCount(false), ...error };
  }
  const silent = c.silent === true;
  const storeHistory = silent ? false : c.store_history !== false;
  const allowStdin = c.allow_stdin !== false;
  const count = ctx.nextExecutionCount(storeHistory);
  if (!silent) ctx.publish("execute_input", { code, execution_count: count }, request);
  if (storeHistory) ctx.recordHistory(count, code);

  let interpreter: Interpreter;
  let outcome: ExecuteOutcome;
  const sink = new MessageOutputSink(ctx, request, allowStdin);
  try {
    interpreter = await ctx.interpreter();
    outcome = await interpreter.execute(code, { silent, storeHistory, allowStdin, executionCount: count }, sink);
  } catch (error) {
    // The interpreter promises never to throw for user errors; this is a kernel fault, reported
    // like a cell error so the kernel lives on.
    const err = error instanceof Error ? error : new Error(String(error));
    outcome = { status: "error", ename: err.name || "KernelError", evalue: err.message, traceback: [err.stack ?? String(err)] };
  }

  if (outcome.status === "error") {
    ctx.publish("error", errorContent(outcome), request);
    return { status: "error", execution_count: count, ...errorContent(outcome) };
  }
  if (outcome.result && !silent) {
    ctx.publish("execute_result", { execution_count: count, data: outcome.result, metadata: {} }, request);
    if (storeHistory) ctx.recordOutput(count, text(outcome.result["text/plain"], JSON.stringify(outcome.result)));
  }
  const userExpressions = await evaluateUserExpressions(ctx, c.user_expressions, count);
  return { status: "ok", execution_count: count, user_expressions: userExpressions, payload: [] };
}

async function evaluateUserExpressions(ctx: ExecuteContext, expressions: unknown, count: number): Promise<JSONDict> {
  const out: JSONDict = {};
  if (typeof expressions !== "object" || expressions === null) return out;
  const interpreter = await ctx.interpreter();
  for (const [name, expr] of Object.entries(expressions as Record<string, unknown>)) {
    if (typeof expr !== "string") {
      out[name] = { status: "error", ename: "TypeError", evalue: "a user expression must be a string", traceback: [] };
      continue;
    }
    const outcome = await interpreter.execute(
      expr,
      { silent: true, storeHistory: false, allowStdin: false, executionCount: count },
      new DiscardingSink(),
    );
    out[name] =
      outcome.status === "ok"
        ? { status: "ok", data: outcome.result ?? { "text/plain": "undefined" }, metadata: {} }
        : { status: "error", ...errorContent(outcome) };
  }
  return out;
}
