/**
 * Turning what users give (task objects, lines of a file) into validated rows: templates
 * expanded, priorities checked, requirements resolved to ids or to other tasks of the same batch,
 * and cycles refused, all before anything is written.
 */
import { expandTemplate, templateFields } from "./template.js";
import type { AddOptions, NewTaskRow, QueueStorage, TaskInput, TaskParams } from "./types.js";
import { UserError } from "../util/user-error.js";

const KEY = /^[A-Za-z_][A-Za-z0-9._:-]{0,199}$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Where a task came from, for error messages ("task 3", "line 12"). */
type Label = (index: number) => string;

/**
 * Validates a batch and resolves its requirements. Throws a {@link UserError} naming the first
 * bad task; nothing is written by this function.
 */
export async function prepareBatch(
  storage: QueueStorage,
  inputs: TaskInput[],
  options: AddOptions = {},
  label: Label = (i) => `task ${i + 1} of the batch`,
): Promise<NewTaskRow[]> {
  if (options.script !== undefined) {
    if (options.script.trim() === "") throw new UserError("The --script template is empty.");
    templateFields(options.script);
  }
  const defaultPriority = options.priority ?? 0;
  checkPriority(defaultPriority, "the default priority");
  const batchKeys = new Map<string, number>();
  inputs.forEach((t, i) => {
    if (!isPlainObject(t)) throw new UserError(`${label(i)}: a task must be an object, got ${JSON.stringify(t)}.`);
    if (t.key !== undefined) {
      if (typeof t.key !== "string" || !KEY.test(t.key)) {
        throw new UserError(
          `${label(i)}: key ${JSON.stringify(t.key)} must start with a letter or '_' and hold letters, digits, '.', '_', ':' or '-'.`,
        );
      }
      if (batchKeys.has(t.key))
        throw new UserError(`${label(i)}: key ${t.key} is used twice in this batch (also by ${label(batchKeys.get(t.key)!)}).`);
      batchKeys.set(t.key, i);
    }
  });

  // Keys used in `requires` that are not in this batch must already exist in the queue.
  const outsideKeys = new Set<string>();
  const numericIds = new Set<number>();
  inputs.forEach((t, i) => {
    if (t.requires === undefined) return;
    if (!Array.isArray(t.requires)) throw new UserError(`${label(i)}: requires must be a list of task ids or keys.`);
    for (const r of t.requires) {
      if (typeof r === "number") {
        if (!Number.isSafeInteger(r) || r < 1) throw new UserError(`${label(i)}: ${r} is not a task id.`);
        numericIds.add(r);
      } else if (typeof r === "string") {
        if (!batchKeys.has(r)) outsideKeys.add(r);
      } else {
        throw new UserError(`${label(i)}: requires holds ${JSON.stringify(r)}, which is neither a task id nor a key.`);
      }
    }
  });
  const keyIds = await storage.idsForKeys([...outsideKeys]);
  const existing = await storage.existingIds([...numericIds]);

  const rows: NewTaskRow[] = inputs.map((t, i) => {
    let command: string | null = null;
    if (t.command !== undefined) {
      if (typeof t.command !== "string" || t.command.trim() === "")
        throw new UserError(`${label(i)}: command must be a non-empty string.`);
      if (t.command.includes("\0"))
        throw new UserError(`${label(i)}: command holds a NUL character, which no program can receive.`);
      command = t.command;
    }
    const argv = t.argv === undefined ? null : checkArgv(t.argv, label(i));
    if (command !== null && argv !== null) {
      throw new UserError(
        `${label(i)}: has both a shell command and an argument vector; give one (command: a line for /bin/sh -c; argv: words run without a shell).`,
      );
    }
    let params: TaskParams | null = null;
    if (t.params !== undefined) {
      if (!isPlainObject(t.params)) throw new UserError(`${label(i)}: params must be a JSON object.`);
      params = t.params;
    }
    if (options.script !== undefined) {
      if (command !== null || argv !== null)
        throw new UserError(`${label(i)}: has its own command and a --script template was given; use one or the other.`);
      if (params === null) throw new UserError(`${label(i)}: a --script template needs parameters, and this task has none.`);
      try {
        command = expandTemplate(options.script, params);
      } catch (e) {
        throw new UserError(`${label(i)}: ${(e as Error).message}`);
      }
    }
    if (command === null && argv === null && params === null)
      throw new UserError(`${label(i)}: a task needs a command, an argument vector or parameters.`);
    const priority = t.priority ?? defaultPriority;
    checkPriority(priority, label(i));
    const requiresIds: number[] = [];
    const requiresBatch: number[] = [];
    for (const r of t.requires ?? []) {
      if (typeof r === "number") {
        if (!existing.has(r)) throw new UserError(`${label(i)} requires task ${r}, which does not exist.`);
        if (!requiresIds.includes(r)) requiresIds.push(r);
      } else if (batchKeys.has(r)) {
        const b = batchKeys.get(r)!;
        if (b === i) throw new UserError(`${label(i)} requires itself (${r}).`);
        if (!requiresBatch.includes(b)) requiresBatch.push(b);
      } else {
        const id = keyIds.get(r);
        if (id === undefined) throw new UserError(`${label(i)} requires task ${JSON.stringify(r)}, which does not exist.`);
        if (!requiresIds.includes(id)) requiresIds.push(id);
      }
    }
    return {
      key: t.key ?? null,
      command,
      argv,
      params: params === null ? null : JSON.stringify(params),
      priority,
      requiresIds,
      requiresBatch,
    };
  });
  const cycle = findCycle(rows);
  if (cycle) {
    const names = cycle.map((i) => rows[i].key ?? label(i));
    throw new UserError(`Dependency cycle: ${[...names, names[0]].join(" -> ")}; nothing was added.`);
  }
  return rows;
}

