/**
 * Drives a compiled cell. Each synchronous stretch of the cell (its start, and each resumption
 * after a top-level `await`) runs inside `vm`'s `breakOnSigint`, so SIGINT stops a busy loop
 * wherever it is in the cell; a pending `await` is raced against the interrupt promise.
 */
import vm from "node:vm";
import { InterruptedError, STEP_FILENAME } from "./error-format.js";

const STEP = Symbol.for("hpcfit.resumeCell");
const stepScript = new vm.Script(`globalThis[Symbol.for("hpcfit.resumeCell")]()`, { filename: STEP_FILENAME });

type Slot = { [STEP]?: () => unknown };

/** Runs `fn` synchronously; SIGINT while it runs throws {@link InterruptedError}. */
export function runGuarded<T>(fn: () => T): T {
  const slot = globalThis as Slot;
  const previous = slot[STEP];
  slot[STEP] = fn;
  try {
    return stepScript.runInThisContext({ breakOnSigint: true }) as T;
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") throw new InterruptedError();
    throw error;
  } finally {
    slot[STEP] = previous;
  }
}

/** A compiled cell function: a generator function or an async generator function taking the helpers. */
export type CellFunction = (helpers: unknown) => Generator<unknown, unknown, unknown> | AsyncGenerator<unknown, unknown, unknown>;

/**
 * Runs a cell to its end and returns its value (a returned Promise is awaited).
 * @param interrupted a promise that rejects with {@link InterruptedError} when the user interrupts
 */
export async function driveCell(
  fn: CellFunction,
  helpers: unknown,
  mode: "generator" | "async-generator",
  interrupted: Promise<never>,
): Promise<unknown> {
  if (mode === "async-generator") return driveAsync(fn(helpers) as AsyncGenerator<unknown, unknown, unknown>, interrupted);
  const generator = fn(helpers) as Generator<unknown, unknown, unknown>;
  let resumeWith: "next" | "throw" = "next";
  let input: unknown = undefined;
  for (;;) {
    const method = resumeWith;
    const arg = input;
    const step = runGuarded(() => (method === "next" ? generator.next(arg) : generator.throw(arg)));
    if (step.done) return isThenable(step.value) ? Promise.race([step.value, interrupted]) : step.value;
    try {
      input = await Promise.race([step.value, interrupted]);
      resumeWith = "next";
    } catch (error) {
      if (error instanceof InterruptedError) {
        // Run the cell's `finally` write-backs so everything assigned so far is kept.
        try {
          generator.return(undefined);
        } catch {
          // The cell's own finally threw while being abandoned; the interrupt is what matters.
        }
        throw error;
      }
      resumeWith = "throw";
      input = error;
    }
  }
}

/**
 * An async generator awaits a yielded value itself; each `next()` still starts its synchronous
 * stretch inside the guard. Native awaits in loops are raced with the interrupt by the cell.
 */
async function driveAsync(generator: AsyncGenerator<unknown, unknown, unknown>, interrupted: Promise<never>): Promise<unknown> {
  let input: unknown = undefined;
  for (;;) {
    const arg = input;
    const pending = runGuarded(() => generator.next(arg));
    let step: IteratorResult<unknown, unknown>;
    try {
      step = await Promise.race([pending, interrupted]);
    } catch (error) {
      if (error instanceof InterruptedError) {
        // The generator may still be waiting; when it settles, nobody listens.
        pending.catch(() => undefined);
        generator.return(undefined).catch(() => undefined);
      }
      throw error;
    }
    if (step.done) return isThenable(step.value) ? Promise.race([step.value, interrupted]) : step.value;
    input = step.value;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}
