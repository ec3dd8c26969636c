#!/usr/bin/env node
// The kernel's limits beside ipykernel's, in one run, both driven by the same jupyter_client bridge:
// a 50 MB cell (hpcfit refuses cells over HPCFIT_MAX_CELL_BYTES, 5 MiB by default: the time to its
// refusal and the memory it took), the largest cell hpcfit accepts (just under 5 MiB) in both
// kernels, and two output floods (10,000 updates of one display, 10,000 display() calls): what
// arrived and the time to idle. Each big cell runs in a fresh kernel, so that its peak memory is its
// own. Replaces its section of bench/RESULTS.md (`--no-write` only prints).
// Run after a build: `node bench/kernel-limits.mjs`.
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { kernelBridge, machine, pythonVersions, root, writeSection } from "./common.mjs";

const MB = 1_000_000;
const BIG = 50 * MB;
/** Just under hpcfit's default limit of 5 MiB (5,242,880 bytes). */
const LARGEST_ACCEPTED = 5_200_000;
const FLOOD = 10_000;
const CELL_TIMEOUT_S = 600;

/** A list literal of `bytes` bytes (numbers of 12 characters each, give or take the last). */
function numbers(bytes) {
  const item = "0.123456789,";
  return `[${item.repeat(Math.floor((bytes - 40) / item.length))}1]`;
}

const kernels = [
  {
    label: "hpcfit",
    start: (prefix) => ({ kernel_name: "hpcfit", kernel_dirs: [join(prefix, "share", "jupyter", "kernels")] }),
    bigCell: (bytes) => `const big = ${numbers(bytes)};\nbig.length`,
    floodUpdates: `const h = display.markdown("v0");\nfor (let i = 1; i <= ${FLOOD}; i++) h.update("v" + i);\nconsole.log("updated");\n"done"`,
    floodDisplays: `for (let i = 0; i < ${FLOOD}; i++) display.markdown("item " + i);\nconsole.log("shown");\n"done"`,
  },
  {
    label: "ipykernel",
    start: () => ({ kernel_name: "python3" }),
    bigCell: (bytes) => `big = ${numbers(bytes)}\nlen(big)`,
    floodUpdates: `from IPython.display import display, Markdown\nh = display(Markdown("v0"), display_id=True)\nfor i in range(1, ${FLOOD} + 1): h.update(Markdown(f"v{i}"))\nprint("updated")\n"done"`,
    floodDisplays: `from IPython.display import display, Markdown\nfor i in range(${FLOOD}): display(Markdown(f"item {i}"))\nprint("shown")\n"done"`,
  },
];

const prefix = mkdtempSync(join(tmpdir(), "hpcfit-bench-limits-"));
const dataDir = mkdtempSync(join(tmpdir(), "hpcfit-bench-limits-data-"));
const install = spawnSync(process.execPath, [join(root, "dist", "cli", "main.js"), "install", "--prefix", prefix], {
  encoding: "utf8",
});
if (install.status !== 0) throw new Error(`install failed (build first): ${install.stderr}`);
const env = { HPCFIT_DATA_DIR: dataDir };
const loadAtStart = loadavg()[0];

/** Starts a kernel, runs `code` as one cell, and returns its outcome with the kernel's memory; `more` runs after. */
async function inFreshKernel(kernel, code, more = async () => ({})) {
  const b = kernelBridge();
  try {
    await b.call("start", { ...kernel.start(prefix), env, cwd: root });
    await new Promise((r) => setTimeout(r, 1000));
    const before = await b.call("memory");
    const outcome = await b.call("bench_flood", { code, timeout: CELL_TIMEOUT_S, store_history: true });
    const after = await b.call("memory");
    const rest = await more(b);
    await b.call("kill");
    return { ...outcome, rssBeforeKb: before.rss_kb, rssAfterKb: after.rss_kb, peakKb: after.peak_kb, ...rest };
  } finally {
    b.close();
  }
}

