#!/usr/bin/env node
// The task queue kept in PostgreSQL, in one run next to SQLite:
// (1) claim-run-complete cycles per second with 8 worker processes and trivial tasks (a function
//     that does nothing, so the figure is the queue's own cost): PostgreSQL with the 8 workers
//     spread over the 4 nodes of a private Slurm test cluster (srun -N4 -n8; the nodes share this
//     machine, so the network is loopback), SQLite with 8 workers on one node (local processes);
//     each with one task per claim (--batch 1) and with the workers' default batches (auto);
// (2) adding 1,000,000 tasks to a PostgreSQL queue (q.addMany, one transaction; target < 20 s);
// (3) our overhead per task, for comparison with HyperQueue's stated < 0.1 ms (cited, not
//     re-measured: HyperQueue is not installable here).
// The PostgreSQL server is a private one (test/setup/postgres.ts) with durable commits (fsync on),
// as a site's server would run; `HPCFIT_BENCH_POSTGRES_URL` points the benchmark at another.
// Usage: node bench/queue-postgres.mjs [cycle tasks=20000] [added tasks=1000000]
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, machine, queue, scratch } from "./queue-common.mjs";

const WORKERS = 8;

if (process.argv[2] === "--worker") {
  // One worker process: a single loop that claims, runs a no-op and completes until the queue is done.
  const [, , , dir, name, db, batch] = process.argv;
  const q = await queue.connect(name, { dir, db: db === "-" ? undefined : db });
  const s = await q.work(() => undefined, {
    pollSeconds: 0.01,
    leaseSeconds: 60,
    batch: batch === "auto" ? "auto" : Number(batch),
  });
  q.close();
  process.stdout.write(JSON.stringify(s));
  process.exit(0);
}

const hooks = await import(join(ROOT, "dist", "util", "typescript-hooks.js"));
hooks.registerTypeScriptHooks();
const { startPostgres } = await import(join(ROOT, "test", "setup", "postgres.ts"));
const { startSlurmCluster } = await import(join(ROOT, "test", "setup", "slurm-cluster.ts"));

const M = Number(process.argv[2] ?? 20_000);
const N = Number(process.argv[3] ?? 1_000_000);
const dir = scratch("queue-postgres");
const self = new URL(import.meta.url).pathname;

const server = process.env.HPCFIT_BENCH_POSTGRES_URL ? null : await startPostgres({ durable: true });
const db = process.env.HPCFIT_BENCH_POSTGRES_URL ?? server.url;
const cluster = await startSlurmCluster({ nodes: 4, cpusPerNode: 2 });
const run = promisify(execFile);

