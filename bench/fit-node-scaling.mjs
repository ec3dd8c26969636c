#!/usr/bin/env node
// %%fit spread over the nodes of a Slurm cluster: scaling curves of DREAM (64 chains) and SMC
// (2,000 particles) with W = 1, 2, 4, ..., 128 evaluation workers, each run a real %%fit job on a
// private 4-node test cluster (4 × 8 CPUs declared; --overcommit above 32 workers). The model
// emulates a 5 ms evaluation that uses no CPU (Atomics.wait on a shared buffer), so 128 workers
// fit on a small machine and what the curves show is hpcfit's own overhead: scatter, gather, the
// sampler's own work, the machine's scheduling. Time = the sampler's time inside fit() (no job
// start-up, and neither the model band fit() evaluates after the sampler nor the result's statistics and
// diagnostics built after the last generation, both shown apart). Efficiency = (evaluations × 5 ms / W) / time; the per-round overhead is what a round
// (one population evaluated: a DREAM generation, an SMC move) takes beyond its share of model time.
// Also the RSS of the worker processes. Run after the build, as root:
//   node bench/fit-node-scaling.mjs [--workers=1,2,4,...] [--write]
// `--write` replaces its section of RESULTS.md and writes bench/fit-node-scaling.svg.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { cluster, machine, ROOT, scratch } from "./slurm-common.mjs";
import { writeSection } from "./common.mjs";
import { svgFrame, svgPath } from "./svg-plot.mjs";
import { splitBounds } from "./fit-split-bound.mjs";

const write = process.argv.includes("--write");
const workersArg = process.argv.find((a) => a.startsWith("--workers="));
const WORKERS = workersArg ? workersArg.slice(10).split(",").map(Number) : [1, 2, 4, 8, 16, 32, 64, 128];
const methodsArg = process.argv.find((a) => a.startsWith("--methods="));
const METHODS = methodsArg ? methodsArg.slice(10).split(",") : ["dream", "smc"];
const MODEL_MS = 5;
const NODES = 4,
  CPUS = 8;

const tmp = scratch("fit-nodes");
const c = await cluster({ nodes: NODES, cpusPerNode: CPUS });
process.env.HPCFIT_JOBS_BACKEND = "slurm";
process.env.HPCFIT_DATA_DIR = join(tmp, "data");
process.chdir(tmp);
const { prepareFitJob, submitFitJob } = await import(join(ROOT, "dist/fit-jobs/fit-job.js"));
const { parseFitLine } = await import(join(ROOT, "dist/fit-jobs/options.js"));
const { readProgress, roundsText } = await import(join(ROOT, "dist/fit-jobs/progress.js"));

/** y = a·x + b through ten points; each evaluation sleeps MODEL_MS without using a CPU. */
const MODEL = [
  `import { Curve, FitProblem } from "hpcfit";`,
  `const nap = new Int32Array(new SharedArrayBuffer(4));`,
  `const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];`,
  `const ys = xs.map((x, i) => 2 * x + 1 + 0.2 * Math.sin(5 * i));`,
  `const M = new Curve((x: number, a = 1, b = 0) => { if (x === 0) Atomics.wait(nap, 0, 0, ${MODEL_MS}); return a * x + b; }, xs, ys, 0.2);`,
  `M.a.range(-10, 10); M.b.range(-10, 10);`,
  `export const problem = new FitProblem(M);`,
].join("\n");
/** The fits' model file, for the floor that runs its nllf. */
const FLOOR_MODEL = join(tmp, "floor-model.ts");
writeFileSync(FLOOR_MODEL, MODEL);

// DREAM: 2 parameters × pop 32 = 64 chains, 30 burn-in + 120 kept generations. SMC: 2,000
// particles, 2 moves per stage (fewer evaluations than the default 5, so the one-worker run
// stays within minutes; the rounds are as large).
const FITS = {
  dream: "--fit=dream --pop=32 --samples=7680 --burn=30 --seed=1",
  smc: "--fit=smc --particles=2000 --moves=2 --seed=1",
};

