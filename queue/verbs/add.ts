/**
 * `queue add NAME -- PROGRAM ARG...`, `queue add NAME -- "SHELL COMMAND"` or `queue add NAME --params
 * JSON [--script T]`: one task. Several words after the queue are an argument vector, run without
 * a shell exactly as given; a single word is a shell command line. The reply says which.
 */
import { Option } from "commander";
import type { TaskInput } from "../types.js";
import { oneLine, taskCommandText } from "../task-table.js";
import { withQueue, type QueueVerb } from "../front-door.js";
import { UserError } from "../../util/user-error.js";
import { dbOption, dirOption, integer, parseParams, parseRequires } from "./arguments.js";

/** Adds `add`. */
export const addVerb: QueueVerb = (queue, { act, show }) => {
  queue
    .command("add")
    .description("add one task: a command (after --), or --params expanded into --script")
    .argument("<queue>", "queue name")
    .argument(
      "[command...]",
      "several words: a program and its arguments, run without a shell; one word: a shell command line (put either after --)",
    )
    .addOption(
      new Option("--priority <p>", "higher runs first").default(0).argParser(integer("--priority", Number.MIN_SAFE_INTEGER)),
    )
    .option("--requires <ids>", "ids or keys of tasks that must succeed first, comma separated")
    .option("--key <key>", "a name other tasks can require this one by")
    .option("--script <template>", 'command template filled from --params, e.g. "fit {model} --steps {steps}"')
    .option("--params <json>", "the task's parameters, a JSON object")
    .addOption(dirOption())
    .addOption(dbOption())
    .action(
      act(
        async (
          name: string,
          words: string[],
          o: { priority: number; requires?: string; key?: string; script?: string; params?: string; dir?: string; db?: string },
        ) => {
          const task: TaskInput = { priority: o.priority };
          if (words.length > 1) task.argv = words;
          else if (words.length === 1) task.command = words[0]!;
          if (o.params !== undefined) task.params = parseParams(o.params);
          if (o.requires !== undefined) task.requires = parseRequires(o.requires);
          if (o.key !== undefined) task.key = o.key;
          if (task.command === undefined && task.argv === undefined && task.params === undefined)
            throw new UserError("add needs a command (after --) or --params.");
          await withQueue(name, o, async (q) => {
            const added = await q.add(task, { script: o.script });
            const { kind, text } = taskCommandText(added);
            const how =
              kind === "argv"
                ? ", an argument vector run without a shell"
                : kind === "shell"
                  ? ", one string: a shell command run with /bin/sh -c"
                  : "";
            show(
              added,
              kind === "params"
                ? `Added task ${added.id} (${added.state}).`
                : `Added task ${added.id} (${added.state})${how}: ${oneLine(text)}`,
            );
          });
        },
      ),
    );
};
