/**
 * The "Run as Job…" form's defaults, remembered per notebook: the last order submitted for it
 * (without its run name, which must be new each time), in the user's private data directory.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkNotebookJobOrder, type NotebookJobOrder } from "../schema/notebook-jobs.js";
import { ensurePrivateDir, userDataDir, writePrivateFile } from "../util/paths.js";

function defaultsFile(): string {
  return join(userDataDir(), "notebook-job-defaults.json");
}

function readAll(): Record<string, NotebookJobOrder> {
  try {
    const parsed = JSON.parse(readFileSync(defaultsFile(), "utf8")) as unknown;
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, NotebookJobOrder>)
      : {};
  } catch {
    return {};
  }
}

/** The last order submitted for `notebook` (absolute path), or null. */
export function rememberedOrder(notebook: string): NotebookJobOrder | null {
  const order = readAll()[notebook];
  // A file edited by hand, or by an older version, must not break the form.
  return order !== undefined && checkNotebookJobOrder(order) === null ? order : null;
}

/** Remembers `order` as the defaults of its notebook. */
export function rememberOrder(order: NotebookJobOrder): void {
  const all = readAll();
  all[order.notebook] = { ...order, name: "" };
  ensurePrivateDir(userDataDir());
  writePrivateFile(defaultsFile(), JSON.stringify(all, null, 1));
}
