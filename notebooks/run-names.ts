/**
 * Where runs ordered without a name or folder go: the name made from the notebook and the time,
 * and the runs folder beside the notebook (the form's defaults, and where a study looks for its
 * sweeps' summaries).
 */
import { basename, dirname, extname, join, resolve } from "node:path";

/** The run name used when none is given: the notebook's stem and the local date and time. */
export function defaultRunName(notebook: string, now = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${basename(notebook, extname(notebook))}-${stamp}`;
}

/** The folder runs go into when none is given: `runs/` beside the notebook. */
export function defaultOutputParent(notebook: string): string {
  return join(dirname(resolve(notebook)), "runs");
}