/**
 * A target is met when both efficiencies reach it: against 5 ms per evaluation (which counts the
 * points SMC's prior refuses without a model call as if they cost 5 ms, flattering it) and against
 * the serial run (which cancels that and the model's oversleeping).
 */
function verdictOf(vs5ms, vsSerial) {
  if (vs5ms && vsSerial) return "met";
  if (vs5ms) return "**not met** against the serial run (met against 5 ms only)";
  return vsSerial ? "met against the serial run only" : "**not met**";
}

/**
 * The efficiencies run `r` could reach at best on this machine if hpcfit's evaluator and worker
 * cost nothing: each round as long as the floor with the model's nllf in its threads (the same
 * points per round through bare ZeroMQ, run right after the fit), plus the sampler's own work
 * between rounds as the driver measured it. Against 5 ms, and against `serial` (the W = 1 run).
 */
function ceilingOf(r, serial) {
  if (r.modelFloorMsPerRound === null || r.roundTimes === null) return undefined;
  const seconds = (r.rounds * (r.modelFloorMsPerRound + r.roundTimes.betweenMs)) / 1000;
  return {
    vs5ms: (r.evaluations * MODEL_MS) / 1000 / r.workers / seconds,
    vsSerial: serial === undefined ? null : serial.seconds / (r.workers * seconds),
  };
}

/** `v` to `d` decimals, or "–" when there is none. */
const f = (v, d) => (v === null || v === undefined ? "–" : v.toFixed(d));

/** RSS (MiB) of the job's worker processes (their pids from the progress file), read while they run. */
function workerRss(workers) {
  const rss = [];
  for (const { pid } of workers) {
    try {
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      if (kb !== undefined) rss.push(Number(kb) / 1024);
    } catch {
      // A worker that ended meanwhile has no status.
    }
  }
  return rss;
}