function local(args) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    c.stdout.on("data", (d) => (out += d));
    c.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(" ")} exited ${code}`))));
  });
}

async function measure(name, location, start) {
  const q = await queue.create(name, { dir, ...location });
  await q.addMany(Array.from({ length: M }, (_, i) => ({ params: { i } })));
  const t0 = performance.now();
  await start();
  const wall = (performance.now() - t0) / 1000;
  const all = await q.tasks();
  const first = Math.min(...all.map((t) => t.startedAt));
  const last = Math.max(...all.map((t) => t.finishedAt));
  const nodes = new Set(all.map((t) => t.node));
  const workers = new Set(all.map((t) => t.worker)).size;
  const ok = all.every((t) => t.state === "SUCCEEDED" && t.attempts === 1);
  q.close();
  const active = (last - first) / 1000;
  const rate = all.length / active;
  return { n: all.length, wall, active, rate, nodes: nodes.size, workers, ok, perTaskMs: (WORKERS * 1000) / rate };
}

// Commits that do not wait for the write-ahead log to reach the disk, asked for in the URL as any
// libpq client would (`options=-c synchronous_commit=off`).
const asyncDb = `${db}${db.includes("?") ? "&" : "?"}options=${encodeURIComponent("-c synchronous_commit=off")}`;
const onNodes = (name, url, batch) => () =>
  run("srun", ["-N4", `-n${WORKERS}`, "--cpus-per-task=1", process.execPath, self, "--worker", dir, name, url, batch], {
    env: { ...process.env, SLURM_CONF: cluster.env.SLURM_CONF },
    cwd: dir,
    maxBuffer: 1 << 24,
  });
const onOneNode = (name, batch) => () =>
  Promise.all(Array.from({ length: WORKERS }, () => local([self, "--worker", dir, name, "-", batch])));

try {
  // (1) Each storage with one task per claim, then with automatic batches, one after the other.
  const cycles = {};
  for (const batch of ["1", "auto"]) {
    const tag = batch === "1" ? "single" : "auto";
    // PostgreSQL: 8 workers over 4 nodes, as Slurm job steps; then with synchronous_commit=off.
    cycles[`pg-${tag}`] = await measure(`pg-${tag}`, { db }, onNodes(`pg-${tag}`, db, batch));
    cycles[`pga-${tag}`] = await measure(`pga-${tag}`, { db: asyncDb }, onNodes(`pga-${tag}`, asyncDb, batch));
    // SQLite: 8 worker processes on this node.
    cycles[`sq-${tag}`] = await measure(`sq-${tag}`, {}, onOneNode(`sq-${tag}`, batch));
  }
  const line = (what, r) =>
    `${what}: ${r.n} cycles in ${r.active.toFixed(2)} s (first claim to last completion) = ${Math.round(r.rate)} cycles/s; ` +
    `${(1000 / r.rate).toFixed(3)} ms per task (1 / throughput), ${r.perTaskMs.toFixed(2)} ms per task per worker; ` +
    `workers used ${r.workers} on ${r.nodes} node(s); each task exactly once: ${r.ok}`;
  for (const tag of ["single", "auto"]) {
    const how = tag === "single" ? "one task per claim (--batch 1)" : "automatic batches (default)";
    const pgC = cycles[`pg-${tag}`];
    const pgA = cycles[`pga-${tag}`];
    const sq = cycles[`sq-${tag}`];
    console.log(`(1) ${how}`);
    console.log(line(`    PostgreSQL, ${WORKERS} workers over 4 nodes (srun -N4 -n${WORKERS})`, pgC));
    console.log(line(`    PostgreSQL, synchronous_commit=off, same workers`, pgA));
    console.log(line(`    SQLite, ${WORKERS} workers on one node`, sq));
    console.log(
      `    ratio PostgreSQL / SQLite: ${(pgC.rate / sq.rate).toFixed(2)} (synchronous_commit=off: ${(pgA.rate / sq.rate).toFixed(2)})`,
    );
  }
  for (const kind of ["pg", "pga", "sq"]) {
    console.log(
      `    ${kind}: automatic batches / one per claim = ${(cycles[`${kind}-auto`].rate / cycles[`${kind}-single`].rate).toFixed(2)}`,
    );
  }
  const pgCycles = cycles["pg-auto"];
  const pgAsync = cycles["pga-auto"];
  const sqliteCycles = cycles["sq-auto"];

  // (2) Adding a million tasks to PostgreSQL.
  const q = await queue.create("million", { dir, db });
  const tasks = new Array(N);
  for (let i = 0; i < N; i++) tasks[i] = { command: `fit model-${i % 97}.ts --steps 5000 --seed ${i}` };
  const t0 = performance.now();
  const ids = await q.addMany(tasks);
  const s = (performance.now() - t0) / 1000;
  const counted = (await q.status()).counts.PENDING;
  q.close();
  console.log(
    `(2) q.addMany(${ids.length} tasks) into PostgreSQL: ${s.toFixed(2)} s = ${Math.round(N / s)} tasks/s (target < 20 s: ${s < 20 ? "met" : "MISSED"}); PENDING afterwards: ${counted}`,
  );

  // (3) Overhead per task, with automatic batches.
  console.log(
    `(3) overhead per task, automatic batches (queue time per cycle seen by one worker = workers / throughput): PostgreSQL ${pgCycles.perTaskMs.toFixed(2)} ms (synchronous_commit=off: ${pgAsync.perTaskMs.toFixed(2)} ms), SQLite ${sqliteCycles.perTaskMs.toFixed(2)} ms; ` +
      `throughput cost across all workers: PostgreSQL ${(1000 / pgCycles.rate).toFixed(3)} ms (synchronous_commit=off: ${(1000 / pgAsync.rate).toFixed(3)} ms), SQLite ${(1000 / sqliteCycles.rate).toFixed(3)} ms; HyperQueue states < 0.1 ms`,
  );
  const version = server ? `PostgreSQL ${server.version} (private server, fsync on)` : "PostgreSQL at HPCFIT_BENCH_POSTGRES_URL";
  console.log(`machine: ${machine()}; ${version}; Slurm test cluster of 4 nodes x 2 CPUs on this machine`);
} finally {
  await cluster.stop();
  await server?.stop();
}
