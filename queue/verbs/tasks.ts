/** `queue tasks NAME`: the tasks as a table (or JSON lines), optionally of some states only. */
import { Option } from "commander";
import { formatTaskTable, taskTable } from "../task-table.js";
import { TASK_STATES } from "../types.js";
import type { QueueVerb } from "../front-door.js";
import { dbOption, dirOption, integer, parseStates } from "./arguments.js";

/** Adds `tasks`. */
export const tasksVerb: QueueVerb = (queue, { show, onQueue }) => {
  queue
    .command("tasks")
    .description("list tasks")
    .argument("<queue>", "queue name")
    .option("--state <states>", `only these states, comma separated (${TASK_STATES.join(", ")})`)
    .addOption(new Option("--limit <n>", "at most this many").argParser(integer("--limit", 1)))
    .option("--json", "one JSON object per line")
    .addOption(dirOption())
    .addOption(dbOption())
    .action(
      onQueue(async (q, o: { state?: string; limit?: number; json?: boolean; dir?: string; db?: string }) => {
        const tasks = await q.tasks({ state: o.state === undefined ? undefined : parseStates(o.state), limit: o.limit });
        show(taskTable(tasks), o.json ? tasks.map((t) => JSON.stringify(t)).join("\n") : formatTaskTable(tasks));
      }),
    );
};
