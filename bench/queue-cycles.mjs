#!/usr/bin/env node
// Claim-run-complete cycles per second across two worker processes sharing one queue file.
// Trivial tasks: (a) a TypeScript function that does nothing (q.work(fn)), measuring the queue
// itself; (b) the shell command `true` through `hpcfit queue work`, which adds a process spawn and
// a log file per task. Target: >= 2,000 cycles/s across two workers. The anchor, qdo, states
// ~1,000 tasks/s as its need; it is not installable here, so it is cited, not re-measured.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT, machine, queue, scratch } from "./queue-common.mjs";

if (process.argv[2] === "--worker") {
  // A worker process for (a).
  const [, , , dir, name] = process.argv;
  const q = await queue.connect(name, { dir });
  const s = await q.work(() => undefined, { pollSeconds: 0.01, leaseSeconds: 60 });
  q.close();
  process.stdout.write(JSON.stringify(s));
  process.exit(0);
}

const dir = scratch("cycles");
const run = (args) =>
  new Promise((resolve, reject) => {
    const c = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    c.stdout.on("data", (d) => (out += d));
    c.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(" ")} exited ${code}`))));
  });

async function measure(name, tasks, workerArgs) {
  const q = await queue.create(name, { dir });
  await q.addMany(tasks);
  const t0 = performance.now();
  await Promise.all([run(workerArgs), run(workerArgs)]);
  const wall = (performance.now() - t0) / 1000;
  const all = await q.tasks();
  const first = Math.min(...all.map((t) => t.startedAt));
  const last = Math.max(...all.map((t) => t.finishedAt));
  const workers = new Set(all.map((t) => t.worker)).size;
  const ok = all.every((t) => t.state === "SUCCEEDED" && t.attempts === 1);
  q.close();
  const active = (last - first) / 1000;
  return { n: all.length, wall, active, workers, ok, rate: all.length / active };
}

const M = Number(process.argv[2] ?? 40_000);
const a = await measure(
  "fn",
  Array.from({ length: M }, (_, i) => ({ params: { i } })),
  [new URL(import.meta.url).pathname, "--worker", dir, "fn"],
);
console.log(
  `(a) function tasks, 2 worker processes: ${a.n} cycles in ${a.active.toFixed(2)} s from first claim to last completion = ${Math.round(a.rate)} cycles/s ` +
    `(target >= 2000: ${a.rate >= 2000 ? "met" : "MISSED"}); wall time with process start-up ${a.wall.toFixed(2)} s; workers used ${a.workers}; each task exactly once: ${a.ok}`,
);
const C = Number(process.argv[3] ?? 3_000);
const cli = join(ROOT, "dist", "cli", "main.js");
const b = await measure(
  "sh",
  Array.from({ length: C }, () => ({ command: "true" })),
  [cli, "queue", "work", "sh", "--dir", dir, "--poll", "0.01"],
);
console.log(
  `(b) shell command \`true\`, 2 \`hpcfit queue work\` processes: ${b.n} cycles in ${b.active.toFixed(2)} s = ${Math.round(b.rate)} cycles/s ` +
    `(target >= 2000: ${b.rate >= 2000 ? "met" : "MISSED"}); workers used ${b.workers}; each task exactly once: ${b.ok}`,
);
console.log(`machine: ${machine()}`);
