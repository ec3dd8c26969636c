/** `queue list`: every queue in the folder with its task counts. */
import { list } from "../queue.js";
import { TASK_STATES } from "../types.js";
import type { QueueVerb } from "../front-door.js";
import { dbOption, dirOption } from "./arguments.js";

/** Adds `list`. */
export const listVerb: QueueVerb = (queue, { act, show }) => {
  queue
    .command("list")
    .description("list the queues with their task counts")
    .addOption(dirOption())
    .addOption(dbOption())
    .action(
      act(async (o: { dir?: string; db?: string }) => {
        const queues = await list({ dir: o.dir, db: o.db });
        const text = queues.length
          ? queues
              .map(
                (q) =>
                  `${q.name.padEnd(20)} ${q.state.padEnd(7)} ${q.total} tasks: ${TASK_STATES.map((s) => `${s} ${q.counts[s]}`).join(", ")}`,
              )
              .join("\n")
          : "(no queues)";
        show(queues, text);
      }),
    );
};