/** An argument vector as given: a non-empty list of strings, the first naming a program. */
function checkArgv(argv: unknown, where: string): string[] {
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((w) => typeof w === "string")) {
    throw new UserError(
      `${where}: argv must be a non-empty list of strings (the program, then its arguments), got ${JSON.stringify(argv)}.`,
    );
  }
  if (argv[0] === "") throw new UserError(`${where}: argv's first word (the program) is empty.`);
  if (argv.some((w: string) => w.includes("\0")))
    throw new UserError(`${where}: argv holds a NUL character, which no program can receive.`);
  return [...argv];
}

function checkPriority(p: unknown, where: string): void {
  if (typeof p !== "number" || !Number.isSafeInteger(p))
    throw new UserError(`${where}: priority must be an integer, got ${JSON.stringify(p)}.`);
}

/**
 * A cycle among the batch's own requirements, as batch indexes, or null. Only batch-internal edges
 * can close a cycle: existing tasks never require new ones.
 */
export function findCycle(rows: NewTaskRow[]): number[] | null {
  const color = new Uint8Array(rows.length); // 0 new, 1 on the stack, 2 done
  for (let start = 0; start < rows.length; start++) {
    if (color[start] || rows[start].requiresBatch.length === 0) continue;
    const stack: Array<[number, number]> = [[start, 0]];
    color[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const reqs = rows[top[0]].requiresBatch;
      if (top[1] < reqs.length) {
        const next = reqs[top[1]++];
        if (color[next] === 1) {
          const path = stack.map((s) => s[0]);
          return path.slice(path.indexOf(next));
        }
        if (color[next] === 0) {
          color[next] = 1;
          stack.push([next, 0]);
        }
      } else {
        color[top[0]] = 2;
        stack.pop();
      }
    }
  }
  return null;
}

/** Fields of a JSON line that describe the task itself rather than its parameters. */
const TASK_FIELDS = new Set(["command", "argv", "params", "priority", "requires", "key"]);

/**
 * Parses the lines of a task file. A line is a shell command, or a JSON object: with a `command`,
 * `argv` or `params` field it describes the task (`command` a shell command line, `argv` a list of
 * words run without a shell, `params`, `priority`, `requires`, `key`), otherwise the whole object
 * is the task's parameters. Blank lines and `#` comments are skipped.
 * Returns the tasks and, for error messages, the line number of each.
 */
export function parseTaskLines(text: string, source = "input"): { tasks: TaskInput[]; lines: number[] } {
  const tasks: TaskInput[] = [];
  const lines: number[] = [];
  const all = text.split(/\r?\n/);
  for (let n = 0; n < all.length; n++) {
    const line = all[n].trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("{")) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        throw new UserError(`${source}, line ${n + 1}: malformed JSON (${(e as Error).message}); nothing was added.`);
      }
      if (!isPlainObject(value)) throw new UserError(`${source}, line ${n + 1}: expected a JSON object; nothing was added.`);
      if ("command" in value || "argv" in value || "params" in value) {
        const unknown = Object.keys(value).filter((k) => !TASK_FIELDS.has(k));
        if (unknown.length > 0) {
          throw new UserError(
            `${source}, line ${n + 1}: unknown task field ${unknown.join(", ")} (a task line may have ${[...TASK_FIELDS].join(", ")}); nothing was added.`,
          );
        }
        tasks.push(value);
      } else {
        tasks.push({ params: value as TaskParams });
      }
    } else {
      tasks.push({ command: line });
    }
    lines.push(n + 1);
  }
  return { tasks, lines };
}
