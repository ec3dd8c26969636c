// Shared by the queue benchmarks: the built library, a scratch folder, and the machine's description.
import { cpus, totalmem, tmpdir } from "node:os";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
const built = join(ROOT, "dist", "magics", "queue", "index.js");
if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first`);

/** The queue library as built into dist/. */
export const queue = await import(built);

/** A scratch folder for queues, removed on exit. */
export function scratch(name) {
  const dir = mkdtempSync(join(tmpdir(), `hpcfit-bench-${name}-`));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** One line describing this machine. */
export function machine() {
  const c = cpus();
  return `${c.length} x ${c[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

/** Megabytes, one decimal. */
export const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
