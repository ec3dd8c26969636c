#!/usr/bin/env node
// Runs every benchmark, one after the other (never two at once: they measure speed), each
// replacing its own section of bench/RESULTS.md. `npm run bench` sets up first (build, .venv);
// the Python anchors are installed from bench/requirements.txt by the scripts that need them.
//   node bench/run.mjs [name ...]   only the benchmarks whose file name contains a given name
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
/**
 * Each benchmark and the arguments that make it write its section (test/architecture/bench-list.test.ts
 * checks that every benchmark is here or is started by one that is).
 */
const BENCHES = [
  ["kernel.mjs"],
  ["kernel-limits.mjs"],
  ["typed-kernel.mjs"],
  ["toplevel-loop.mjs", "--write"],
  ["nist-accuracy.mjs", "--write"],
  ["nist-speed.mjs", "--write"],
  ["lm-expensive.mjs", "--write"],
  ["lm-multistart.mjs", "--write"],
  ["mcmc-overhead.mjs", "--write"],
  ["mcmc-agreement.mjs", "--write"],
  ["mcmc-parallel.mjs", "--write"],
  ["model-bands.mjs", "--write"],
  ["fit-job-scaling.mjs", "--write"],
  ["fit-node-scaling.mjs", "--write"],
  ["slurm-overhead.mjs"],
  ["slurm-local-rate.mjs"],
  ["squeue-listing.mjs"],
  ["slurm-kernel.mjs", "--write"],
  ["queue-add.mjs"],
  ["queue-cycles.mjs"],
  ["queue-memory.mjs"],
  ["queue-postgres.mjs"],
  ["notebook-overhead.mjs", "--write"],
];

const only = process.argv.slice(2);
let failed = 0;
for (const [script, ...args] of BENCHES) {
  if (only.length > 0 && !only.some((name) => script.includes(name))) continue;
  process.stderr.write(`\n=== bench/${script} ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [`${here}${script}`, ...args], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench/${script} failed (exit ${r.status})\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
