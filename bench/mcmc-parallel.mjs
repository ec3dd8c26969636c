#!/usr/bin/env node
// Parallel speedup and efficiency of DREAM's population evaluation on worker threads with a model
// of about 1 ms per evaluation, at 1 and 2 workers; writes bench/mcmc-parallel.svg. The sampling
// is timed apart from what fit() adds to the result (convergence diagnostics, and the model band,
// whose curves the same workers evaluate). Run after the build; `--write` updates RESULTS.md and
// the plot.
import { writeFileSync } from "node:fs";
import { machine, root, sig, timedFit, writeSection, ensureAnchors } from "./mcmc-common.mjs";
import { svgFrame, svgPath } from "./svg-plot.mjs";

const write = process.argv.includes("--write");
ensureAnchors(); // machine() reports the Python side too
const { availableCpus, WorkerEvaluator } = await import(`${root}dist/index.js`);
const { loadModelFile } = await import(`${root}dist/fit/node/load-model.js`);
const modelFile = `${root}bench/mcmc-slow-model.ts`;
const { problem } = await loadModelFile(modelFile);
const x0 = problem.getValues();
const n = 300;
let t = performance.now();
for (let i = 0; i < n; i++) problem.nllf(x0);
const modelMs = (performance.now() - t) / n;

const GENERATIONS = Number(process.env.HPCFIT_BENCH_GENERATIONS ?? 150);
const options = { method: "dream", steps: GENERATIONS - 1, burn: 0, seed: 3 }; // 40 chains
const rows = [];
let serial = { sec: 0, sampling: 0, bands: 0, bandDraws: 0 };
let oneWorker = { sec: 0, sampling: 0 };
// "serial" evaluates on the main thread; 1 and 2 run the same worker-thread evaluator, so the
// speedup of 2 workers over 1 is the scaling of the parallel evaluation itself.
for (const workers of [0, 1, 2]) {
  const { problem: p } = await loadModelFile(modelFile, { fresh: true });
  // Worker start-up (loading the model in each thread) is paid once per fit and timed apart.
  const t0 = performance.now();
  const evaluator = workers === 0 ? undefined : await WorkerEvaluator.start(p, workers, modelFile);
  const startup = (performance.now() - t0) / 1000;
  const {
    result: r,
    seconds: sec,
    sampling,
    diagnostics,
    after,
  } = await timedFit(p, evaluator ? { ...options, evaluator } : options);
  await evaluator?.close();
  const bandDraws = r.models[0]?.curve?.bands?.draws ?? 0;
  if (workers === 0) serial = { sec, sampling, bands: after, bandDraws };
  if (workers === 1) oneWorker = { sec, sampling };
  if (workers > 0)
    rows.push({
      workers,
      sec,
      sampling,
      diagnostics,
      bands: after,
      bandDraws,
      startup,
      evals: r.samples.evaluations,
      speedup: oneWorker.sampling / sampling,
      efficiency: oneWorker.sampling / sampling / workers,
      fitSpeedup: oneWorker.sec / sec,
    });
}

// A small SVG: speedup (left axis) and efficiency (right axis) against workers.
const box = { width: 420, height: 280, left: 50, right: 50, top: 30, bottom: 40 };
const { width: W, height: H, left: L, right: R, top: T, bottom: B } = box;
const px = (w) => L + ((w - 1) / 1) * (W - L - R);
const pyS = (s) => H - B - (s / 2) * (H - T - B);
const pyE = (e) => H - B - e * (H - T - B);
const svg = `${svgFrame(box, { title: `DREAM parallel evaluation, ~${sig(modelMs, 2)} ms model`, xLabel: "workers", rightAxis: true })}
${[1, 2].map((w) => `<text x="${px(w)}" y="${H - B + 16}" text-anchor="middle">${w}</text>`).join("")}
${[0, 0.5, 1, 1.5, 2].map((s) => `<text x="${L - 6}" y="${pyS(s) + 4}" text-anchor="end">${s}</text>`).join("")}
${[0, 0.25, 0.5, 0.75, 1].map((e) => `<text x="${W - R + 6}" y="${pyE(e) + 4}">${e}</text>`).join("")}
<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle" fill="#1f77b4">speedup</text>
<text x="${W - 8}" y="${H / 2}" transform="rotate(90 ${W - 8} ${H / 2})" text-anchor="middle" fill="#d62728">efficiency</text>
<path d="${svgPath([
  [px(1), pyS(1)],
  [px(2), pyS(2)],
])}" stroke="#999" stroke-dasharray="4 3" fill="none"/>
<path d="${svgPath(rows.map((r) => [px(r.workers), pyS(r.speedup)]))}" stroke="#1f77b4" stroke-width="2" fill="none"/>
<path d="${svgPath(rows.map((r) => [px(r.workers), pyE(r.efficiency)]))}" stroke="#d62728" stroke-width="2" fill="none"/>
${rows.map((r) => `<circle cx="${px(r.workers)}" cy="${pyS(r.speedup)}" r="4" fill="#1f77b4"/><circle cx="${px(r.workers)}" cy="${pyE(r.efficiency)}" r="4" fill="#d62728"/>`).join("\n")}
</svg>
`;
const lines = [
  `Machine: ${machine()}; availableCpus() = ${availableCpus()}. Date: ${new Date().toISOString().slice(0, 10)}.`,
  `Model: bench/mcmc-slow-model.ts, ${sig(modelMs, 3)} ms per evaluation alone; DREAM with 40 chains (pop 10 × 4), ${GENERATIONS} generations. Plot: bench/mcmc-parallel.svg.`,
  "",
  "| workers | evaluations | worker start-up s | sampling s | speedup | efficiency | diagnostics s | plot data and band s (curves) | whole fit() s | fit() speedup |",
  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (r) =>
      `| ${r.workers} | ${r.evals} | ${sig(r.startup)} | ${sig(r.sampling)} | ${sig(r.speedup)} | ${sig(r.efficiency)} | ${sig(r.diagnostics)} | ${sig(r.bands)} (${r.bandDraws}) | ${sig(r.sec)} | ${sig(r.fitSpeedup)} |`,
  ),
  "",
  "Sampling is fit() up to the moment the draws are in; then come the result's statistics and convergence diagnostics, and its plot data and model band (the band's curves on the fit's evaluator, so on its workers), timed within the same run. Speedup and efficiency are those of the sampling, relative to one worker thread (the same evaluator).",
  `For reference, the same fit evaluated serially on the main thread took ${sig(serial.sec)} s: ${sig(serial.sampling)} s sampling and ${sig(serial.bands)} s for the plot data and a band of ${serial.bandDraws} curves${serial.bandDraws < (rows[0]?.bandDraws ?? 0) ? " (fewer than on workers: a band in the calling thread keeps to a time budget)" : ""}.`,
];
const body = lines.join("\n");
console.log(body);
if (write) {
  writeFileSync(`${root}bench/mcmc-parallel.svg`, svg);
  writeSection("## MCMC parallel speedup — `bench/mcmc-parallel.mjs`", body);
}
