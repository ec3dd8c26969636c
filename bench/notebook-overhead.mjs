#!/usr/bin/env node
// Overhead of headless notebook runs: `hpcfit run` on a notebook of 50 trivial cells with
// the hpcfit kernel, against papermill (PyPI) running the same notebook with the Python kernel
// (ipykernel), alternated in one run. Each tool also runs a 1-cell notebook, so the total splits
// into start-up and a per-cell cost. Target: hpcfit's total at most half of papermill's.
//
//   node bench/notebook-overhead.mjs [--write] [--repeats N]
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensurePython, machine, median, pythonVersions, root, sig, venvBin, writeSection } from "./common.mjs";

const args = process.argv.slice(2);
const at = args.indexOf("--repeats");
const repeats = at >= 0 ? Number(args[at + 1]) : 5;
if (!(repeats >= 1)) throw new Error("--repeats takes a positive number");
ensurePython(["papermill", "ipykernel"]);

const dir = mkdtempSync(join(tmpdir(), "hpcfit-bench-nb-"));
function notebook(name, kernel, language, cells) {
  const path = join(dir, name);
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: kernel, display_name: kernel, language } },
    cells: Array.from({ length: cells }, (_, i) => ({
      id: `c${i}`,
      cell_type: "code",
      metadata: {},
      source: `${i} + 1`,
      outputs: [],
      execution_count: null,
    })),
  };
  writeFileSync(path, JSON.stringify(nb));
  return path;
}

const env = { ...process.env, PATH: `${venvBin}:${process.env.PATH}`, JUPYTER_PATH: `${root}.venv/share/jupyter` };
const tools = {
  hpcfit: (input) => ["node", [`${root}dist/cli/main.js`, "run", input, join(dir, "out-hpcfit.ipynb"), "--no-progress"]],
  papermill: (input) => [
    `${venvBin}/papermill`,
    [input, join(dir, "out-papermill.ipynb"), "--no-progress-bar", "--kernel", "python3"],
  ],
};
const inputs = {
  hpcfit: { 1: notebook("one-ts.ipynb", "hpcfit", "typescript", 1), 50: notebook("fifty-ts.ipynb", "hpcfit", "typescript", 50) },
  papermill: { 1: notebook("one-py.ipynb", "python3", "python", 1), 50: notebook("fifty-py.ipynb", "python3", "python", 50) },
};

const times = { hpcfit: { 1: [], 50: [] }, papermill: { 1: [], 50: [] } };
for (let r = 0; r < repeats + 1; r++) {
  for (const size of [1, 50]) {
    for (const tool of ["hpcfit", "papermill"]) {
      const [cmd, argv] = tools[tool](inputs[tool][size]);
      const t0 = performance.now();
      execFileSync(cmd, argv, { env, stdio: "ignore" });
      if (r > 0) times[tool][size].push((performance.now() - t0) / 1000); // the first round warms caches
    }
  }
}

const rows = ["hpcfit", "papermill"].map((tool) => {
  const t1 = median(times[tool][1]);
  const t50 = median(times[tool][50]);
  return { tool, t1, t50, perCell: (t50 - t1) / 49 };
});
const ratio = rows[0].t50 / rows[1].t50;
const lines = [
  `Machine: ${machine({ ...pythonVersions(["papermill", "ipykernel", "jupyter_client"]) })}.`,
  `Medians of ${repeats} runs each (after one warm-up round), alternating the tools; whole process wall time.`,
  "",
  "| tool | 1-cell notebook (s) | 50-cell notebook (s) | per cell (ms) |",
  "| --- | --- | --- | --- |",
  ...rows.map(
    (r) =>
      `| ${r.tool === "hpcfit" ? "hpcfit run (hpcfit kernel)" : "papermill (ipykernel)"} | ${sig(r.t1)} | ${sig(r.t50)} | ${sig(r.perCell * 1000)} |`,
  ),
  "",
  `hpcfit's total for 50 cells is ${sig(ratio, 2)} × papermill's (target: at most 0.5) — ${ratio <= 0.5 ? "met" : "not met"} in this run.`,
];
console.log(lines.join("\n"));
if (args.includes("--write")) writeSection("## Headless notebook runs — `bench/notebook-overhead.mjs`", lines.join("\n"));
