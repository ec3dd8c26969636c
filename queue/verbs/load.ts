/** `queue load NAME FILE`: the tasks of a file (one command or JSON object per line), all or none. */
import { Option } from "commander";
import { withQueue, type QueueVerb } from "../front-door.js";
import { dbOption, dirOption, integer } from "./arguments.js";

/** Adds `load`. */
export const loadVerb: QueueVerb = (queue, { io, act, show }) => {
  queue
    .command("load")
    .description("add the tasks of a file (one command or JSON object per line), all or none")
    .argument("<queue>", "queue name")
    .argument("<file>", "file of tasks ('-' reads standard input)")
    .option("--script <template>", "command template filled from each JSON line")
    .addOption(
      new Option("--priority <p>", "priority of tasks that set none")
        .default(0)
        .argParser(integer("--priority", Number.MIN_SAFE_INTEGER)),
    )
    .addOption(dirOption())
    .addOption(dbOption())
    .action(
      act(async (name: string, file: string, o: { script?: string; priority: number; dir?: string; db?: string }) => {
        await withQueue(name, o, async (q) => {
          const text = await io.readText(file);
          const ids = await q.load(text, { script: o.script, priority: o.priority, source: file === "-" ? "stdin" : file });
          show(ids, ids.length ? `Added ${ids.length} tasks (ids ${ids[0]}-${ids[ids.length - 1]}).` : "Added no tasks.");
        });
      }),
    );
};
