#!/usr/bin/env node
// The kernel's type service (kernel/interpreter/type-service/): warm completion latency on a
// notebook of 30 cells that import hpcfit, the `1+1` round trip with type checking on, off, and
// on a kernel without a type service, and the memory the service adds and where it goes. The
// kernel without a type service is a build of the last commit before the service came
// (`--baseline-commit SHA` to name another): its sources are taken with `git archive` into
// /tmp/hpcfit-bench-baseline-<sha>/, with this repository's node_modules linked in, and built
// there once (later runs reuse that build; delete the folder to rebuild it). All kernels run in
// one process, one after another, driven by the same jupyter_client bridge. Replaces its section
// of bench/RESULTS.md (`--no-write` only prints). Run after a build: `node bench/typed-kernel.mjs`.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kernelBridge, machine, median, root, writeSection } from "./common.mjs";

const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const ROUND_TRIPS = 200;
const COMPLETIONS_PER_KIND = 25;
const VARYING = 100;
const BLOCKS = 10;

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

/** Installs the kernelspec of the package at `packageDir` into a temp prefix; returns the kernels dir. */
function install(packageDir) {
  const prefix = mkdtempSync(join(tmpdir(), "hpcfit-bench-typed-"));
  process.on("exit", () => rmSync(prefix, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, [join(packageDir, "dist", "cli", "main.js"), "install", "--prefix", prefix], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`install from ${packageDir} failed (build first): ${r.stderr}`);
  return join(prefix, "share", "jupyter", "kernels");
}

const git = (...args) => execFileSync("git", ["-C", root, ...args], { encoding: "utf8" }).trim();

/**
 * The last commit before the type service: the first parent of the commit that brought
 * kernel/interpreter/type-service/ into this branch's first-parent history (a merge).
 */
function commitBeforeTypeService() {
  const added = git(
    "log",
    "--first-parent",
    "--format=%H",
    "--diff-filter=A",
    "--",
    "kernel/interpreter/type-service/type-service.ts",
  )
    .split("\n")
    .at(-1);
  if (!added) throw new Error("no commit adds kernel/interpreter/type-service/type-service.ts: name one with --baseline-commit");
  return git("rev-parse", `${added}^1`);
}

/** The package built from `commit` in its own folder under /tmp (built once, then reused). */
function baselineBuild(commit) {
  const dir = join(tmpdir(), `hpcfit-bench-baseline-${commit.slice(0, 12)}`);
  const modules = join(dir, "node_modules");
  if (existsSync(join(dir, "dist", "cli", "main.js"))) {
    // A build left by another checkout links that checkout's node_modules, which may be gone.
    if (readlinkSync(modules) !== join(root, "node_modules")) {
      rmSync(modules);
      symlinkSync(join(root, "node_modules"), modules);
    }
    return dir;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`building ${commit.slice(0, 12)} (no type service) in ${dir} …\n`);
  const archive = spawnSync("git", ["-C", root, "archive", "--format=tar", commit], { maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${commit} failed: ${archive.stderr}`);
  execFileSync("tar", ["-x", "-C", dir], { input: archive.stdout });
  symlinkSync(join(root, "node_modules"), modules);
  const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], {
    cwd: dir,
    encoding: "utf8",
  });
  if (tsc.status !== 0 || !existsSync(join(dir, "dist", "cli", "main.js"))) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`building ${commit} failed: ${tsc.stdout}${tsc.stderr}`);
  }
  return dir;
}

/** The notebook: one import cell, 28 cells of data, models, interfaces and curves, one fit. */
function notebookCells() {
  const cells = ['import { fit, FitProblem, Curve } from "hpcfit";'];
  for (let i = 2; i <= 29; i++) {
    const kind = i % 4;
    if (kind === 0) cells.push(`const x${i} = Array.from({ length: 20 }, (_, j) => j + ${i});`);
    else if (kind === 1) cells.push(`function model${i}(x: number, a = 1, b = 0): number {\n  return a * x + b * ${i};\n}`);
    else if (kind === 2)
      cells.push(
        `interface Row${i} {\n  id: number;\n  value: number;\n  label: string;\n}\nconst rows${i}: Row${i}[] = [{ id: ${i}, value: ${i} / 2, label: "r${i}" }];`,
      );
    else
      cells.push(
        `const xs${i} = [1, 2, 3, 4, 5];\nconst curve${i} = new Curve((x: number, a = 1, b = 0) => a * x + b, xs${i}, xs${i}.map((v) => 2 * v + 1), xs${i}.map(() => 0.1));`,
      );
  }
  cells.push(
    "curve3.a.range(0, 5); curve3.b.range(-5, 5);\nconst problem = new FitProblem(curve3);\nconst result = await fit(problem);\nresult.converged",
  );
  return cells;
}

const QUERIES = [
  { kind: "members of a fit result (`result.`)", code: "result." },
  { kind: "fit option keys (`fit(problem, { `)", code: "await fit(problem, { " },
  { kind: 'dream\'s option keys (`fit(problem, { method: "dream", sa`)', code: 'await fit(problem, { method: "dream", sa' },
  { kind: "members of a user's curve (`curve7.`)", code: "curve7." },
  { kind: "notebook names (`mod`)", code: "mod" },
];

/** Starts a kernel and runs the notebook in it; returns its bridge and its RSS after start and after the notebook. */
async function prepareKernel(label, kernelDirs, env) {
  const b = kernelBridge();
  const dataDir = mkdtempSync(join(tmpdir(), "hpcfit-bench-data-"));
  process.on("exit", () => rmSync(dataDir, { recursive: true, force: true }));
  await b.call("start", {
    kernel_name: "hpcfit",
    kernel_dirs: [kernelDirs],
    env: { HPCFIT_DATA_DIR: dataDir, ...env },
    cwd: root,
  });
  await new Promise((r) => setTimeout(r, 1000));
  const startRssKb = (await b.call("memory")).rss_kb;
  for (const code of notebookCells()) {
    const r = await b.call("execute", { code });
    if (r.reply.content.status !== "ok") throw new Error(`${label}: cell failed: ${JSON.stringify(r.reply.content)}`);
  }
  // Let the type service finish the notebook's cells before memory is read.
  await new Promise((r) => setTimeout(r, 3000));
  const rssKb = (await b.call("memory")).rss_kb;
  return { label, b, startRssKb, rssKb, rtt: [], varying: [], completion: {}, typed: 0 };
}

/** One block of round trips on kernel `k`: `1+1` (the same text) and `i+1` (a new text each time). */
async function roundTrips(k, block) {
  k.rtt.push(...(await k.b.call("bench_execute", { code: "1+1", n: ROUND_TRIPS / BLOCKS, warmup: 2 })).times_ms);
  for (let i = 0; i < VARYING / BLOCKS; i++) {
    const t0 = performance.now();
    await k.b.call("execute", { code: `${block * 1000 + i}+1` });
    k.varying.push(performance.now() - t0);
  }
}

async function completions(k) {
  for (const q of QUERIES) k.completion[q.kind] = [];
  for (const q of QUERIES)
    await k.b.call("request", { msg_type: "complete_request", content: { code: q.code, cursor_pos: q.code.length } });
  for (let i = 0; i < COMPLETIONS_PER_KIND; i++) {
    for (const q of QUERIES) {
      const t0 = performance.now();
      const r = await k.b.call("request", { msg_type: "complete_request", content: { code: q.code, cursor_pos: q.code.length } });
      k.completion[q.kind].push(performance.now() - t0);
      if (r.reply.content.metadata._jupyter_types_experimental?.some((e) => e.signature)) k.typed++;
    }
  }
}

/**
 * Where the service's memory goes: a fresh Node process builds the same language service step by
 * step (in its main thread, with the worker's young-generation limit) and reads its RSS and V8
 * heap after each step, after a full GC.
 */
function memorySteps() {
  const service = join(root, "dist", "kernel", "interpreter", "type-service", "notebook-language-service.js");
  const script = `
const mb = (b) => b / 2 ** 20;
const read = (step) => { globalThis.gc(); const m = process.memoryUsage(); return { step, rss: mb(m.rss), heap: mb(m.heapUsed) }; };
const steps = [read("bare Node")];
const { NotebookLanguageService } = await import(${JSON.stringify(service)});
steps.push(read("+ typescript module loaded"));
const s = new NotebookLanguageService(${JSON.stringify(tmpdir())});
s.warmUp();
steps.push(read("+ program of lib (es2023) and @types/node"));
s.project.commit('import { fit, FitProblem, Curve } from "hpcfit";');
s.diagnose("fit");
steps.push(read("+ hpcfit's declarations (dist/index.d.ts and what it imports)"));
const program = s["service"].getProgram();
const files = program.getSourceFiles();
const count = (re) => files.filter((f) => re.test(f.fileName)).length;
const size = (re) => files.filter((f) => re.test(f.fileName)).reduce((n, f) => n + f.text.length, 0) / 1024;
const groups = { lib: /\\/typescript\\/lib\\//, "@types/node": /@types\\/node\\//, hpcfit: /\\/dist\\//, other: /node_modules\\/(?!typescript\\/lib|@types\\/node)/ };
process.stdout.write(JSON.stringify({ steps, files: Object.fromEntries(Object.entries(groups).map(([k, re]) => [k, { n: count(re), kib: size(re) }])) }));
`;
  const r = spawnSync(process.execPath, ["--expose-gc", "--max-semi-space-size=2", "--input-type=module", "-e", script], {
    encoding: "utf8",
    cwd: root,
  });
  if (r.status !== 0) throw new Error(`memory steps failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * What the remembered option keys save, in a fresh Node process over the same notebook (each
 * cell checked, then added, as the kernel's type thread does): the first completion of fit's
 * keys when nothing was computed ahead (the type checker builds fit's option type), the same
 * keys in another cell text (remembered), the warm-up the kernel runs after a cell imports hpcfit, and the
 * first completions of keys after it. Wall-clock ms of one run each.
 */
function firstCompletions() {
  const service = join(root, "dist", "kernel", "interpreter", "type-service", "notebook-language-service.js");
  const script = `
const { NotebookLanguageService } = await import(${JSON.stringify(service)});
const cells = ${JSON.stringify(notebookCells())};
const ready = () => { const s = new NotebookLanguageService(${JSON.stringify(tmpdir())}); s.warmUp(); for (const c of cells) { s.diagnose(c); s.project.commit(c); } return s; };
const time = (f) => { const t0 = performance.now(); const r = f(); if (r && r.items?.length === 0) throw new Error("no keys"); return performance.now() - t0; };
const keys = "await fit(problem, { ", again = "const second = await fit(problem, { ", dream = 'await fit(problem, { method: "dream", sa';
const cold = ready();
const out = { cold: time(() => cold.complete(keys, keys.length)), again: time(() => cold.complete(again, again.length)), coldDream: time(() => cold.complete(dream, dream.length)) };
const warm = ready();
out.warmUp = time(() => { const steps = warm.warmFitOptions(); while (!steps.next().done); });
out.warmKeys = time(() => warm.complete(keys, keys.length));
out.warmDream = time(() => warm.complete(dream, dream.length));
process.stdout.write(JSON.stringify(out));
`;
  const r = spawnSync(process.execPath, ["--max-semi-space-size=2", "--input-type=module", "-e", script], {
    encoding: "utf8",
    cwd: root,
  });
  if (r.status !== 0) throw new Error(`first completions failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const here = install(root);
const baselineCommit = arg("--baseline-commit", undefined) ?? commitBeforeTypeService();
const baseline = baselineBuild(baselineCommit);
const baselineSubject = git("log", "-1", "--format=%h %s", baselineCommit);
const runs = [];
runs.push(
  // --preserve-symlinks: the baseline's modules are reached through a symlinked node_modules,
  // where its SIGINT anchor's stat could make a package load twice (fixed since).
  await prepareKernel(`build of ${baselineCommit.slice(0, 9)}, before the type service`, install(baseline), {
    NODE_OPTIONS: "--preserve-symlinks",
  }),
);
runs.push(await prepareKernel("this build, `HPCFIT_TYPECHECK=off` (service never started)", here, { HPCFIT_TYPECHECK: "off" }));
runs.push(await prepareKernel("this build, `warn` (default)", here, {}));
// The kernels take turns, block by block, so that the load of a shared machine falls on all alike.
for (let block = 0; block < BLOCKS; block++) for (const k of runs) await roundTrips(k, block);
await completions(runs.at(-1));
for (const k of runs) {
  await k.b.call("shutdown");
  k.b.close();
}
const steps = memorySteps();
const first = firstCompletions();

const withTypes = runs.at(-1);
const reference = runs[0];
const rttRows = runs.map(
  (r) =>
    `| ${r.label} | ${median(r.rtt).toFixed(2)} (p90 ${pct(r.rtt, 0.9).toFixed(2)}) | ${(median(r.rtt) / median(reference.rtt)).toFixed(2)} | ` +
    `${median(r.varying).toFixed(2)} (p90 ${pct(r.varying, 0.9).toFixed(2)}) | ${(median(r.varying) / median(reference.varying)).toFixed(2)} | ` +
    `${(r.startRssKb / 1024).toFixed(1)} | ${(r.rssKb / 1024).toFixed(1)} |`,
);
const all = Object.values(withTypes.completion).flat();
const completionRows = Object.entries(withTypes.completion).map(
  ([kind, xs]) => `| ${kind} | ${median(xs).toFixed(1)} | ${pct(xs, 0.9).toFixed(1)} |`,
);
const stepRows = steps.steps.map(
  (st, i) =>
    `| ${st.step} | ${st.rss.toFixed(1)} | ${i ? `+${(st.rss - steps.steps[i - 1].rss).toFixed(1)}` : ""} | ${st.heap.toFixed(1)} |`,
);
const fileRows = Object.entries(steps.files).map(([k, f]) => `${k} ${f.n} files, ${f.kib.toFixed(0)} KiB`);
const heading = "## Kernel type service: completion latency, round trip, memory (bench/typed-kernel.mjs)";
const section = `${new Date().toISOString()} — ${machine()}. One run; the machine was shared with other engineers' builds, tests and browsers, so absolute times are noisy (compare rows).
Notebook: 30 cells (an \`import\` of hpcfit, 28 cells of data, models, interfaces and curves, a fit), executed in
order in each kernel; then ${ROUND_TRIPS} \`1+1\` round trips (execute_request to reply and idle) and ${VARYING} cells \`0+1\`, \`1+1\`, …
(a new text each time, so a new check each time) per kernel, in ${BLOCKS} blocks taken by the three kernels in turn (all three
alive, so the machine's load falls on them alike); then, on the last kernel, ${COMPLETIONS_PER_KIND} complete_requests of each kind
below, interleaved, after one warm-up each (time from the bridge's send to the reply, jupyter_client included). RSS read 1 s
after start and 3 s after the last notebook cell.

| kernel | \`1+1\` round trip ms, median | ratio to the first row | \`i+1\`, a new text each time, ms (from Node, through the bridge) | ratio | RSS MiB after start | RSS MiB after the notebook |
| --- | --- | --- | --- | --- | --- | --- |
${rttRows.join("\n")}

A cell starts at once and its reply never waits for the type check: the check runs in the type service's thread and
its warnings go to the cell's output when they are ready (JupyterLab keeps a cell's output area listening after its
reply). The service starts on the first completion, inspection or checked cell, after that cell's reply, so a kernel
that has only started holds none of it.

Memory added by the type service after the notebook: ${((withTypes.rssKb - reference.rssKb) / 1024).toFixed(1)} MiB. Where it goes (a fresh
process building the same service step by step, RSS and V8 heap after a full GC; the worker thread's own isolate adds
a few MiB more):

| step | RSS MiB | added | V8 heap used MiB |
| --- | --- | --- | --- |
${stepRows.join("\n")}

Program files: ${fileRows.join("; ")}. hpcfit's declarations import \`node:\` modules, so @types/node is needed as soon
as a cell imports hpcfit.

| warm completion, 30-cell notebook | median ms | p90 ms |
| --- | --- | --- |
${completionRows.join("\n")}
| **all kinds** (target <= 100 ms median) | **${median(all).toFixed(1)}** | ${pct(all, 0.9).toFixed(1)} |

${withTypes.typed} of ${all.length} replies carried typed entries (with signatures).

Each new text of the edited cell is a new program whose type checker starts empty; option keys of a call are
remembered per function, argument and keys written (with the values of keys like \`method\` that narrow the type), so only
their first completion makes the checker build fit's option type. The kernel computes fit's keys (with no method and
for each method) in its type thread after a cell that imports hpcfit, once the thread has had no request for 2 s. One run
each, wall-clock, in a fresh process over the same notebook:

| fit option keys | ms |
| --- | --- |
| first \`fit(problem, { \`, nothing computed ahead | ${first.cold.toFixed(1)} |
| then \`const second = await fit(problem, { \` (a new program; the keys remembered) | ${first.again.toFixed(1)} |
| first \`method: "dream", sa\` after that (dream's keys not yet remembered) | ${first.coldDream.toFixed(1)} |
| the warm-up after a cell imports hpcfit (two steps, in the type thread) | ${first.warmUp.toFixed(1)} |
| first \`fit(problem, { \` after the warm-up | ${first.warmKeys.toFixed(1)} |
| first \`method: "dream", sa\` after the warm-up | ${first.warmDream.toFixed(1)} |

The kernel without a type service is ${baselineSubject.replace(/\|/g, "\\|")}, built from its own sources (see the script's header).
`;
process.stdout.write(`${heading}\n\n${section}`);
if (!process.argv.includes("--no-write")) writeSection(heading, section);
