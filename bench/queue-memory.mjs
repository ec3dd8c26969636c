#!/usr/bin/env node
// Memory of a queue of 1,000,000 tasks: the database on disk, the peak memory of the process that
// added them (q.addMany holds the million task objects), and the memory of a separate process that
// opens the queue, reads its status and claims and completes a task (what every worker pays).
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { machine, mb, queue, scratch } from "./queue-common.mjs";

if (process.argv[2] === "--open") {
  const [, , , dir] = process.argv;
  const before = process.memoryUsage().rss;
  const q = await queue.connect("mem", { dir });
  const t0 = performance.now();
  const s = await q.status();
  const statusMs = performance.now() - t0;
  await q.work(() => undefined, { maxTasks: 1 });
  q.close();
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ before, peak, total: s.total, statusMs }));
  process.exit(0);
}

const N = Number(process.argv[2] ?? 1_000_000);
const dir = scratch("memory");
const q = await queue.create("mem", { dir });
const tasks = new Array(N);
for (let i = 0; i < N; i++) tasks[i] = { command: `fit model-${i % 97}.ts --steps 5000 --seed ${i}`, priority: i % 3 };
await q.addMany(tasks);
q.close();
const adderPeak = process.resourceUsage().maxRSS * 1024;
const db = join(dir, "mem", "queue.db");
const wal = `${db}-wal`;
const size =
  statSync(db).size +
  (() => {
    try {
      return statSync(wal).size;
    } catch {
      return 0;
    }
  })();
const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, "--open", dir], { encoding: "utf8" });
if (r.status !== 0) throw new Error(r.stderr);
const o = JSON.parse(r.stdout);
console.log(`queue of ${N} tasks: database ${mb(size)} MiB on disk (${(size / N).toFixed(0)} bytes/task)`);
console.log(`process that built the million task objects and added them: peak RSS ${mb(adderPeak)} MiB`);
console.log(
  `separate process opening the queue, status() (${o.statusMs.toFixed(0)} ms for ${o.total} tasks), one claim/complete: peak RSS ${mb(o.peak)} MiB (Node alone at start: ${mb(o.before)} MiB)`,
);
console.log(`machine: ${machine()}`);
