#!/usr/bin/env node
// The cost of a sampler result's model bands (fit/model-bands.ts) beside the sampling itself,
// for the slow model of bench/mcmc-slow-model.ts (about 1 ms per evaluation of its 20 points):
// the model's cost on its data and on its plot grid (about 420 points), the band evaluated in the calling
// thread (as many draws as fit the serial budget) and on 2 worker threads (all 300 draws), and the
// DREAM run it belongs to. No anchor: bumps draws model uncertainty from a given number of draws
// with the same one model evaluation per draw, so what matters is the overhead over the model
// evaluations themselves and the speedup of the threads; both are reported as ratios.
// Run after the build; `--write` updates RESULTS.md.
import { cpus, loadavg } from "node:os";
import { machine, root, sig, writeSection } from "./common.mjs";

const write = process.argv.includes("--write");
const { fit, WorkerEvaluator } = await import(`${root}dist/index.js`);
const { addModelBands, bandGrids, BAND_DRAWS } = await import(`${root}dist/fit/model-bands.js`);
const { loadModelFile } = await import(`${root}dist/fit/node/load-model.js`);
const modelFile = `${root}bench/mcmc-slow-model.ts`;
const { problem } = await loadModelFile(modelFile);

// The model's cost: its nllf on the data, and one evaluation on the band's plot grid.
const x0 = problem.getValues();
let t = performance.now();
for (let i = 0; i < 100; i++) problem.nllf(x0);
const nllfMs = (performance.now() - t) / 100;
const [grid] = bandGrids(problem);
const model = problem.models[grid.model];
const out = new Float64Array(grid.x.length);
t = performance.now();
for (let i = 0; i < 20; i++) model.evaluateAt(grid.x, out);
const gridMs = (performance.now() - t) / 20;

const GENERATIONS = Number(process.env.HPCFIT_BENCH_GENERATIONS ?? 150);
t = performance.now();
const result = await fit(problem, { method: "dream", steps: GENERATIONS - 1, burn: 0, seed: 3 });
const fitSec = (performance.now() - t) / 1000;
const inFit = result.models[0].curve.bands.draws;

const rows = [];
delete result.models[0].curve.bands;
t = performance.now();
const serial = await addModelBands(result, problem, {});
const serialSec = (performance.now() - t) / 1000;
rows.push({ how: "calling thread (serial budget)", draws: serial.draws, sec: serialSec, startup: 0 });

t = performance.now();
const pool = await WorkerEvaluator.start(problem, 2, modelFile);
const startup = (performance.now() - t) / 1000;
delete result.models[0].curve.bands;
t = performance.now();
const threaded = await addModelBands(result, problem, { evaluator: pool });
const threadedSec = (performance.now() - t) / 1000;
await pool.close();
rows.push({ how: "2 worker threads (the sampler's pool)", draws: threaded.draws, sec: threadedSec, startup });

const perDraw = (r) => (r.sec * 1000) / r.draws;
const lines = [
  `Machine: ${machine()}; shared with other engineers' builds and tests while it ran. Date: ${new Date().toISOString().slice(0, 10)}. One run.`,
  `Model: bench/mcmc-slow-model.ts, ${sig(nllfMs)} ms per nllf on its 20 points, ${sig(gridMs)} ms per evaluation on the ${grid.x.length}-point plot grid. ` +
    `DREAM: 40 chains, ${GENERATIONS} generations, ${result.samples.evaluations} evaluations, ${sig(fitSec)} s including its band of ${inFit} draws.`,
  "",
  "| band evaluated on | draws | pool start-up s | wall s | ms per draw | per draw / grid evaluation | share of the fit |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (r) =>
      `| ${r.how} | ${r.draws} | ${sig(r.startup)} | ${sig(r.sec)} | ${sig(perDraw(r))} | ${sig(perDraw(r) / gridMs)} | ${sig(r.sec / fitSec)} |`,
  ),
  "",
  `A draw costs one model evaluation on the plot grid plus the quantiles; "per draw / grid evaluation" near 1 means the band adds no overhead of its own (below 1 on threads: they share the draws). ` +
    `Serially the band is limited to about 2 s (${BAND_DRAWS} draws when they fit, at least 100). ` +
    `Threads ${sig(perDraw(rows[0]) / perDraw(rows[1]))}× faster per draw than the calling thread.` +
    (loadavg()[0] > cpus().length
      ? " The machine was loaded beyond its CPU count while this ran, so the threads' speedup is not measured here, only that the band on threads costs no more per draw."
      : ""),
];
const body = lines.join("\n");
console.log(body);
if (write) writeSection("## Model bands — `bench/model-bands.mjs`", body);
