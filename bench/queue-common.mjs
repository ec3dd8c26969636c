// Shared by the queue benchmarks: the built library, a scratch folder, and the machine's description.
import { cpus, loadavg, totalmem } from "node:os";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { root as ROOT } from "./common.mjs";

export { root as ROOT, scratch } from "./common.mjs";
const built = join(ROOT, "dist", "queue", "index.js");
if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first`);

/** The queue library as built into dist/. */
export const queue = await import(built);

/** The 1-minute load average when the module was loaded, that is when the benchmark started. */
const loadAtStart = loadavg()[0];

/** One line describing this machine, with its load at the benchmark's start and now (it is shared). */
export function machine() {
  const c = cpus();
  return (
    `${c.length} x ${c[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}; ` +
    `1-min load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end, on ${c.length} cores`
  );
}

/** Megabytes, one decimal. */
export const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
