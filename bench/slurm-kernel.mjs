#!/usr/bin/env node
// The kernel in a Slurm allocation (remote-kernel/) next to the local kernel, on the private test
// cluster, in one run, both driven by the jupyter_client bridge (test/support/jupyter_bridge.py):
// (1) start to the first kernel_info_reply: the local kernel, and the Slurm kernel once its
// allocation runs (a restart that reuses it: a new proxy, srun --overlap, a new kernel);
// (2) the first start of the Slurm kernel, which also submits the allocation and waits for it;
// (3) the `1+1` round trip, local and through the proxy.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { cluster, machine, median, ROOT, scratch, time } from "./slurm-common.mjs";
import { kernelBridge, writeSection } from "./common.mjs";

const cli = join(ROOT, "dist", "cli", "main.js");
const RESTARTS = 5;
const ROUND_TRIPS = 200;

process.env.HPCFIT_DATA_DIR = scratch("slurm-kernel-data");
const prefix = scratch("slurm-kernel-prefix");
const c = await cluster({ nodes: 2, cpusPerNode: 2 });
try {
  for (const args of [[], ["--slurm", "bench", "--time", "30"]]) {
    const r = spawnSync(process.execPath, [cli, "install", "--prefix", prefix, ...args], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`hpcfit install ${args.join(" ")} failed (build first): ${r.stderr}`);
  }
  const kernelDirs = [join(prefix, "share", "jupyter", "kernels")];
  const env = { SLURM_CONF: c.env.SLURM_CONF, HPCFIT_DATA_DIR: process.env.HPCFIT_DATA_DIR };
  const measure = async (kernelName) => {
    const b = kernelBridge();
    const started = await b.call("start", { kernel_name: kernelName, kernel_dirs: kernelDirs, env, cwd: ROOT, timeout: 120 });
    const restarts = [];
    for (let i = 0; i < RESTARTS; i++) restarts.push(await time(() => b.call("restart", { timeout: 120 })));
    const rtt = (await b.call("bench_execute", { code: "1+1", n: ROUND_TRIPS, warmup: 20 })).times_ms;
    await b.call("shutdown", { timeout: 30 });
    b.close();
    return { first: started.startup_ms, restarts, rtt };
  };
  const local = await measure("hpcfit");
  const slurm = await measure("hpcfit-slurm-bench");
  const ms = (x) => `${x.toFixed(1)} ms`;
  const lines = [
    `machine: ${machine()}; shared with other engineers' builds and tests, so loaded while this ran`,
    "",
    "| | local kernel (`hpcfit`) | Slurm kernel (`hpcfit-slurm-bench`, through the proxy) | ratio |",
    "| --- | --- | --- | --- |",
    `| first start to kernel_info_reply | ${ms(local.first)} | ${ms(slurm.first)} (submits the allocation and waits for it) | ${(slurm.first / local.first).toFixed(2)} |`,
    `| restart to kernel_info_reply, median of ${RESTARTS} | ${ms(median(local.restarts))} | ${ms(median(slurm.restarts))} (reuses the running allocation) | ${(median(slurm.restarts) / median(local.restarts)).toFixed(2)} |`,
    `| \`1+1\` round trip, median of ${ROUND_TRIPS} | ${ms(median(local.rtt))} | ${ms(median(slurm.rtt))} | ${(median(slurm.rtt) / median(local.rtt)).toFixed(2)} |`,
    "",
    "One run, on the private test cluster (2 nodes of 2 CPUs on this one machine, so the proxy and the node kernel share its",
    "cores). A restart is jupyter_client's `restart_kernel(now=False)`: shutdown_request (restart) on control, the old process",
    "gone, a new one started and answering kernel_info; for the Slurm kernel the new proxy finds the allocation its predecessor",
    "left and starts the kernel in it with `srun --overlap`, with no new queue wait. The round trip is execute_request sent to",
    "execute_reply and idle status received; through the proxy every frame takes two more ZeroMQ hops on loopback.",
  ];
  console.log(lines.join("\n"));
  if (process.argv.includes("--write")) writeSection("## The kernel in a Slurm allocation (proxy)", lines.join("\n"));
} finally {
  await c.stop();
}
