/**
 * What the queue's verbs need from the place they are used (`hpcfit queue ...` on the command
 * line, `%queue ...` in a notebook), and the small kit every verb module shares: where output
 * goes, how a user's mistake is reported, and how an open queue is borrowed for one verb.
 */
import type { Command } from "commander";
import { connect, type LocationOptions, type Queue } from "./queue.js";
import type { QueueStatus } from "./status.js";
import { UserError } from "../util/user-error.js";

/** Where a verb's output goes. */
export interface QueueFrontDoor {
  /** A line of text for the user (CLI: stdout; notebook: the cell's stdout). */
  print(text: string): void;
  /** The verb's value (the magic returns it; the CLI ignores it, having printed it). */
  result(value: unknown): void;
  /** Whether values are printed as text too (CLI) or displayed from the result (notebook). */
  readonly printsValues: boolean;
  /**
   * Shows a status that is then redrawn in place; returns the function that redraws it. When
   * absent, `status --follow` prints a line per change.
   */
  live?(status: QueueStatus): (status: QueueStatus) => void;
  /** Whether `status` follows a running queue unless `--once` (notebook) or only with `--follow` (CLI). */
  readonly followsByDefault: boolean;
  /** Stops long verbs (`status --follow`, `work`). */
  readonly signal?: AbortSignal;
  /** Reports a user error (bad input, unknown queue, a scheduler's refusal); absent: errors reject. */
  fail?(error: Error): void;
  /** Reads a file of tasks; `-` is standard input where there is one. */
  readText(path: string): Promise<string>;
}

/** A front door as each verb module receives it, with the two ways a verb hands back its work. */
export interface VerbDoor {
  /** The front door itself. */
  readonly io: QueueFrontDoor;
  /**
   * Wraps a commander action: a {@link UserError} goes to the front door's `fail` when it has one
   * (the CLI prints it), otherwise it rejects the parse (the magic shows it).
   */
  readonly act: <A extends unknown[]>(fn: (...args: A) => Promise<void>) => (...args: A) => Promise<void>;
  /** Hands back a verb's value, printing `text` too where the front door prints values. */
  readonly show: (value: unknown, text: string) => void;
  /**
   * The action of a verb whose one argument is a queue's name: `fn` gets that queue, opened where
   * the options' `--dir` and `--db` say and closed afterwards, and the options (errors as {@link act}).
   */
  readonly onQueue: <O extends LocationOptions>(fn: (q: Queue, o: O) => Promise<void>) => (name: string, o: O) => Promise<void>;
}

/** The {@link VerbDoor} of a front door. */
export function verbDoor(io: QueueFrontDoor): VerbDoor {
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      try {
        await fn(...args);
      } catch (e) {
        if (io.fail && e instanceof UserError) io.fail(e);
        else throw e;
      }
    };
  return {
    io,
    act,
    show: (value, text) => {
      if (io.printsValues) io.print(text);
      io.result(value);
    },
    onQueue: <O extends LocationOptions>(fn: (q: Queue, o: O) => Promise<void>) =>
      act((name: string, o: O) => withQueue(name, o, (q) => fn(q, o))),
  };
}

/** Opens queue `name` (in the folder and database `where` names) for the length of `fn`, closing it however `fn` ends. */
export async function withQueue<T>(name: string, where: LocationOptions, fn: (q: Queue) => Promise<T>): Promise<T> {
  const q = await connect(name, { dir: where.dir, db: where.db });
  try {
    return await fn(q);
  } finally {
    q.close();
  }
}

/**
 * One verb (or a few closely related ones): adds its subcommand(s) to the `queue` command. Verbs
 * are added with `queue.command(...)` so that they inherit the front door's commander settings
 * (the magic's exit override and output redirection).
 */
export type QueueVerb = (queue: Command, door: VerbDoor) => void;
