#!/usr/bin/env node
// Kernel benchmarks, hpcfit side by side with ipykernel (from .venv), both driven by the same
// jupyter_client bridge in one run: startup to the first kernel_info_reply, execute round trip
// of `1+1` (median of 200 after warm-up), resident memory after start, and interrupt latency
// (SIGINT to the reply of a busy cell, plain and after an await), and what arrives of two output
// floods (10,000 updates of one display, 10,000 displays). Replaces its section of
// bench/RESULTS.md (`--no-write` only prints).
// Run after a build: `node bench/kernel.mjs [--runs N]`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { kernelBridge as bridge, median, writeSection } from "./common.mjs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const python = join(root, ".venv", "bin", "python");
const runsArg = process.argv.indexOf("--runs");
const STARTUP_RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

const prefix = mkdtempSync(join(tmpdir(), "hpcfit-bench-"));
const dataDir = mkdtempSync(join(tmpdir(), "hpcfit-bench-data-"));
const install = spawnSync(process.execPath, [join(root, "dist", "cli", "main.js"), "install", "--prefix", prefix], {
  encoding: "utf8",
});
if (install.status !== 0) throw new Error(`install failed (build first): ${install.stderr}`);

// Output floods: this many updates of one display, and this many display() calls, in one cell.
const FLOOD = 10_000;
const FLOOD_TIMEOUT_S = 120;

// The busy cells print a marker, then spin: the interrupt is sent once the marker is seen.
const kernels = [
  {
    label: "hpcfit",
    start: { kernel_name: "hpcfit", kernel_dirs: [join(prefix, "share", "jupyter", "kernels")] },
    busy: 'console.log("spinning"); let spins = 0; while (true) spins++;',
    busyAfterAwait: 'await new Promise((r) => setTimeout(r, 1)); console.log("spinning"); let spins2 = 0; while (true) spins2++;',
    floodUpdates: `const h = display.markdown("v0");\nfor (let i = 1; i <= ${FLOOD}; i++) h.update("v" + i);\nconsole.log("updated");\n"done"`,
    floodDisplays: `for (let i = 0; i < ${FLOOD}; i++) display.markdown("item " + i);\nconsole.log("shown");\n"done"`,
  },
  {
    label: "ipykernel",
    start: { kernel_name: "python3" },
    busy: 'print("spinning", flush=True)\nspins = 0\nwhile True: spins += 1',
    busyAfterAwait:
      'import asyncio\nawait asyncio.sleep(0.001)\nprint("spinning", flush=True)\nspins2 = 0\nwhile True: spins2 += 1',
    floodUpdates: `from IPython.display import display, Markdown\nh = display(Markdown("v0"), display_id=True)\nfor i in range(1, ${FLOOD} + 1): h.update(Markdown(f"v{i}"))\nprint("updated")\n"done"`,
    floodDisplays: `from IPython.display import display, Markdown\nfor i in range(${FLOOD}): display(Markdown(f"item {i}"))\nprint("shown")\n"done"`,
  },
];
const INTERRUPTS = 5;
const INTERRUPT_TIMEOUT_S = 10;

/** Interrupt latencies in ms, or undefined when the kernel was still busy after the timeout. */
async function interruptTimes(b, code) {
  try {
    return (await b.call("bench_interrupt", { code, n: INTERRUPTS, timeout: INTERRUPT_TIMEOUT_S })).times_ms;
  } catch (error) {
    if (!/TimeoutError/.test(error.message)) throw error;
    return undefined;
  }
}
const loadAtStart = loadavg()[0];
const env = { HPCFIT_DATA_DIR: dataDir };
const results = {};
for (const kernel of kernels)
  results[kernel.label] = { startup: [], rss: [], rtt: [], interrupt: [], interruptAfterAwait: [], floods: {} };

// Alternate the kernels run by run so that load on the machine hits both alike.
for (let run = 0; run < STARTUP_RUNS; run++) {
  for (const kernel of kernels) {
    const b = bridge();
    const started = await b.call("start", { ...kernel.start, env, cwd: root });
    results[kernel.label].startup.push(started.startup_ms);
    await new Promise((r) => setTimeout(r, 1000)); // let lazy loading settle before measuring memory
    results[kernel.label].rss.push((await b.call("memory")).rss_kb);
    if (run === 0) {
      const r = results[kernel.label];
      r.rtt = (await b.call("bench_execute", { code: "1+1", n: 200, warmup: 20 })).times_ms;
      for (const flood of ["floodUpdates", "floodDisplays"])
        r.floods[flood] = await b.call("bench_flood", { code: kernel[flood], timeout: FLOOD_TIMEOUT_S });
      r.interrupt = await interruptTimes(b, kernel.busy);
      r.interruptAfterAwait = await interruptTimes(b, kernel.busyAfterAwait);
    }
    // A kernel that could not be interrupted is still spinning: it cannot shut down by itself.
    if (results[kernel.label].interruptAfterAwait === undefined || results[kernel.label].interrupt === undefined)
      await b.call("kill");
    else await b.call("shutdown");
    b.close();
  }
}
rmSync(prefix, { recursive: true, force: true });
rmSync(dataDir, { recursive: true, force: true });