async function runJob(method, w) {
  const nodes = Math.min(NODES, w);
  const over = w > NODES * CPUS ? ` --sbatch="--overcommit"` : "";
  const line = `${FITS[method]} --nodes=${nodes} --ntasks=${w} --time=30 --job-name=${method}-w${w}${over}`;
  const prepared = await prepareFitJob(parseFitLine(line), MODEL, {});
  const job = await submitFitJob(prepared.dir);
  let rss = [];
  // While the fit runs the bench reads the progress file and the workers' /proc status, and asks
  // Slurm only every few seconds (a job that died without a word): a squeue or ps every few
  // hundred milliseconds costs CPU that this one machine shares with the nodes' workers, which a
  // login node polling a real cluster would not take from them.
  for (let polls = 1; ; polls++) {
    const p = readProgress(prepared.dir);
    if (p?.phase === "running" && rss.length === 0 && p.workers.length > 0) rss = workerRss(p.workers);
    if (p?.phase === "done" || p?.phase === "failed") break;
    if (polls % 20 === 0 && (await job.job.refresh()).done) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  const result = await job.wait({ pollMs: 300 });
  const p = readProgress(prepared.dir);
  const nodeNames = new Set((p.workers ?? []).map((x) => x.node));
  const evaluations = result.samples.evaluations;
  const rounds = method === "dream" ? result.samples.generations + 1 : Math.round(evaluations / 2000);
  // The band is fit()'s work after the sampler ended (its draws' curves, on the same workers): its
  // own column, so that it neither hides in nor inflates the sampler's efficiency.
  const bandSeconds = p.bandSeconds ?? 0;
  // So is the result's build after the last generation (the draws' statistics and diagnostics, the
  // model at the best draw): fixed work, the same at every W, that is no part of the sampling.
  const summarySeconds = p.summarySeconds ?? 0;
  const seconds = p.fitSeconds - bandSeconds - summarySeconds;
  const ideal = (evaluations * MODEL_MS) / 1000 / w;
  // The points that reached the workers (the driver refuses the others by the prior), from the job's log.
  const out = readdirSync(prepared.dir)
    .filter((f) => /^job-\d+\.out$/.test(f))
    .map((f) => readFileSync(join(prepared.dir, f), "utf8"))
    .join("");
  const workerPoints = w > 1 ? Number(/(\d+) points evaluated by the workers/.exec(out)?.[1] ?? evaluations) : null;
  return {
    method,
    workers: w,
    connected: p.workers.reduce((n, x) => n + (x.threads ?? 1), 0) || 1,
    processes: p.workers.length || 1,
    nodes: nodeNames.size || 1,
    seconds,
    bandSeconds,
    summarySeconds,
    bandDraws: result.models[0]?.curve?.bands?.draws ?? 0,
    evaluations,
    rounds,
    efficiency: ideal / seconds,
    overheadMs: (1000 * (seconds - ideal)) / rounds,
    rssMiB: rss.length ? rss.reduce((a, b) => a + b, 0) / rss.length : null,
    msPerRound: (1000 * seconds) / rounds,
    workerPoints,
    // The driver's own account of its rounds (progress.json): the last worker's time, the
    // transport, the sampler's work between rounds.
    roundTimes: p.rounds ?? null,
    floorMsPerRound: w > 1 ? floor(Math.round(workerPoints / rounds), w, method, nodes) : null,
    modelFloorMsPerRound: w > 1 ? floor(Math.round(workerPoints / rounds), w, method, nodes, FLOOR_MODEL) : null,
    processFloorMsPerRound: w > 1 ? floor(Math.round(workerPoints / rounds), w, method) : null,
  };
}

/**
 * Rounds of `points` points (those the fit's workers got per round) through bare ZeroMQ workers
 * around the same 5 ms sleep, measured right after the fit (bench/fit-zmq-floor.mjs), without
 * hpcfit: with `agents`, W threads in that many processes exchanging one message each way per
 * round (what hpcfit runs: one worker process per node); without, W processes (one per task).
 * With `model` (and `agents`), each point is that model file's nllf, its sleep included, instead
 * of the bare sleep.
 */
function floor(points, w, method, agents, model) {
  const rounds = method === "dream" ? 40 : w <= 4 ? 5 : 10;
  const design = [...(agents === undefined ? [] : [`--agents=${agents}`]), ...(model === undefined ? [] : [`--model=${model}`])];
  // The zeromq addon aborts now and then when 128 sockets open or close at once on a loaded machine:
  // such a floor run is tried again, and after three failures its column says so rather than the bench dying.
  for (let attempt = 1; attempt <= FLOOR_ATTEMPTS; attempt++) {
    try {
      const out = execFileSync(
        process.execPath,
        [join(ROOT, "bench", "fit-zmq-floor.mjs"), String(w), String(points), String(rounds), ...design, "--json"],
        // A floor run that hangs (a worker lost before its hello) fails instead of holding the bench.
        { encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "ignore"] },
      );
      return JSON.parse(out.trim().split("\n").at(-1)).msPerRound;
    } catch (e) {
      console.error(
        `floor of ${w} workers${agents ? ` in ${agents} processes` : ""}${model ? " with the model" : ""}, attempt ${attempt}: ${e.message.split("\n")[0]}`,
      );
    }
  }
  return null;
}

/** Floor runs tried before a floor column is left empty. */
const FLOOR_ATTEMPTS = 3;

// A bench stopped early still stops its cluster.
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => void c.stop().finally(() => process.exit(130)));

