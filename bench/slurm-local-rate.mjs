#!/usr/bin/env node
// How many jobs per second the local backend starts and tracks to completion, side by side with
// real Slurm (the private test cluster, same machine, same two CPUs) running the same jobs.
// Each job is `true`; the clock runs from the first submission until every job is seen ended
// (jobs.list polled every 250 ms for both, so the polling costs both sides alike).
import { cluster, jobs, machine, scratch, time } from "./slurm-common.mjs";

const N = Number(process.argv[2] ?? 200);
process.env.HPCFIT_LOCAL_CPUS = "2";
process.chdir(scratch("rate-work"));

async function rate(kind) {
  process.env.HPCFIT_DATA_DIR = scratch(`rate-${kind}`);
  jobs.useBackend(kind);
  let submitted = 0;
  const ms = await time(async () => {
    for (let i = 0; i < N; i++) {
      await jobs.submit({ args: ["-J", `rate ${i}`, "-o", "/dev/null", "--wrap", "true"] });
      submitted++;
    }
    for (;;) {
      const all = await jobs.list({ states: "all" });
      const ended = all.filter((j) => j.done).length;
      if (ended >= N) {
        const failed = all.filter((j) => j.state !== "COMPLETED");
        if (failed.length) throw new Error(`${failed.length} ${kind} jobs did not complete: ${failed[0].toString()}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  return { ms, perSecond: (submitted / ms) * 1000 };
}

console.log(`machine: ${machine()}`);
const local = await rate("local");
console.log(
  `${N} trivial jobs, first submission to all seen ended: local backend ${(local.ms / 1000).toFixed(2)} s = ${local.perSecond.toFixed(1)} jobs/s`,
);
const c = await cluster();
try {
  const slurm = await rate("slurm");
  console.log(
    `${N} trivial jobs, first submission to all seen ended: Slurm test cluster ${(slurm.ms / 1000).toFixed(2)} s = ${slurm.perSecond.toFixed(1)} jobs/s`,
  );
} finally {
  await c.stop();
}
