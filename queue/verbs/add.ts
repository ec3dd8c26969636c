/** `queue add NAME -- COMMAND...` or `queue add NAME --params JSON [--script T]`: one task. */
import { Option } from "commander";
import type { TaskInput } from "../types.js";
import { withQueue, type QueueVerb } from "../front-door.js";
import { UserError } from "../../util/user-error.js";
import { dirOption, integer, parseParams, parseRequires } from "./arguments.js";

/** Adds `add`. */
export const addVerb: QueueVerb = (queue, { act, show }) => {
  queue
    .command("add")
    .description("add one task: a command (after --), or --params expanded into --script")
    .argument("<queue>", "queue name")
    .argument("[command...]", "the command line (put it after -- when it has options)")
    .addOption(new Option("--priority <p>", "higher runs first").default(0).argParser(integer("--priority", Number.MIN_SAFE_INTEGER)))
    .option("--requires <ids>", "ids or keys of tasks that must succeed first, comma separated")
    .option("--key <key>", "a name other tasks can require this one by")
    .option("--script <template>", 'command template filled from --params, e.g. "fit {model} --steps {steps}"')
    .option("--params <json>", "the task's parameters, a JSON object")
    .addOption(dirOption())
    .action(
      act(async (name: string, words: string[], o: { priority: number; requires?: string; key?: string; script?: string; params?: string; dir?: string }) => {
        const task: TaskInput = { priority: o.priority };
        if (words.length > 0) task.command = words.join(" ");
        if (o.params !== undefined) task.params = parseParams(o.params);
        if (o.requires !== undefined) task.requires = parseRequires(o.requires);
        if (o.key !== undefined) task.key = o.key;
        if (task.command === undefined && task.params === undefined) throw new UserError("add needs a command (after --) or --params.");
        await withQueue(name, o.dir, async (q) => {
          const added = await q.add(task, { script: o.script });
          show(added, `Added task ${added.id} (${added.state}).`);
        });
      }),
    );
};
