/**
 * The columns of a task and of an attempt as both storages keep them (SQLite and PostgreSQL use
 * the same names), and their mapping to the library's `Task` and `TaskAttempt`.
 */
import type { Task, TaskAttempt, TaskParams, TaskState } from "./types.js";

/** A task's stored columns. */
export interface StoredTask {
  id: number;
  key: string | null;
  command: string | null;
  argv: string | null;
  params: string | null;
  priority: number;
  state: TaskState;
  attempts: number;
  exit_code: number | null;
  error: string | null;
  worker: string | null;
  node: string | null;
  job_id: string | null;
  log_file: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  lease_expires: number | null;
}

/** An attempt's stored columns. */
export interface StoredAttempt {
  attempt: number;
  worker: string;
  node: string | null;
  job_id: string | null;
  started_at: number;
  finished_at: number | null;
  exit_code: number | null;
  error: string | null;
  log_file: string | null;
}

/** Columns cleared when a task is queued again. */
export const RESET_COLUMNS =
  "attempts = 0, exit_code = NULL, error = NULL, worker = NULL, node = NULL, job_id = NULL, log_file = NULL, started_at = NULL, finished_at = NULL, lease_expires = NULL";

/** The library's view of a stored attempt. */
export function attemptFromRow(a: StoredAttempt): TaskAttempt {
  return {
    attempt: a.attempt,
    worker: a.worker,
    node: a.node,
    jobId: a.job_id,
    startedAt: a.started_at,
    finishedAt: a.finished_at,
    exitCode: a.exit_code,
    error: a.error,
    logFile: a.log_file,
  };
}

/** The library's view of a stored task, with the tasks it requires and its attempts. */
export function taskFromRow(r: StoredTask, requires: number[], history: readonly TaskAttempt[]): Task {
  return {
    id: r.id,
    key: r.key,
    command: r.command,
    argv: r.argv === null ? null : (JSON.parse(r.argv) as string[]),
    params: r.params === null ? null : (JSON.parse(r.params) as TaskParams),
    priority: r.priority,
    state: r.state,
    requires,
    attempts: r.attempts,
    exitCode: r.exit_code,
    error: r.error,
    worker: r.worker,
    node: r.node,
    jobId: r.job_id,
    logFile: r.log_file,
    history,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    leaseExpiresAt: r.lease_expires,
  };
}
