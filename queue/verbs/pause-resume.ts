/** `queue pause NAME` and `queue resume NAME`: stop and restart handing out tasks. */
import { withQueue, type QueueVerb } from "../front-door.js";
import { dbOption, dirOption } from "./arguments.js";

/** Adds `pause` and `resume`. */
export const pauseResumeVerbs: QueueVerb = (queue, { io, act }) => {
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
        act(async (name: string, o: { dir?: string; db?: string }) => {
          await withQueue(name, o, async (q) => {
            await (verb === "pause" ? q.pause() : q.resume());
            io.print(`Queue ${name} ${verb === "pause" ? "paused" : "resumed"}.`);
          });
        }),
      );
  }
};
