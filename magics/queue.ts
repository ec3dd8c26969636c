/**
 * `%queue VERB ...`: the task queue in a notebook, with the CLI's verbs and options (the same
 * commander definitions, queue/verbs/). Values come back to the cell (`const s = %queue status
 * sweep --once`); `%queue status NAME` follows a running queue in place.
 */
import { CommanderError } from "commander";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { DISPLAY } from "../schema/display.js";
import { shellWords } from "../jobs/shell-words.js";
import { type Magic, type MagicContext } from "../kernel/magics/types.js";
import { buildQueueCommand } from "../queue/commands.js";
import type { QueueFrontDoor } from "../queue/front-door.js";
import { UserError } from "../util/user-error.js";

const USAGE = `%queue create NAME [--max-attempts N] [--no-retry-on-failure]
%queue list
%queue status NAME [--once] [--interval S]       (follows while workers run)
%queue add NAME [--priority P] [--requires IDS] [--key K] -- PROGRAM ARG...   (run without a shell)
%queue add NAME -- 'SHELL COMMAND LINE'          (one string: run with /bin/sh -c)
%queue add NAME --script "fit {model}" --params '{"model": "m1"}'
%queue load NAME FILE [--script TEMPLATE] [--priority P]
%queue tasks NAME [--state FAILED] [--limit N]
%queue retry NAME [IDS...] | rerun NAME [--force] | recover NAME
%queue pause NAME | resume NAME | delete NAME [--force]
%queue launch NAME N [--cores-per-worker C] [--walltime T] [sbatch options]
%queue work NAME [--workers N] [--lease S]
Every verb takes --dir FOLDER (default $HPCFIT_DATA_DIR/queues or ~/.local/share/hpcfit/queues) and
--db postgres://user@host/database to keep the queue in PostgreSQL, for workers on many nodes
(default $HPCFIT_QUEUE_DB, else SQLite in the queue's folder).`;

async function runQueueMagic(args: string, context: MagicContext): Promise<unknown> {
  let argv: string[];
  try {
    argv = shellWords(args);
  } catch (e) {
    throw new UserError(`%queue: ${(e as Error).message}`);
  }
  if (argv.length === 0) {
    context.output.stream("stdout", `${USAGE}\n`);
    return undefined;
  }
  let value: unknown;
  const io: QueueFrontDoor = {
    print: (text) => context.output.stream("stdout", text.endsWith("\n") ? text : `${text}\n`),
    result: (v) => {
      value = v;
    },
    printsValues: false,
    followsByDefault: true,
    signal: context.signal,
    live: (first) => {
      const displayId = `hpcfit-queue-${randomUUID()}`;
      context.output.display(first[DISPLAY](), { displayId });
      return (status) => context.output.display(status[DISPLAY](), { displayId, update: true });
    },
    readText: async (path) => {
      if (path === "-") throw new UserError("%queue load reads a file; there is no standard input in a notebook.");
      try {
        return await readFile(resolve(path), "utf8");
      } catch (e) {
        throw new UserError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
      }
    },
  };
  const errors: string[] = [];
  const command = buildQueueCommand(io, (c) =>
    c.exitOverride().configureOutput({
      writeOut: (text) => context.output.stream("stdout", text),
      writeErr: (text) => errors.push(text),
    }),
  );
  try {
    await command.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.help" || e.code === "commander.version") return undefined;
      const message =
        errors
          .join("")
          .replace(/^error: /, "")
          .trim() || e.message;
      throw new UserError(`%queue: ${message}\n\n${USAGE}`);
    }
    if (e instanceof UserError) throw new UserError(e.message);
    throw e;
  }
  return value;
}

/** The `%queue` line magic. */
export const queueMagic: Magic = {
  name: "queue",
  kind: "line",
  summary: "task queue: create, add, load, status (live), tasks, retry, launch workers, ...",
  usage: USAGE,
  run: (args, context) => runQueueMagic(args, context),
};
