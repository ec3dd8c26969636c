/**
 * Waiting on a worker thread from the process that started it: its next message, or, should it
 * fail or exit first, an `{ error }` reply in the message's place, so a caller awaiting a thread's
 * hello or answer never hangs on a thread that is gone.
 */
import type { Worker } from "node:worker_threads";

/**
 * The next message of `w` (typed `T` by the caller), or `{ error }` with the thread's error or
 * with `exited(code)` when it exits before sending one.
 */
export function nextMessage<T>(w: Worker, exited: (code: number) => string): Promise<T | { error: string }> {
  return new Promise((resolve) => {
    const done = (r: T | { error: string }): void => {
      w.off("message", onMessage);
      w.off("error", onError);
      w.off("exit", onExit);
      resolve(r);
    };
    const onMessage = (m: T): void => done(m);
    const onError = (e: Error): void => done({ error: e.message });
    const onExit = (code: number): void => done({ error: exited(code) });
    w.on("message", onMessage);
    w.on("error", onError);
    w.on("exit", onExit);
  });
}
