#!/usr/bin/env node
// hpcfit's Slurm backend against the plain Slurm commands it wraps, on the private test cluster,
// in one run: (1) submitting 100 jobs, `jobs.submit` vs `sbatch --parsable`; (2) listing a queue
// of 1,000 jobs, `%squeue` (and `jobs.list`) vs plain `squeue` and `squeue --json`.
// Jobs are submitted held so that the queue stays at 1,000 while it is timed.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  MagicRegistry,
  cluster,
  jobs,
  machine,
  median,
  quietContext,
  registerSlurmMagics,
  scratch,
  time,
} from "./slurm-common.mjs";

const run = promisify(execFile);
process.env.HPCFIT_DATA_DIR = scratch("slurm-data");
process.chdir(scratch("slurm-work"));
const c = await cluster();
try {
  jobs.useBackend("slurm");
  const registry = new MagicRegistry();
  registerSlurmMagics(registry);
  const args = ["--hold", "-J", "bench job", "--wrap", "true"];

  // Interleave the two so that any drift of the machine's load hits both alike.
  const plainSubmit = [];
  const oursSubmit = [];
  for (let i = 0; i < 100; i++) {
    plainSubmit.push(await time(() => run("sbatch", ["--parsable", ...args])));
    oursSubmit.push(await time(() => jobs.submit({ args })));
  }
  // Fill the queue up to 1,000 jobs.
  for (let i = 200; i < 1000; i++) await run("sbatch", ["--parsable", ...args]);
  const count = (await jobs.list({})).length;

  const reps = 15;
  const t = { squeue: [], squeueJson: [], list: [], magic: [], magicDisplay: [] };
  for (let i = 0; i < reps; i++) {
    t.squeue.push(await time(() => run("squeue", [], { maxBuffer: 1 << 28 })));
    t.squeueJson.push(await time(() => run("squeue", ["--json"], { maxBuffer: 1 << 28 })));
    t.list.push(await time(() => jobs.list({})));
    t.magic.push(await time(() => registry.run("squeue", "", quietContext())));
    // What a notebook shows: the magic plus rendering its table bundle (JSON, HTML and text).
    t.magicDisplay.push(
      await time(async () => (await registry.run("squeue", "", quietContext()))[Symbol.for("hpcfit.display")]()),
    );
  }
  const ms = (x) => `${x.toFixed(1)} ms`;
  const plainS = median(plainSubmit);
  const oursS = median(oursSubmit);
  const sq = median(t.squeue);
  console.log(`machine: ${machine()}`);
  console.log(
    `submit, median of 100: sbatch --parsable ${ms(plainS)}, jobs.submit ${ms(oursS)}, ratio ${(oursS / plainS).toFixed(2)}`,
  );
  console.log(
    `submit 100 in total: sbatch ${ms(plainSubmit.reduce((a, b) => a + b))}, jobs.submit ${ms(oursSubmit.reduce((a, b) => a + b))}`,
  );
  console.log(`queue of ${count} jobs, median of ${reps}:`);
  console.log(`  squeue (plain text)      ${ms(sq)}`);
  console.log(`  squeue --json            ${ms(median(t.squeueJson))}  ratio ${(median(t.squeueJson) / sq).toFixed(2)}`);
  console.log(`  jobs.list()              ${ms(median(t.list))}  ratio ${(median(t.list) / sq).toFixed(2)}`);
  console.log(`  %squeue                  ${ms(median(t.magic))}  ratio ${(median(t.magic) / sq).toFixed(2)}`);
  console.log(`  %squeue + table bundle   ${ms(median(t.magicDisplay))}  ratio ${(median(t.magicDisplay) / sq).toFixed(2)}`);
} finally {
  await c.stop();
}
