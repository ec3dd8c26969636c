// Shared by the Slurm benchmarks: the built jobs layer and magics, the private test cluster
// (test/setup/slurm-cluster.ts, imported through hpcfit's TypeScript hooks), timing helpers and
// the machine's description.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { root as ROOT } from "./common.mjs";

export { root as ROOT, median, scratch } from "./common.mjs";
const dist = (...p) => join(ROOT, "dist", ...p);
for (const f of [dist("jobs", "index.js"), dist("util", "typescript-hooks.js")]) {
  if (!existsSync(f)) throw new Error(`${f} is missing: run npm run build first`);
}

const hooks = await import(dist("util", "typescript-hooks.js"));
hooks.registerTypeScriptHooks();

/** The jobs layer as built into dist/. */
export const jobs = await import(dist("jobs", "index.js"));
/** The magic registry and the Slurm magics. */
export const { MagicRegistry } = await import(dist("kernel", "magics", "registry.js"));
const { KernelCommManager } = await import(dist("kernel", "comms", "comm-manager.js"));
export const { registerSlurmMagics } = await import(dist("magics", "slurm", "index.js"));
const { startSlurmCluster } = await import(join(ROOT, "test", "setup", "slurm-cluster.ts"));

/**
 * Starts a private cluster and points SLURM_CONF at it; returns it (call stop()). One node of two
 * CPUs unless `shape` says otherwise: the shape these benchmarks' recorded results were taken on,
 * and the local backend's two CPUs they are compared with.
 */
export async function cluster(shape = { nodes: 1, cpusPerNode: 2 }) {
  const c = await startSlurmCluster(shape);
  process.env.SLURM_CONF = c.env.SLURM_CONF;
  return c;
}

/** Milliseconds taken by `fn` (awaited). */
export async function time(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** A MagicContext that throws outputs away (the magic's own work is what is timed). */
export function quietContext() {
  return {
    output: { stream() {}, display() {}, clearOutput() {}, input: () => Promise.reject(new Error("no stdin")) },
    comms: new KernelCommManager(
      () => undefined,
      () => undefined,
    ),
    signal: new AbortController().signal,
    getVariable: () => undefined,
    hasVariable: () => false,
    variableNames: () => [],
  };
}

/** One line describing this machine and the Slurm installed. */
export function machine() {
  const c = cpus();
  // The daemon tells its version without reading a configuration (the commands need one).
  const slurm = execFileSync("/usr/sbin/slurmctld", ["-V"], { encoding: "utf8" }).trim();
  return `${c.length} x ${c[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}, ${slurm}`;
}
