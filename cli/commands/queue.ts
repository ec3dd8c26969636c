/**
 * `hpcfit queue ...`: the task queue on the command line. The verbs are defined once in
 * queue/verbs/ (the `%queue` magic uses the same definition); this file only says
 * where their output goes and turns queue errors into a message and exit status 1.
 */
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { buildQueueCommand } from "../../queue/commands.js";
import type { QueueFrontDoor } from "../../queue/front-door.js";
import type { QueueStatus } from "../../queue/status.js";
import { UserError } from "../../util/user-error.js";

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on("data", (c: Buffer) => chunks.push(c));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}

/** Adds `queue` and its subcommands to the `hpcfit` program. */
export function registerQueueCommand(program: Command): void {
  // SIGTERM (Slurm's wall time, scancel) and Ctrl-C stop workers cleanly: running tasks are
  // given back to the queue at once instead of waiting for their leases to expire.
  const stop = new AbortController();
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(signal === "SIGINT" ? 130 : 143);
    stopping = true;
    stop.abort();
  };
  const io: QueueFrontDoor = {
    print: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    result: () => undefined,
    printsValues: true,
    followsByDefault: false,
    signal: stop.signal,
    fail: (error) => {
      process.stderr.write(`hpcfit queue: ${error.message}\n`);
      process.exitCode = 1;
    },
    live: process.stdout.isTTY
      ? (first: QueueStatus) => {
          process.stdout.write(first.toString() + "\n");
          return (s: QueueStatus) => process.stdout.write(`\x1b[2A\x1b[J${s.toString()}\n`);
        }
      : undefined,
    readText: async (path) => {
      if (path === "-") return readStdin();
      try {
        return readFileSync(path, "utf8");
      } catch (e) {
        throw new UserError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
      }
    },
  };
  const queue = buildQueueCommand(io);
  queue.hook("preAction", () => {
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  program.addCommand(queue);
}
