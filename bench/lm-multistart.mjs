#!/usr/bin/env node
// Multi-start `lm` (`starts: 8`) when the model is expensive: every residual-vector evaluation
// sleeps 5 ms without using a CPU (bench/lm-slow-nist-model.ts, as in bench/lm-expensive.mjs), on a
// few NIST StRD problems from their first start, run serially and with `parallel: 8` (the eight
// starts at once, one per worker thread; the threads are started by an untimed fit first, as a
// notebook's second fit finds them, and their start-up is reported apart), side by side with scipy
// doing the same multi-start: least_squares(method="lm") from the same eight start points in turn,
// its residual function sleeping the same 5 ms (bench/lm_multistart_anchor.py).
// A second table (a section of its own): two starts on the problems of 3 or more parameters, with
// 2 threads (one per start: all a multi-start fit used of its threads before the spare ones went to
// the starts) and with 8 (each start's Jacobian columns also on its share of the 6 spare threads),
// beside scipy from the same two start points.
//
//   node bench/lm-multistart.mjs            print both tables
//   node bench/lm-multistart.mjs --write    also replace this script's sections of bench/RESULTS.md
//   node bench/lm-multistart.mjs --few      only the two-start table (and its section with --write)
// Run after the build (`npx tsc -p tsconfig.json`).
import { writeFileSync } from "node:fs";
import { machine, root, scratch, writeSection } from "./common.mjs";
import { nistBench, nistDir, runPythonAnchor } from "./nist-common.mjs";

const { write } = nistBench("lm-multistart", ["scipy"]);
const fewOnly = process.argv.includes("--few");
const SLEEP_MS = 5;
const WORKERS = 8;
const STARTS = 8;
const SEED = 1;

/** Problems of 2 to 7 parameters whose random starts mostly converge. */
const PROBLEMS = ["Misra1a", "Chwirut2", "DanWood", "Eckerle4", "Rat43", "Lanczos3", "Thurber"];
const dir = scratch("lm-multistart");

const { fit } = await import(`${root}dist/index.js`);
const { loadModelFile } = await import(`${root}dist/fit/node/load-model.js`);
const { planStarts } = await import(`${root}dist/fit/starts.js`);
const { Random } = await import(`${root}dist/fit/random.js`);

/** A model file for one problem (the start threads load it). */
function modelFileFor(name) {
  const file = `${dir}/${name}.ts`;
  writeFileSync(
    file,
    `import { makeSlowNistProblem } from ${JSON.stringify(`${root}bench/lm-slow-nist-model.ts`)};\n` +
      `export const problem = makeSlowNistProblem(${JSON.stringify(name)}, 1, ${SLEEP_MS});\n`,
  );
  return file;
}

/**
 * The model file of a problem, its parameter count, and the start points a fit of `starts` starts
 * plans from NIST's start 1 with the bench's seed (the same points the fit will take), for the anchor.
 */
async function plannedStarts(name, starts) {
  const modelFile = modelFileFor(name);
  const { problem } = await loadModelFile(modelFile, { fresh: true });
  const x0 = problem.getValues();
  const { points } = planStarts(problem, x0, new Random(SEED), starts);
  return { modelFile, p: x0.length, points: points.map((x) => Array.from(x)) };
}

/**
 * Records one timed fit of a problem in its `row` under `key`: the first (`reference`) with its
 * evaluations and optimum, a later one with whether it found the same bits.
 */
function recordRun(row, key, ms, result, reference) {
  row[key] = ms;
  if (reference) Object.assign(row, { evaluations: result.evaluations, x: result.x });
  else row.same = result.evaluations === row.evaluations && result.x.every((v, j) => v === row.x[j]);
}

