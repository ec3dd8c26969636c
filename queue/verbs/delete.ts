/** `queue delete NAME`: the queue, its tasks and logs. */
import { remove } from "../queue.js";
import type { QueueVerb } from "../front-door.js";
import { dirOption } from "./arguments.js";

/** Adds `delete`. */
export const deleteVerb: QueueVerb = (queue, { io, act }) => {
  queue
    .command("delete")
    .description("delete a queue, its tasks and logs")
    .argument("<queue>", "queue name")
    .option("--force", "even while tasks are running")
    .addOption(dirOption())
    .action(
      act(async (name: string, o: { force?: boolean; dir?: string }) => {
        await remove(name, { dir: o.dir, force: o.force });
        io.print(`Deleted queue ${name}.`);
      }),
    );
};