const results = {};
for (const kernel of kernels) {
  const r = (results[kernel.label] = {});
  process.stderr.write(`${kernel.label}: largest accepted cell\n`);
  r.accepted = await inFreshKernel(kernel, kernel.bigCell(LARGEST_ACCEPTED));
  process.stderr.write(`${kernel.label}: 50 MB cell, then the floods\n`);
  r.big = await inFreshKernel(kernel, kernel.bigCell(BIG), async (b) => ({
    updates: await b.call("bench_flood", { code: kernel.floodUpdates, timeout: 120 }),
    displays: await b.call("bench_flood", { code: kernel.floodDisplays, timeout: 120 }),
  }));
}
rmSync(prefix, { recursive: true, force: true });
rmSync(dataDir, { recursive: true, force: true });

const mib = (kb) => (kb / 1024).toFixed(0);
const outcome = (o) =>
  o.seconds === null
    ? `no reply within ${CELL_TIMEOUT_S} s`
    : `${o.status}${o.ename ? ` (${o.ename})` : ""} in ${o.seconds.toFixed(1)} s; RSS ${mib(o.rssBeforeKb)} → ${mib(o.rssAfterKb)} MiB, peak ${mib(o.peakKb)} MiB`;
const flood = (f, kind) => {
  const c = f.counts;
  const got = kind === "updates" ? `${c.update_display_data ?? 0} updates` : `${c.display_data ?? 0} of ${FLOOD} displays`;
  return `${got}, ${c.stream ?? 0} stream, ${c.execute_result ?? 0} execute_result; ${f.seconds === null ? "no idle within 120 s" : `idle after ${f.seconds.toFixed(1)} s`}`;
};
const rows = kernels.map(({ label }) => {
  const r = results[label];
  return `| ${label} | ${outcome(r.big)} | ${outcome(r.accepted)} |`;
});
const floodRows = kernels.map(({ label }) => {
  const r = results[label].big;
  return `| ${label} | ${flood(r.updates, "updates")} | ${flood(r.displays, "displays")} |`;
});
const versions = pythonVersions(["ipykernel"]);
const heading = "## Kernel limits: a 50 MB cell and output floods, beside ipykernel (bench/kernel-limits.mjs)";
const section = `${new Date().toISOString()} — ${machine(versions)}; 1-min load average ${loadAtStart.toFixed(1)} at the start
(the machine was shared with other engineers' builds and tests, so times are noisy; ${cpus().length} CPUs).
One run, both kernels driven by the same jupyter_client bridge (test/support/jupyter_bridge.py).
Cells: a list literal of numbers (\`const big = [0.123456789, ...]; big.length\` / \`big = [...]\\nlen(big)\`), stored in
the history as a user's cell is; each in a fresh kernel. Time: execute_request to its reply and idle status. RSS: the
kernel's processes (hpcfit: the supervisor and its interpreter process) 1 s after start and after the cell; peak: the
sum of each process's own peak (VmHWM). hpcfit refuses cells over 5 MiB (\`HPCFIT_MAX_CELL_BYTES\`) with
\`CellTooLargeError\` before compiling or storing them; the largest accepted cell is ${(LARGEST_ACCEPTED / MB).toFixed(1)} MB.

| kernel | 50 MB cell | ${(LARGEST_ACCEPTED / MB).toFixed(1)} MB cell |
| --- | --- | --- |
${rows.join("\n")}

Output floods, in the same run and in the kernel that had the 50 MB cell: one cell updating one display ${FLOOD} times,
one cell making ${FLOOD} displays, each then printing a line and returning a value. hpcfit may merge updates of one
display that still wait to be sent (the last always arrives) and sends every other message; ipykernel sends every
update, so fewer than ${FLOOD} means some were dropped on the way.

| kernel | ${FLOOD} updates of one display | ${FLOOD} display() calls |
| --- | --- | --- |
${floodRows.join("\n")}
`;
process.stdout.write(`${heading}\n\n${section}`);
if (!process.argv.includes("--no-write")) writeSection(heading, section);
