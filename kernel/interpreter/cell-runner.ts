/**
 * Drives a compiled cell: resumes it after each top-level `await` (a `yield` in the compiled
 * cell) and waits for what it awaits in a way an interrupt cuts short. Busy code, in the cell or
 * anything it calls, is stopped from outside by `kernel/interrupt/`.
 */
import { InterruptedError } from "./error-format.js";

/**
 * Waits for `value` unless the user interrupts: returns `value` itself when it is not a promise,
 * and otherwise a promise that settles as `value` does or rejects with an InterruptedError on
 * interrupt, whichever comes first. Throws at once when the interrupt has already happened.
 */
export type InterruptibleWait = (value: unknown) => unknown;

/** A compiled cell function: a generator function or an async generator function taking the helpers. */
export type CellFunction = (helpers: unknown) => Generator<unknown, unknown, unknown> | AsyncGenerator<unknown, unknown, unknown>;

/**
 * Runs a cell to its end and returns its value (a returned Promise is awaited).
 * @param wait how the runner waits for what the cell awaits
 */
export async function driveCell(
  fn: CellFunction,
  helpers: unknown,
  mode: "generator" | "async-generator",
  wait: InterruptibleWait,
): Promise<unknown> {
  // Start on a fresh turn of the event loop, from its microtask checkpoint: busy code then has
  // only the cell and this runner beneath it, which the stopper may cut short, and none of the
  // kernel's code, which it may not. Stopping also drops the microtasks still queued, and on a
  // fresh turn those are only the cell's own.
  await new Promise((resolve) => setImmediate(resolve));
  if (mode === "async-generator") return driveAsync(fn(helpers) as AsyncGenerator<unknown, unknown, unknown>, wait);
  const generator = fn(helpers) as Generator<unknown, unknown, unknown>;
  let step = generator.next();
  for (;;) {
    if (step.done) return wait(step.value);
    let input: unknown;
    try {
      input = await wait(step.value);
    } catch (error) {
      // The cell sees what it awaited reject, and may catch it; an interrupt it cannot catch.
      if (!(error instanceof InterruptedError)) {
        step = generator.throw(error);
        continue;
      }
      // Run the cell's `finally` write-backs so everything assigned so far is kept.
      try {
        generator.return(undefined);
      } catch {
        // The cell's own finally threw while being abandoned; the interrupt is what matters.
      }
      throw error;
    }
    step = generator.next(input);
  }
}

/** An async generator awaits a yielded value itself; the runner only races it with the interrupt. */
async function driveAsync(generator: AsyncGenerator<unknown, unknown, unknown>, wait: InterruptibleWait): Promise<unknown> {
  let input: unknown = undefined;
  for (;;) {
    const pending = generator.next(input);
    let step: IteratorResult<unknown, unknown>;
    try {
      step = (await wait(pending)) as IteratorResult<unknown, unknown>;
    } catch (error) {
      if (error instanceof InterruptedError) {
        // The generator may still be waiting; when it settles, nobody listens.
        pending.catch(() => undefined);
        generator.return(undefined).catch(() => undefined);
      }
      throw error;
    }
    if (step.done) return wait(step.value);
    input = step.value;
  }
}
