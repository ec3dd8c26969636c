/**
 * Parsers for the verbs' arguments and options, each failing with a message that names the option
 * and the value it got, and the `--dir` option every verb takes.
 */
import { InvalidArgumentError, Option } from "commander";
import { TASK_STATES, type TaskParams, type TaskState } from "../types.js";
import { UserError } from "../../util/user-error.js";

/** A commander parser for a whole number of at least `min`. */
export function integer(what: string, min: number): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`${what} must be a whole number >= ${min}, got ${JSON.stringify(value)}.`);
    return n;
  };
}

/** A commander parser for a batch size: `auto`, or a whole number of at least 1. */
export function batchSize(what: string): (value: string) => number | "auto" {
  const count = integer(what, 1);
  return (value: string): number | "auto" => {
    if (value.trim().toLowerCase() === "auto") return "auto";
    try {
      return count(value);
    } catch {
      throw new InvalidArgumentError(`${what} must be "auto" or a whole number >= 1, got ${JSON.stringify(value)}.`);
    }
  };
}

/** A commander parser for a positive number of seconds. */
export function seconds(what: string): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${what} must be a positive number of seconds, got ${JSON.stringify(value)}.`);
    return n;
  };
}

/** `--state FAILED,running`: task states, any case. */
export function parseStates(value: string): TaskState[] {
  return value.split(",").map((s) => {
    const state = s.trim().toUpperCase() as TaskState;
    if (!TASK_STATES.includes(state))
      throw new UserError(`Unknown task state ${JSON.stringify(s)}; states are ${TASK_STATES.join(", ")}.`);
    return state;
  });
}

/** Task ids given as words, each possibly a comma-separated list. */
export function parseIds(values: string[]): number[] {
  return values
    .flatMap((v) => v.split(","))
    .filter((v) => v.trim() !== "")
    .map((v) => {
      const n = Number(v);
      if (!/^\d+$/.test(v.trim()) || n < 1) throw new UserError(`${JSON.stringify(v)} is not a task id.`);
      return n;
    });
}

/** `--requires 3,7,prep`: numbers are ids, other words are task keys. */
export function parseRequires(value: string): Array<number | string> {
  return value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "")
    .map((v) => (/^\d+$/.test(v) ? Number(v) : v));
}

/** `--params '{"model": "m1"}'`: a JSON object. */
export function parseParams(value: string): TaskParams {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    throw new UserError(`--params is not valid JSON: ${(e as Error).message}.`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new UserError("--params must be a JSON object.");
  return parsed as TaskParams;
}

/**
 * The `--batch` option of `work` and `launch` (which passes it to the workers it starts): tasks
 * each worker claims per exchange with the database.
 */
export const batchOption = (): Option =>
  new Option(
    "--batch <n|auto>",
    "tasks each worker claims per exchange with the database: auto batches short tasks and claims long ones one at a time",
  )
    .default("auto")
    .argParser(batchSize("--batch"));

/** The `--dir` option of every verb. */
export const dirOption = (): Option =>
  new Option("--dir <folder>", "folder holding the queues (default $HPCFIT_DATA_DIR/queues or ~/.local/share/hpcfit/queues)");

/** The `--db` option of every verb: the PostgreSQL database that holds the queues. */
export const dbOption = (): Option =>
  new Option(
    "--db <url>",
    "PostgreSQL URL holding the queues, for workers on many nodes (default $HPCFIT_QUEUE_DB, else SQLite in the queue's folder)",
  );
