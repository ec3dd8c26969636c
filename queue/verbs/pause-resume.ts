/** `queue pause NAME` and `queue resume NAME`: stop and restart handing out tasks. */
import type { QueueVerb } from "../front-door.js";
import { dbOption, dirOption } from "./arguments.js";

/** Adds `pause` and `resume`. */
export const pauseResumeVerbs: QueueVerb = (queue, { io, onQueue }) => {
  for (const [verb, what] of [
    ["pause", "stop handing out tasks (running ones finish)"],
    ["resume", "hand out tasks again"],
  ] as const) {
    queue
      .command(verb)
      .description(what)
      .argument("<queue>", "queue name")
      .addOption(dirOption())
      .addOption(dbOption())
      .action(
        onQueue(async (q) => {
          await (verb === "pause" ? q.pause() : q.resume());
          io.print(`Queue ${q.name} ${verb === "pause" ? "paused" : "resumed"}.`);
        }),
      );
  }
};