/** Eight starts, serially and on eight threads, beside scipy. */
async function eightStarts() {
  const rows = [];
  const startups = [];
  const anchorInput = [];
  for (const name of PROBLEMS) {
    const { modelFile, p, points } = await plannedStarts(name, STARTS);
    const row = { name, p };
    anchorInput.push({ name, points });
    for (const workers of [0, WORKERS]) {
      const { problem } = await loadModelFile(modelFile, { fresh: true });
      const options = { method: "lm", starts: STARTS, seed: SEED };
      if (workers > 0) {
        // Start the threads untimed (a one-step fit); the fit below finds them loaded.
        const t = performance.now();
        const { problem: warm } = await loadModelFile(modelFile, { fresh: true });
        await fit(warm, { ...options, steps: 1, parallel: workers, modelFile });
        startups.push(performance.now() - t);
      }
      const t0 = performance.now();
      const result = await fit(problem, workers > 0 ? { ...options, parallel: workers, modelFile } : options);
      const ms = performance.now() - t0;
      if (workers === 0) row.rss = result.chisq * result.dof;
      recordRun(row, workers === 0 ? "serialMs" : "parallelMs", ms, result, workers === 0);
    }
    rows.push(row);
    process.stderr.write(`${name} `);
  }
  process.stderr.write("\n");
  const anchor = await runAnchor(anchorInput);
  startups.sort((a, b) => a - b);
  const startupMs = startups[Math.floor(startups.length / 2)];

  const s = (ms) => (ms === undefined ? "fail" : (ms / 1000).toFixed(2));
  const lines = [
    `| problem | p | hpcfit evals | scipy calls | hpcfit serial s | hpcfit ${WORKERS} threads s | scipy s | ${WORKERS} threads / scipy | ${WORKERS} threads / serial | best RSS hpcfit / scipy | bit-identical |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const r of rows) {
    const a = anchor.get(r.name);
    lines.push(
      `| ${r.name} | ${r.p} | ${r.evaluations} | ${a ? `${a.calls}${a.failed > 0 ? ` (${a.failed} starts failed)` : ""}` : "—"} | ${s(r.serialMs)} | ${s(r.parallelMs)} | ${s(a?.ms)} | ` +
        `${a ? (r.parallelMs / a.ms).toFixed(2) : "—"} | ${(r.parallelMs / r.serialMs).toFixed(2)} | ${a ? (r.rss / a.rss).toPrecision(8) : "—"} | ${r.same ? "yes" : "NO"} |`,
    );
  }
  const sum = (f) => rows.reduce((acc, r) => acc + (f(r) ?? 0), 0) / 1000;
  const summary =
    `${STARTS} starts per fit (the first from NIST's start 1, the others drawn by the fit's seed ${SEED}). Sums: hpcfit serial ${sum((r) => r.serialMs).toFixed(1)} s, ` +
    `${WORKERS} threads ${sum((r) => r.parallelMs).toFixed(1)} s, scipy ${sum((r) => anchor.get(r.name)?.ms).toFixed(1)} s; ` +
    `the threaded fits gave the serial fits' bits on ${rows.filter((r) => r.same).length} of ${rows.length}. ` +
    `Starting the ${WORKERS} start threads (each loads the model file) took ${(startupMs / 1000).toFixed(2)} s (median), paid once per model ` +
    `file by its first parallel fit (not inside the times above); later fits reuse the threads.`;
  console.log(lines.join("\n"));
  console.log(`\n${summary}`);

  if (write) {
    writeSection(
      `## Multi-start lm with an expensive model (${SLEEP_MS} ms per evaluation): serial and ${WORKERS} start threads vs scipy`,
      [
        `Generated by \`node bench/lm-multistart.mjs --write\` on ${new Date().toISOString().slice(0, 10)}. Machine: ${machine()}; shared with other engineers' builds and tests while it ran.`,
        "",
        `Every residual-vector evaluation sleeps ${SLEEP_MS} ms without using a CPU, so the time to solution is set by the number of`,
        `evaluations and how many run at once. \`fit(p, { method: "lm", starts: ${STARTS}, parallel: ${WORKERS}, modelFile })\` runs the starts at once,`,
        'one per worker thread; scipy runs least_squares(method="lm") from the same start points one after the other (it has no multi-start).',
        'One fit per problem and side; "best RSS" compares the lowest sums of squares found; a scipy start that raised (its model',
        "not finite) counts as failed. The threaded time is that of the slowest start: a start that runs to lm's step limit sets it.",
        "",
        summary,
        "",
        lines.join("\n"),
      ].join("\n"),
    );
    console.log(`\nwrote ${root}bench/RESULTS.md`);
  }
}

/** Two starts with 2 threads and with 8 (the spare ones on each start's Jacobian columns), beside scipy. */
async function spareThreads() {
  const FEW = 2;
  const rows = [];
  const anchorInput = [];
  for (const name of PROBLEMS) {
    const { modelFile, p, points } = await plannedStarts(name, FEW);
    if (p < 3) continue;
    const row = { name, p };
    anchorInput.push({ name, points });
    for (const workers of [FEW, WORKERS]) {
      const options = { method: "lm", starts: FEW, seed: SEED, parallel: workers, modelFile };
      // Threads (and each start's pool for its columns) started untimed, as a notebook's second fit finds them.
      const { problem: warm } = await loadModelFile(modelFile, { fresh: true });
      await fit(warm, { ...options, steps: 1 });
      const { problem } = await loadModelFile(modelFile, { fresh: true });
      const t0 = performance.now();
      const result = await fit(problem, options);
      const ms = performance.now() - t0;
      recordRun(row, workers === FEW ? "oneEachMs" : "spareMs", ms, result, workers === FEW);
    }
    rows.push(row);
    process.stderr.write(`${name} `);
  }
  process.stderr.write("\n");
  const anchor = await runAnchor(anchorInput);
  const s = (ms) => (ms === undefined ? "fail" : (ms / 1000).toFixed(2));
  const lines = [
    `| problem | p | hpcfit evals | scipy calls | hpcfit ${FEW} threads s | hpcfit ${WORKERS} threads s | scipy s | ${WORKERS} threads / ${FEW} threads | ${WORKERS} threads / scipy | bit-identical |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const r of rows) {
    const a = anchor.get(r.name);
    lines.push(
      `| ${r.name} | ${r.p} | ${r.evaluations} | ${a ? `${a.calls}${a.failed > 0 ? ` (${a.failed} starts failed)` : ""}` : "—"} | ${s(r.oneEachMs)} | ${s(r.spareMs)} | ${s(a?.ms)} | ` +
        `${(r.spareMs / r.oneEachMs).toFixed(2)} | ${a ? (r.spareMs / a.ms).toFixed(2) : "—"} | ${r.same ? "yes" : "NO"} |`,
    );
  }
  const sum = (f) => rows.reduce((acc, r) => acc + (f(r) ?? 0), 0) / 1000;
  const summary =
    `${FEW} starts per fit (the first from NIST's start 1, the other drawn by the fit's seed ${SEED}). Sums: ${FEW} threads ${sum((r) => r.oneEachMs).toFixed(1)} s, ` +
    `${WORKERS} threads ${sum((r) => r.spareMs).toFixed(1)} s, scipy ${sum((r) => anchor.get(r.name)?.ms).toFixed(1)} s; ` +
    `the ${WORKERS}-thread fits gave the ${FEW}-thread fits' bits on ${rows.filter((r) => r.same).length} of ${rows.length}.`;
  console.log(`${lines.join("\n")}\n\n${summary}`);
  if (write) {
    writeSection(
      `## Multi-start lm with fewer starts than threads (${SLEEP_MS} ms per evaluation): the spare threads on each start's Jacobian`,
      [
        `Generated by \`node bench/lm-multistart.mjs --write\` (or \`--few --write\`) on ${new Date().toISOString().slice(0, 10)}. Machine: ${machine()}; shared with other engineers' builds and tests while it ran.`,
        "",
        `With ${FEW} starts, \`parallel: ${FEW}\` runs one start per thread, which is all \`parallel: ${WORKERS}\` used before the spare`,
        `threads went to the starts; \`parallel: ${WORKERS}\` now also gives each start a pool of its share of the ${WORKERS - FEW} spare threads for`,
        'its Jacobian columns. The same fits, bit for bit; scipy runs least_squares(method="lm") from the same two start points in turn.',
        `Every residual-vector evaluation sleeps ${SLEEP_MS} ms without using a CPU. One fit per problem and side.`,
        "",
        summary,
        "",
        lines.join("\n"),
      ].join("\n"),
    );
    console.log(`\nwrote ${root}bench/RESULTS.md`);
  }
}

if (!fewOnly) await eightStarts();
await spareThreads();

/** Runs the Python anchor on the planned start points; its results keyed by problem. */
function runAnchor(items) {
  return runPythonAnchor(
    "lm_multistart_anchor.py",
    [nistDir, String(SLEEP_MS)],
    (r) => r.name,
    items.map((i) => JSON.stringify(i)).join("\n") + "\n",
  );
}
