/** A list of tasks that shows itself as a table (plain text for the CLI, HTML in a notebook). */
import { DISPLAY, type Displayable, type MimeBundle } from "../schema/display.js";
import type { Task } from "./types.js";
import { escapeHtml } from "../util/html.js";

const COLUMNS = ["id", "state", "priority", "attempts", "exit", "worker", "requires", "task"] as const;

function cells(t: Task): string[] {
  const what = t.command ?? (t.params === null ? "" : JSON.stringify(t.params));
  return [
    String(t.id) + (t.key ? ` (${t.key})` : ""),
    t.state,
    String(t.priority),
    String(t.attempts),
    t.exitCode === null ? "" : String(t.exitCode),
    t.worker ?? "",
    t.requires.join(","),
    what.length > 80 ? `${what.slice(0, 77)}...` : what,
  ];
}


/** Formats tasks as an aligned text table (with each failure's reason on the line below). */
export function formatTaskTable(tasks: readonly Task[]): string {
  if (tasks.length === 0) return "(no tasks)";
  const rows = tasks.map(cells);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const out = [line(COLUMNS)];
  tasks.forEach((t, i) => {
    out.push(line(rows[i]!));
    if (t.state === "FAILED" && t.error) out.push(`    ${t.error}`);
  });
  return out.join("\n");
}

/** Tasks as returned by `%queue tasks`: an array that displays itself as a table. */
export class TaskTable extends Array<Task> implements Displayable {
  [DISPLAY](): MimeBundle {
    const head = COLUMNS.map((c) => `<th>${c}</th>`).join("");
    const body = Array.from(this, (t) => `<tr>${cells(t).map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("");
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
