/**
 * How the end of an attempt changes its task, and the reasons a task shows while it waits to run
 * again: the same rules and the same words in every storage.
 */
import type { TaskOutcome, TaskState } from "./types.js";

/** What recording one finished attempt does. */
export interface AttemptEnd {
  /** The task's state afterwards: PENDING for a failure that runs again, else SUCCEEDED or FAILED. */
  readonly state: TaskState;
  /** The error shown on the task (for a failure that runs again, with a note saying so). */
  readonly taskError: string | null;
  /** The error recorded on the attempt. */
  readonly attemptError: string | null;
}

/** The end of attempt `attempt` with `outcome`, in a queue that gives tasks `maxAttempts` and retries failures or not. */
export function attemptEnd(attempt: number, outcome: TaskOutcome, maxAttempts: number, retryOnFailure: boolean): AttemptEnd {
  if (outcome.exitCode === 0) return { state: "SUCCEEDED", taskError: null, attemptError: null };
  const error = outcome.error ?? `exit code ${outcome.exitCode}`;
  if (retryOnFailure && attempt < maxAttempts) {
    return { state: "PENDING", taskError: retryNote(error, attempt, maxAttempts), attemptError: error };
  }
  return { state: "FAILED", taskError: error, attemptError: error };
}

/** The task's error after a failed attempt that runs again. */
export function retryNote(error: string, attempt: number, maxAttempts: number): string {
  return `${error} (attempt ${attempt} of ${maxAttempts}; it runs again)`;
}

/** Why an attempt ended whose worker's lease ran out. */
export function lostLease(worker: string, attempt: number, maxAttempts: number): string {
  return `lease of worker ${worker} expired during attempt ${attempt} of ${maxAttempts}`;
}

/**
 * The error a PENDING task shows after its last attempt ended as `last` (a failure that runs
 * again, or a lost lease), or null before its first attempt: what a released claim restores.
 */
export function waitingError(
  last: { attempt: number; worker: string; exitCode: number | null; error: string | null } | undefined,
  maxAttempts: number,
): string | null {
  if (last === undefined) return null;
  if (last.exitCode === null) return lostLease(last.worker, last.attempt, maxAttempts);
  return retryNote(last.error ?? `exit code ${last.exitCode}`, last.attempt, maxAttempts);
}
