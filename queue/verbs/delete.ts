/** `queue delete NAME`: the queue, its tasks and logs. */
import { remove } from "../queue.js";
import type { QueueVerb } from "../front-door.js";
import { dbOption, dirOption } from "./arguments.js";

/** Adds `delete`. */
export const deleteVerb: QueueVerb = (queue, { io, act }) => {
  queue
    .command("delete")
    .description("delete a queue, its tasks and logs")
    .argument("<queue>", "queue name")
    .option("--force", "even while tasks are running")
    .addOption(dirOption())
    .addOption(dbOption())
    .action(
      act(async (name: string, o: { force?: boolean; dir?: string; db?: string }) => {
        await remove(name, { dir: o.dir, db: o.db, force: o.force });
        io.print(`Deleted queue ${name}.`);
      }),
    );
};