const rows = [];
const loads = [];
try {
  for (const method of METHODS) {
    for (const w of WORKERS) {
      loads.push(loadavg()[0]);
      const r = await runJob(method, w);
      rows.push(r);
      console.log(
        `${method} W=${w}: ${r.seconds.toFixed(2)} s (+ band ${r.bandSeconds.toFixed(2)} s, + summary ${r.summarySeconds.toFixed(3)} s), ${r.evaluations} evaluations in ${r.rounds} rounds, efficiency ${r.efficiency.toFixed(3)}, overhead ${r.overheadMs.toFixed(2)} ms/round, ${r.msPerRound.toFixed(2)} ms/round (bare ZeroMQ floor, one process per node ${f(r.floorMsPerRound, 2)}, with the model's nllf ${f(r.modelFloorMsPerRound, 2)}, one per worker ${f(r.processFloorMsPerRound, 2)}), ${r.connected} workers in ${r.processes} processes on ${r.nodes} nodes${r.rssMiB ? `, worker RSS ${r.rssMiB.toFixed(0)} MiB` : ""}${r.roundTimes ? `; rounds by the driver: ${roundsText(r.roundTimes)}` : ""}, load ${loadavg()[0].toFixed(1)}`,
      );
    }
  }
} finally {
  await c.stop();
}
// Against the serial run (W = 1) of the same sampler: the model's own oversleeping cancels out,
// leaving what spreading costs.
for (const r of rows) {
  const serial = rows.find((s) => s.method === r.method && s.workers === 1);
  r.speedup = serial ? serial.seconds / r.seconds : null;
  r.relEfficiency = serial ? serial.seconds / (r.workers * r.seconds) : null;
  r.relOverheadMs = serial ? (1000 * (r.seconds - serial.seconds / r.workers)) / r.rounds : null;
}
console.log(JSON.stringify(rows));
// What the split allows at best for SMC, counted in model calls (bench/fit-split-bound.mjs).
const bounds = METHODS.includes("smc") ? await splitBounds(WORKERS.filter((w) => w > 1)) : [];
console.log(JSON.stringify(bounds));

