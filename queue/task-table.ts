/**
 * A list of tasks that shows itself as a table (plain text for the CLI, HTML in a notebook),
 * saying of each task how it runs (an argument vector, a shell command, parameters for a
 * function), the exit code of each of its attempts, and where its last attempt ran (node, batch
 * job and worker).
 */
import { DISPLAY, type Displayable, type MimeBundle } from "../schema/display.js";
import type { Task } from "./types.js";
import { escapeHtml } from "../util/html.js";
import { shellQuote } from "../util/shell.js";

const COLUMNS = ["id", "state", "priority", "attempts", "exits", "node", "job", "worker", "requires", "kind", "task"] as const;

/** How a task runs: `argv` without a shell, `shell` with `/bin/sh -c`, `params` handed to a function. */
export type TaskKind = "argv" | "shell" | "params";

/**
 * What a task runs, as one line of text: an argument vector as shell-quoted words (pasted into a
 * shell, they run the same program with the same arguments), a shell command as written,
 * parameters as JSON.
 */
export function taskCommandText(t: Pick<Task, "command" | "argv" | "params">): { kind: TaskKind; text: string } {
  if (t.argv !== null) return { kind: "argv", text: t.argv.map(shellQuote).join(" ") };
  if (t.command !== null) return { kind: "shell", text: t.command };
  return { kind: "params", text: t.params === null ? "" : JSON.stringify(t.params) };
}

/** Control characters (a newline in a command) as visible escapes, so that a row or message stays one line. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this makes visible
  return text.replace(/[\x00-\x1f\x7f]/g, (c) =>
    c === "\n" ? "\\n" : c === "\t" ? "\\t" : c === "\r" ? "\\r" : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** Each attempt's exit code, oldest first: `lost` for one whose worker was lost, `running` for one under way. */
export function attemptExits(t: Pick<Task, "history">): string {
  return t.history.map((a) => (a.exitCode !== null ? String(a.exitCode) : a.finishedAt === null ? "running" : "lost")).join(",");
}

function cells(t: Task): string[] {
  const { kind, text } = taskCommandText(t);
  const what = oneLine(text);
  return [
    String(t.id) + (t.key ? ` (${t.key})` : ""),
    t.state,
    String(t.priority),
    String(t.attempts),
    attemptExits(t),
    t.node ?? "",
    t.jobId ?? "",
    t.worker ?? "",
    t.requires.join(","),
    kind,
    what.length > 80 ? `${what.slice(0, 77)}...` : what,
  ];
}

/** Whether a task's error is worth a line: why it failed, or why its last attempt did. */
const showsError = (t: Task): boolean => t.error !== null && (t.state === "FAILED" || t.state === "PENDING");

/** Formats tasks as an aligned text table (with each failure's reason on the line below). */
export function formatTaskTable(tasks: readonly Task[]): string {
  if (tasks.length === 0) return "(no tasks)";
  const rows = tasks.map(cells);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const out = [line(COLUMNS)];
  tasks.forEach((t, i) => {
    out.push(line(rows[i]));
    if (showsError(t)) out.push(`    ${oneLine(t.error!)}`);
  });
  return out.join("\n");
}

/** Tasks as returned by `%queue tasks`: an array that displays itself as a table. */
export class TaskTable extends Array<Task> implements Displayable {
  [DISPLAY](): MimeBundle {
    const head = COLUMNS.map((c) => `<th>${c}</th>`).join("");
    const body = Array.from(this, (t) => {
      const row = `<tr>${cells(t)
        .map((c) => `<td>${escapeHtml(c)}</td>`)
        .join("")}</tr>`;
      return showsError(t) ? `${row}<tr><td></td><td colspan="${COLUMNS.length - 1}">${escapeHtml(t.error!)}</td></tr>` : row;
    }).join("");
    return {
      "text/plain": formatTaskTable(Array.from(this)),
      "text/html": `<table class="hpcfit-queue-tasks"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`,
    };
  }
}

/** Wraps `tasks` (copied) in a {@link TaskTable}. */
export function taskTable(tasks: readonly Task[]): TaskTable {
  const table = new TaskTable();
  for (const t of tasks) table.push(t);
  return table;
}
