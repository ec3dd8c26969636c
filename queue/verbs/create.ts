/** `queue create NAME`: a new, empty queue. */
import { Option } from "commander";
import { create } from "../queue.js";
import type { QueueVerb } from "../front-door.js";
import { dbOption, dirOption, integer } from "./arguments.js";

/** Adds `create`. */
export const createVerb: QueueVerb = (queue, { io, act }) => {
  queue
    .command("create")
    .description("create a queue")
    .argument("<queue>", "queue name")
    .addOption(
      new Option("--max-attempts <n>", "attempts a task gets: a failed attempt or a lost worker spends one")
        .default(3)
        .argParser(integer("--max-attempts", 1)),
    )
    .option("--no-retry-on-failure", "a task that fails (non-zero exit) fails at once; only a lost worker's task runs again")
    .addOption(dirOption())
    .addOption(dbOption())
    .action(
      act(async (name: string, o: { maxAttempts: number; retryOnFailure: boolean; dir?: string; db?: string }) => {
        const q = await create(name, { dir: o.dir, db: o.db, maxAttempts: o.maxAttempts, retryOnFailure: o.retryOnFailure });
        const retries = o.retryOnFailure ? "failed tasks run again" : "failed tasks are not retried; lost workers' tasks are";
        io.print(
          `Created queue ${name} in ${q.databaseUrl === null ? q.directory : `${q.database} (logs in ${q.directory})`} (at most ${o.maxAttempts} attempt(s) per task; ${retries}).`,
        );
        q.close();
      }),
    );
};