if (write) {
  // Efficiency against workers (log2 axis), one line per sampler, with the targets.
  const box = { width: 520, height: 320, left: 50, right: 20, top: 30, bottom: 44 };
  const { width: Wd, height: H, left: L, right: R, top: T, bottom: B } = box;
  const maxLog = Math.log2(Math.max(...WORKERS));
  const px = (w) => L + (Math.log2(w) / Math.max(1, maxLog)) * (Wd - L - R);
  const py = (e) => H - B - (Math.max(0, Math.min(1.05, e)) / 1.05) * (H - T - B);
  const colour = { dream: "#1f77b4", smc: "#d62728" };
  const targets = [
    ["dream", 16, 0.9],
    ["dream", 32, 0.85],
    ["smc", 64, 0.9],
    ["smc", 128, 0.9],
  ];
  const svg = `${svgFrame(box, { title: `%%fit over ${NODES} Slurm nodes: efficiency, ${MODEL_MS} ms model (no CPU)`, xLabel: "evaluation workers" })}
${WORKERS.map((w) => `<text x="${px(w)}" y="${H - B + 16}" text-anchor="middle">${w}</text>`).join("")}
${[0, 0.25, 0.5, 0.75, 1].map((e) => `<text x="${L - 6}" y="${py(e) + 4}" text-anchor="end">${e}</text><line x1="${L}" y1="${py(e)}" x2="${Wd - R}" y2="${py(e)}" stroke="#eee"/>`).join("")}
<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">efficiency</text>
${METHODS.map(
  (
    m,
  ) => `<path d="${svgPath(rows.filter((r) => r.method === m).map((r) => [px(r.workers), py(r.efficiency)]))}" stroke="${colour[m]}" stroke-width="2" fill="none"/>
${rows
  .filter((r) => r.method === m)
  .map((r) => `<circle cx="${px(r.workers)}" cy="${py(r.efficiency)}" r="3.5" fill="${colour[m]}"/>`)
  .join("")}
<path d="${svgPath(rows.filter((r) => r.method === m && r.relEfficiency !== null).map((r) => [px(r.workers), py(r.relEfficiency)]))}" stroke="${colour[m]}" stroke-width="1.5" stroke-dasharray="5 3" fill="none"/>`,
).join("\n")}
${targets
  .filter(([m, w]) => METHODS.includes(m) && WORKERS.includes(w))
  .map(
    ([m, w, e]) =>
      `<path d="M${px(w) - 6},${py(e)} L${px(w) + 6},${py(e)}" stroke="${colour[m]}" stroke-width="2" stroke-dasharray="2 2"/>`,
  )
  .join("\n")}
<text x="${L + 10}" y="${H - B - 30}" fill="${colour.dream}">DREAM, 64 chains</text>
<text x="${L + 10}" y="${H - B - 14}" fill="${colour.smc}">SMC, 2,000 particles</text>
</svg>
`;
  writeFileSync(join(ROOT, "bench", "fit-node-scaling.svg"), svg);
  const table = rows.map(
    (r) =>
      `| ${r.method} | ${r.workers} | ${r.connected} / ${r.processes} / ${r.nodes} | ${r.seconds.toFixed(2)} | ${r.bandSeconds.toFixed(2)} | ${r.summarySeconds.toFixed(3)} | ${r.evaluations} / ${r.rounds} | **${r.efficiency.toFixed(3)}** | ${r.overheadMs.toFixed(2)} | ${f(r.speedup, 1)} | ${f(r.relEfficiency, 3)} | ${f(r.relOverheadMs, 2)} | ${r.workerPoints === null ? "–" : (r.workerPoints / r.rounds).toFixed(0)} | ${r.msPerRound.toFixed(2)} | ${f(r.floorMsPerRound, 2)} | ${f(r.modelFloorMsPerRound, 2)} | ${f(r.processFloorMsPerRound, 2)} | ${r.rssMiB === null ? "–" : r.rssMiB.toFixed(0)} |`,
  );
  const split = rows
    .filter((r) => r.roundTimes !== null)
    .map((r) => {
      const t = r.roundTimes;
      // Each thread's share of a round's points (over the rounds the driver counted), at 5 ms each:
      // what the last worker could not do faster.
      const modelMs = ((r.workerPoints / t.rounds) * MODEL_MS) / r.workers;
      return `| ${r.method} | ${r.workers} | ${t.rounds} | ${t.roundMs.toFixed(2)} | ${t.workerMs.toFixed(2)} | ${modelMs.toFixed(2)} | ${(t.workerMs - modelMs).toFixed(2)} | ${t.transportMs.toFixed(2)} | ${t.betweenMs.toFixed(2)} |`;
    });
  const at = (m, w) => rows.find((r) => r.method === m && r.workers === w);
  const verdict = targets
    .filter(([m, w]) => at(m, w))
    .map(([m, w, e]) => {
      const r = at(m, w);
      const ceiling = ceilingOf(r, at(m, 1));
      const allows =
        ceiling === undefined
          ? ""
          : `; the floor with the model's nllf, plus the sampler's own work between rounds, allows ${f(ceiling.vs5ms, 3)} vs 5 ms, ${f(ceiling.vsSerial, 3)} vs serial`;
      return `${m} W=${w}: ${r.efficiency.toFixed(3)} vs 5 ms, ${f(r.relEfficiency, 3)} vs serial (target ≥ ${e}: ${verdictOf(r.efficiency >= e, r.relEfficiency >= e)}${allows})`;
    })
    .join("; ");
  writeSection(
    "## %%fit over nodes: DREAM and SMC scaling curves (bench/fit-node-scaling.mjs)",
    [
      `Machine: ${machine()}. 1-min load average before the runs: ${loads.map((l) => l.toFixed(1)).join(", ")}. ${new Date().toISOString().slice(0, 10)}, one run.`,
      `Private Slurm 22.05 test cluster: ${NODES} nodes × ${CPUS} CPUs declared, all on this machine; each W is one %%fit job with --nodes=min(4, W) --ntasks=W (one srun step per node; --overcommit above ${NODES * CPUS}). W = 1 is the serial driver (no workers). The W workers are threads of one worker process per node (the node's share of the tasks).`,
      `Model: y = a·x + b whose every evaluation sleeps ${MODEL_MS} ms in Atomics.wait (no CPU). DREAM: 64 chains (pop 32 × 2 parameters), 30 + 120 generations, seed 1. SMC: 2,000 particles, 2 moves per stage, seed 1.`,
      `Time = the sampler's time inside fit(); the model band fit() evaluates after the sampler (the curves of ${rows[0]?.bandDraws ?? 0} posterior draws, on the same workers when there are) is its own column, not in the time; so is the summary, the result's build after the last generation (the draws' statistics and convergence diagnostics, the model at the best draw: fixed work, the same at every W). Efficiency vs 5 ms = (evaluations × ${MODEL_MS} ms / W) / time, so the model's own oversleeping (Atomics.wait wakes late on a loaded machine: see the serial row) counts against it. Efficiency vs serial = T(1) / (W · T(W)) with T(1) the serial run of the same sampler, where that oversleeping cancels. Overheads = (time − the model's share) / rounds, a round being one population evaluated (a DREAM generation, an SMC move). Points to workers = the points per round that reached the workers: the driver decides the points the prior refuses (SMC's proposals outside the box) without a model call and splits only the others. Bare ZeroMQ = rounds of that many points through bare ZeroMQ workers around the same 5 ms sleep, without hpcfit or Slurm (bench/fit-zmq-floor.mjs), measured right after each fit: what this machine charges for the exchange and the wake-ups; first as hpcfit runs them (W threads in one process per node, min(4, W) processes, one slice per process split over its threads), then with the model's nllf (the fits' model file, loaded in each thread through hpcfit's loader before its process says hello; each point its nllf at the start values, the 5 ms sleep inside: the code every thread of a round runs, without hpcfit's sampler, evaluator or worker), then W processes of one worker each (the design before). RSS = mean resident memory of one worker process (one per node, its threads included: VmRSS of the pids the progress file lists, read once the fit runs). While a fit runs the bench reads only its progress file, and asks Slurm every 6 s. Plot (solid: vs 5 ms; dashed: vs serial): bench/fit-node-scaling.svg.`,
      "",
      "| sampler | W | workers / processes / nodes | seconds | band seconds | summary seconds | evaluations / rounds | efficiency vs 5 ms | overhead ms / round vs 5 ms | speedup vs serial | efficiency vs serial | overhead ms / round vs serial | points to workers / round | ms / round | bare ZeroMQ ms / round, one process per node | the same with the model's nllf | bare ZeroMQ ms / round, one process per worker | worker process RSS MiB |",
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
      ...table,
      "",
      `Targets: ${verdict}.`,
      ...(split.length
        ? [
            "",
            "Where a round's time goes, by the driver's own account (progress.json's `rounds`, means over the rounds of nllf values, not the band's): a round runs from the scatter to the last result; the last worker to answer says how long the slice took it (from receiving it to sending the values: waking its threads, the model, gathering them), the rest is transport (the messages' way both ways through ZeroMQ, the wake-ups on both sides); between rounds the sampler does its own work (proposals, acceptance, its bookkeeping). Model = each thread's share of a round's points × 5 ms, so the worker's excess over it is the threads' waking, the sleeps' oversleeping and the gathering.",
            "",
            "| sampler | W | rounds | ms / round | last worker ms | of which model | worker excess | transport ms | sampler ms between rounds |",
            "|---|---|---|---|---|---|---|---|---|",
            ...split,
          ]
        : []),
      ...(bounds.length
        ? [
            "",
            `What the split allows SMC at best, counted in model calls, not timed (bench/fit-split-bound.mjs: the same SMC run serially; per round the slowest worker's model calls; ${bounds[0].modelCalls} of ${bounds[0].points} points need the model, the prior refuses the others), efficiency against the serial run with no other overhead:`,
            "",
            `| W | ${bounds.map((b) => b.workers).join(" | ")} |`,
            `|---|${bounds.map(() => "---").join("|")}|`,
            `| static slices of all points (refused ones included) | ${bounds.map((b) => b.staticBound.toFixed(3)).join(" | ")} |`,
            `| even slices of the points that need the model (this evaluator) | ${bounds.map((b) => b.evenBound.toFixed(3)).join(" | ")} |`,
          ]
        : []),
    ].join("\n"),
  );
}