const rows = kernels.map(({ label }) => {
  const r = results[label];
  const span = (xs) =>
    xs ? `${median(xs).toFixed(0)} (max ${Math.max(...xs).toFixed(0)})` : `not interrupted within ${INTERRUPT_TIMEOUT_S} s`;
  return `| ${label} | ${median(r.startup).toFixed(0)} (min ${Math.min(...r.startup).toFixed(0)}, max ${Math.max(...r.startup).toFixed(0)}) | ${median(r.rtt).toFixed(2)} (p90 ${pct(r.rtt, 0.9).toFixed(2)}) | ${(median(r.rss) / 1024).toFixed(1)} | ${span(r.interrupt)} | ${span(r.interruptAfterAwait)} |`;
});
/** One flood's outcome: what arrived of the messages a frontend needs, and the time to idle. */
const floodCell = (flood, kind) => {
  const c = flood.counts;
  const got = kind === "updates" ? `${c.update_display_data ?? 0} updates` : `${c.display_data ?? 0} of ${FLOOD} displays`;
  const rest = ["stream", "execute_result"].map((t) => `${c[t] ?? 0} ${t}`).join(", ");
  return `${got}, ${rest}; ${flood.seconds === null ? `no idle within ${FLOOD_TIMEOUT_S} s` : `idle after ${flood.seconds.toFixed(1)} s`}`;
};
const floodRows = kernels.map(({ label }) => {
  const { floods } = results[label];
  return `| ${label} | ${floodCell(floods.floodUpdates, "updates")} | ${floodCell(floods.floodDisplays, "displays")} |`;
});
const node = process.version;
const cpu = cpus()[0]?.model ?? "unknown";
const ipyVersion = spawnSync(python, ["-c", "import ipykernel; print(ipykernel.__version__)"], {
  encoding: "utf8",
}).stdout.trim();
const heading = "## Kernel: startup, execute round trip, memory (bench/kernel.mjs)";
const section = `${new Date().toISOString()} — ${cpus().length} cores (\`nproc\`), ${cpu}, Node ${node}, ipykernel ${ipyVersion} from .venv;
1-min load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end (the machine is shared: times are noisy).
Both kernels driven by the same jupyter_client bridge (test/support/jupyter_bridge.py) in one run.
Startup: process start to the first kernel_info_reply, median of ${STARTUP_RUNS} starts per kernel (alternating).
Round trip: execute_request of \`1+1\` to its reply and idle status, 200 after 20 warm-up. RSS: 1 s after start;
hpcfit's includes its three interrupt threads (\`kernel/interrupt/\`: the SIGINT anchor, the watcher and the stopper;
an idle Node worker thread costs about 9 MiB here).
Interrupt: SIGINT sent by jupyter_client's \`interrupt_kernel()\` 0.2 s after a busy cell printed its marker, to that
cell's execute_reply; median (max) of ${INTERRUPTS}. The cell spins in a top-level \`while (true)\` loop, at once or after an await.

| kernel | startup ms | 1+1 round trip ms, median | RSS MiB | interrupt of a busy loop, ms | same, after an await, ms |
| --- | --- | --- | --- | --- | --- |
${rows.join("\n")}

Output floods, in the same run: one cell updating one display ${FLOOD} times, one cell making ${FLOOD} displays,
each then printing a line and returning a value; what the subscriber received of that cell, and the time from the
execute_request to its idle status. The subscriber is the bridge, which checks every message against the spec's
schemas, so it is slower than either kernel and output queues up at ZeroMQ's high-water mark. hpcfit waits there and
may merge updates of one display that still wait to be sent (the last always arrives); every other message must
arrive. ipykernel sends every update, so fewer than 10000 means some were dropped on the way.

| kernel | ${FLOOD} updates of one display | ${FLOOD} display() calls |
| --- | --- | --- |
${floodRows.join("\n")}
`;
process.stdout.write(`${heading}\n\n${section}`);
if (!process.argv.includes("--no-write")) writeSection(heading, section);
