#!/usr/bin/env node
// The kernel's type service (kernel/interpreter/type-service/): warm completion latency on a
// notebook of 30 cells that import hpcfit, the `1+1` round trip with type checking on, off, and
// on the kernel without a type service (a snapshot of another build, `--baseline DIST_PARENT`,
// default /work/main), and the memory the service adds. All kernels run in one process, one
// after another, driven by the same jupyter_client bridge. Replaces its section of
// bench/RESULTS.md (`--no-write` only prints). Run after a build: `node bench/typed-kernel.mjs`.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kernelBridge, machine, median, root, writeSection } from "./common.mjs";

const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const baselineRoot = arg("--baseline", "/work/main");
const ROUND_TRIPS = 200;
const COMPLETIONS_PER_KIND = 25;
const VARYING = 100;

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

/**
 * A frozen copy of the baseline's build (its dist/ may be rebuilt while this runs), with the
 * package manifest and dependencies it resolves from.
 */
function snapshotBaseline() {
  if (!existsSync(join(baselineRoot, "dist", "cli", "main.js"))) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "hpcfit-bench-baseline-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(baselineRoot, "dist"), join(dir, "dist"), { recursive: true });
  cpSync(join(baselineRoot, "package.json"), join(dir, "package.json"));
  // The kernelspec's logos.
  cpSync(join(baselineRoot, "kernel", "logos"), join(dir, "kernel", "logos"), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
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
  { kind: "members of a user's curve (`curve7.`)", code: "curve7." },
  { kind: "notebook names (`mod`)", code: "mod" },
];

async function runKernel(label, kernelDirs, mode, withCompletion) {
  const b = kernelBridge();
  const dataDir = mkdtempSync(join(tmpdir(), "hpcfit-bench-data-"));
  try {
    await b.call("start", { kernel_name: "hpcfit", kernel_dirs: [kernelDirs], env: { HPCFIT_DATA_DIR: dataDir }, cwd: root });
    if (mode) await b.call("execute", { code: `%typecheck ${mode}` });
    for (const code of notebookCells()) {
      const r = await b.call("execute", { code });
      if (r.reply.content.status !== "ok") throw new Error(`${label}: cell failed: ${JSON.stringify(r.reply.content)}`);
    }
    // Let the type service finish the notebook's cells before memory is read.
    await new Promise((r) => setTimeout(r, 3000));
    const rssKb = (await b.call("memory")).rss_kb;
    const rtt = (await b.call("bench_execute", { code: "1+1", n: ROUND_TRIPS, warmup: 20 })).times_ms;
    // The same text again is answered from the language service's cache; a new text each time is not.
    const varying = [];
    for (let i = 0; i < VARYING; i++) {
      const t0 = performance.now();
      await b.call("execute", { code: `${i}+1` });
      varying.push(performance.now() - t0);
    }
    const completion = {};
    let typed = 0;
    if (withCompletion) {
      for (const q of QUERIES) completion[q.kind] = [];
      for (const q of QUERIES)
        await b.call("request", { msg_type: "complete_request", content: { code: q.code, cursor_pos: q.code.length } });
      for (let i = 0; i < COMPLETIONS_PER_KIND; i++) {
        for (const q of QUERIES) {
          const t0 = performance.now();
          const r = await b.call("request", {
            msg_type: "complete_request",
            content: { code: q.code, cursor_pos: q.code.length },
          });
          completion[q.kind].push(performance.now() - t0);
          if (r.reply.content.metadata._jupyter_types_experimental?.some((e) => e.signature)) typed++;
        }
      }
    }
    await b.call("shutdown");
    return { label, rssKb, rtt, varying, completion, typed };
  } finally {
    b.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const here = install(root);
const baseline = snapshotBaseline();
const runs = [];
if (baseline) runs.push(await runKernel(`without type service (build of ${baselineRoot})`, install(baseline), undefined, false));
runs.push(await runKernel("type service, `%typecheck off`", here, "off", false));
runs.push(await runKernel("type service, `%typecheck warn` (default)", here, "warn", true));

const withTypes = runs.at(-1);
const reference = runs[0];
const rttRows = runs.map(
  (r) =>
    `| ${r.label} | ${median(r.rtt).toFixed(2)} (p90 ${pct(r.rtt, 0.9).toFixed(2)}) | ${(median(r.rtt) / median(reference.rtt)).toFixed(2)} | ` +
    `${median(r.varying).toFixed(2)} (p90 ${pct(r.varying, 0.9).toFixed(2)}) | ${(median(r.varying) / median(reference.varying)).toFixed(2)} | ${(r.rssKb / 1024).toFixed(1)} |`,
);
const all = Object.values(withTypes.completion).flat();
const completionRows = Object.entries(withTypes.completion).map(
  ([kind, xs]) => `| ${kind} | ${median(xs).toFixed(1)} | ${pct(xs, 0.9).toFixed(1)} |`,
);
const heading = "## Kernel type service: completion latency, round trip, memory (bench/typed-kernel.mjs)";
const section = `${new Date().toISOString()} — ${machine()}.
Notebook: 30 cells (an \`import\` of hpcfit, 28 cells of data, models, interfaces and curves, a fit), executed in
order, then ${ROUND_TRIPS} \`1+1\` round trips (execute_request to reply and idle, after 20 warm-up; the same text is
checked once and then answered from the language service's cache), ${VARYING} cells \`0+1\`, \`1+1\`, … (each a new text,
so each is checked: the reply waits for its warnings), then ${COMPLETIONS_PER_KIND}
complete_requests of each kind below, interleaved, after one warm-up each (time from the bridge's send to the
reply, jupyter_client included). RSS read 3 s after the last cell. The kernels run one after another in one run.

| kernel | \`1+1\` round trip ms, median | ratio to the first row | \`i+1\`, a new cell text each time, ms (from Node, through the bridge) | ratio | RSS MiB after the notebook |
| --- | --- | --- | --- | --- | --- |
${rttRows.join("\n")}

A cell starts at once in every mode (the check runs in the type service's thread); in \`warn\` mode its reply waits
for the check's warnings (so that they land in the cell: a frontend drops outputs that come after the reply), which
is what a new cell text costs: one program update and a check of that cell in the worker.

Memory added by the type service (its worker thread, TypeScript, lib, Node's and hpcfit's declarations, the
notebook's program): ${((withTypes.rssKb - reference.rssKb) / 1024).toFixed(1)} MiB.

| warm completion, 30-cell notebook | median ms | p90 ms |
| --- | --- | --- |
${completionRows.join("\n")}
| **all kinds** (target <= 100 ms median) | **${median(all).toFixed(1)}** | ${pct(all, 0.9).toFixed(1)} |

${withTypes.typed} of ${all.length} replies carried typed entries (with signatures).
`;
process.stdout.write(`${heading}\n\n${section}`);
if (!process.argv.includes("--no-write")) writeSection(heading, section);
