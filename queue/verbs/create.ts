/** `queue create NAME`: a new, empty queue. */
import { Option } from "commander";
import { create } from "../queue.js";
import type { QueueVerb } from "../front-door.js";
import { dirOption, integer } from "./arguments.js";

/** Adds `create`. */
export const createVerb: QueueVerb = (queue, { io, act }) => {
  queue
    .command("create")
    .description("create a queue")
    .argument("<queue>", "queue name")
    .addOption(new Option("--max-attempts <n>", "attempts a task gets before a lost lease fails it").default(3).argParser(integer("--max-attempts", 1)))
    .addOption(dirOption())
    .action(
      act(async (name: string, o: { maxAttempts: number; dir?: string }) => {
        const q = await create(name, { dir: o.dir, maxAttempts: o.maxAttempts });
        io.print(`Created queue ${name} in ${q.directory}.`);
        q.close();
      }),
    );
};
