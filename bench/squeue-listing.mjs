#!/usr/bin/env node
// Listing one's own jobs on a busy cluster: with 10,000 held jobs of another user and 50 of this
// user's in the queue, `SlurmBackend.list({ user })` through squeue's delimited fields (hpcfit's
// listing) and through `squeue --json` (the former one), against plain `squeue --me`, interleaved
// in one run on a private test cluster. Writes its section of bench/RESULTS.md.
//   node bench/squeue-listing.mjs [foreign jobs = 10000] [own jobs = 50] [repetitions = 15]
import { execFile } from "node:child_process";
import { userInfo } from "node:os";
import { promisify } from "node:util";
import { sig, writeSection } from "./common.mjs";
import { cluster, jobs, machine, median, scratch, time } from "./slurm-common.mjs";

const run = promisify(execFile);
const [foreign = 10_000, own = 50, reps = 15] = process.argv.slice(2).map(Number);
const me = userInfo().username;
const big = { maxBuffer: 1 << 30 };

process.env.HPCFIT_DATA_DIR = scratch("squeue-data");
const work = scratch("squeue-work");
process.chdir(work);
const c = await cluster({ nodes: 1, cpusPerNode: 2 });
try {
  // Another user's jobs, submitted as that user by root, a few at a time; held, so they never run.
  const started = Date.now();
  let next = 0;
  const submitter = async () => {
    while (next < foreign) {
      const i = next++;
      await run("sbatch", [
        "--uid=nobody",
        "--hold",
        "-D",
        "/tmp",
        "-o",
        "/dev/null",
        "-J",
        `foreign job ${i}`,
        "--wrap",
        "true",
      ]);
    }
  };
  await Promise.all(Array.from({ length: 4 }, submitter));
  const store = jobs.JobStore.open(scratch("squeue-records"));
  const fields = new jobs.SlurmBackend(store, { listing: "fields" });
  const json = new jobs.SlurmBackend(store, { listing: "json" });
  // This user's, through hpcfit so that they are recorded as a notebook's jobs are.
  for (let i = 0; i < own; i++) await fields.submit({ args: ["--hold", "-J", `my job ${i}`, "--wrap", "true"] });
  const submitSeconds = (Date.now() - started) / 1000;

  const total = (await run("squeue", ["-h", "-t", "all", "-o", "%i"], big)).stdout.trim().split("\n").length;
  const sorted = (rows) => JSON.stringify([...rows].sort((a, b) => a.jobId - b.jobId));
  const mine = await fields.list({ user: me });
  const mineJson = await json.list({ user: me });
  if (mine.length !== own || sorted(mine) !== sorted(mineJson)) {
    throw new Error(
      `the listings disagree: ${mine.length} rows through fields, ${mineJson.length} through JSON, ${own} expected`,
    );
  }

  // Interleaved, so that any drift of the machine's load hits every command alike.
  const t = { plain: [], fields: [], json: [], squeueJson: [] };
  for (let i = 0; i < reps; i++) {
    t.plain.push(await time(() => run("squeue", ["--me"], big)));
    t.fields.push(await time(() => fields.list({ user: me })));
    t.json.push(await time(() => json.list({ user: me })));
    t.squeueJson.push(await time(() => run("squeue", ["--json"], big)));
  }
  const plain = median(t.plain);
  const ms = (v) => `${sig(v)} ms`;
  const rows = [
    ["`squeue --me` (plain text, the anchor)", median(t.plain)],
    ["`SlurmBackend.list({ user })`, squeue's `-O` fields (hpcfit)", median(t.fields)],
    ["`SlurmBackend.list({ user })`, `squeue --json` (before)", median(t.json)],
    ["`squeue --json` alone", median(t.squeueJson)],
  ];
  const table = [
    "| listing | median | ratio to `squeue --me` |",
    "| --- | --- | --- |",
    ...rows.map(([what, v]) => `| ${what} | ${ms(v)} | ${(v / plain).toFixed(2)} |`),
  ];
  const body = `Machine: ${machine()}; ${new Date().toISOString().slice(0, 10)}, a private single-node test cluster
(\`test/setup/slurm-cluster.ts\`, no accounting), other engineers' processes sharing the machine.

\`node bench/squeue-listing.mjs ${foreign} ${own} ${reps}\`: ${foreign} held jobs of user \`nobody\` and ${own} held jobs
of this user submitted through hpcfit (${total} jobs in the queue, set up in ${sig(submitSeconds)} s), then
${reps} interleaved repetitions of each listing, medians:

${table.join("\n")}

Target: hpcfit's listing of this user's jobs ≤ 1.3 × \`squeue --me\`: ratio ${(median(t.fields) / plain).toFixed(2)}. Both
listings return the same ${own} rows (checked before timing). In Slurm 22.05 \`squeue -u\`/\`--me\` still
loads every job from the controller and filters in the client, so the anchor pays for the whole
queue too; what hpcfit no longer pays is \`--json\`'s rendering of every job and the parsing of it.`;
  console.log(body);
  writeSection("## Listing one's jobs on a busy cluster — `bench/squeue-listing.mjs`", body);
} finally {
  await c.stop();
}
