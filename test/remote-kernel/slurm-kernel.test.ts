/**
 * The kernel in a Slurm allocation, end to end: a "HPCFit on Slurm" kernelspec installed into a
 * private prefix, started by jupyter_client (test/support/kernel-client.ts) on the test cluster.
 * Jupyter talks to the proxy; the kernel runs on a node of the allocation.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freeTcpConnection } from "../../jupyter/connection-file.js";
import { ROOT, startKernel, type KernelClient } from "../support/kernel-client.js";

const CLI = join(ROOT, "dist", "cli", "main.js");
const env = { SLURM_CONF: inject("slurmConf") };

/** Installs `hpcfit install --slurm NAME ...` into a fresh prefix; returns its kernels folder. */
function installSlurmKernel(args: string[]): string {
  const prefix = mkdtempSync(join(tmpdir(), "hpcfit-slurm-kspec-"));
  const r = spawnSync(process.execPath, [CLI, "install", "--prefix", prefix, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`hpcfit install --slurm failed (did you build?): ${r.stderr}`);
  return join(prefix, "share", "jupyter", "kernels");
}

/** A job's state and reason as scontrol reports them. */
function jobState(jobId: string): { state: string; reason: string } {
  const r = spawnSync("scontrol", ["show", "job", "-o", jobId], { encoding: "utf8", env: { ...process.env, ...env } });
  return {
    state: /JobState=(\S+)/.exec(r.stdout)?.[1] ?? `(unknown: ${r.stderr.trim()})`,
    reason: /Reason=(\S+)/.exec(r.stdout)?.[1] ?? "",
  };
}

/** The job id recorded in the data directory's only Slurm kernel folder. */
function recordedJob(dataDir: string): string | null {
  const base = join(dataDir, "slurm-kernels");
  if (!existsSync(base)) return null;
  for (const d of readdirSync(base)) {
    const record = join(base, d, "allocation.json");
    if (existsSync(record)) return (JSON.parse(readFileSync(record, "utf8")) as { jobId: string }).jobId;
  }
  return null;
}

async function until<T>(what: string, probe: () => T | null | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("a kernel in a Slurm allocation", () => {
  const kernels = installSlurmKernel(["--slurm", "test", "--time", "10", "--cpus-per-task", "2"]);
  // The notebook's folder: the kernel on the node works in it, and the jobs it submits write there.
  const work = mkdtempSync(join(tmpdir(), "hpcfit-slurm-kernel-work-"));
  let k: KernelClient;
  let jobId = "";

  beforeAll(async () => {
    k = await startKernel({ kernelName: "hpcfit-slurm-test", kernelDirs: [kernels], env, cwd: work });
    jobId = (await until("the allocation record", () => recordedJob(k.dataDir)))!;
  });

  afterAll(async () => {
    await k?.kill();
    if (jobId) spawnSync("scancel", [jobId], { env: { ...process.env, ...env } });
    rmSync(join(kernels, "..", "..", ".."), { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it("runs on a compute node of its allocation, behind the proxy", async () => {
    const nodes = inject("slurmNodes");
    const where = await k.execute("[process.env.SLURMD_NODENAME, process.env.SLURM_JOB_ID, process.pid].join(' ')");
    const [node, job, pid] = String(where.result?.["text/plain"]).replace(/'/g, "").split(" ");
    expect(nodes).toContain(node);
    expect(job).toBe(jobId);
    // Jupyter started the proxy; the kernel is another process, started by Slurm.
    expect(Number(pid)).not.toBe(k.pid);
    expect(jobState(jobId).state).toBe("RUNNING");
    expect(k.kernelInfo.content.status).toBe("ok");
    // The kernel's step has the allocation's CPUs, which `%%fit --local` counts (fit/node/parallel.ts).
    expect((await k.execute("process.env.SLURM_CPUS_PER_TASK")).result?.["text/plain"]).toBe("'2'");
  });

  it("submits jobs from the node with %sbatch", async () => {
    const r = await k.execute('const inner = %sbatch -J from-the-node --wrap "true"\ninner.id');
    expect(r.status).toBe("ok");
    const inner = String(r.result?.["text/plain"]).replace(/'/g, "");
    expect(inner).toMatch(/^\d+$/);
    expect(inner).not.toBe(jobId);
    await until("the inner job to complete", () => jobState(inner).state === "COMPLETED", 60_000);
    // Submitted from the notebook's folder, as on the login node: its default output lands there.
    expect(existsSync(join(work, `slurm-${inner}.out`))).toBe(true);
  });

  it("says where it runs (%kernel where), and the Jobs feed marks its allocation", async () => {
    const where = await k.execute("%kernel where");
    // One line, as the value's display: nothing printed besides.
    expect(where.stdout).toBe("");
    expect(where.result?.["text/plain"]).toMatch(
      new RegExp(`^this kernel runs on node n\\d, in Slurm job ${jobId}, \\d+:\\d\\d left$`),
    );
    const fields = await k.execute("const place = %kernel where\n[place.node, place.jobId].join(' ')");
    expect(fields.result?.["text/plain"]).toMatch(new RegExp(`^'n\\d ${jobId}'$`));
    const opened = await k.request(
      "comm_open",
      { comm_id: "jobs-1", target_name: "hpcfit.jobs", data: { type: "subscribe", version: 1 } },
      { wantReply: false },
    );
    const isSnapshot = (m: { header: { msg_type: string }; content: Record<string, any> }): boolean =>
      m.header.msg_type === "comm_msg" && m.content.data.type === "snapshot";
    const seen = opened.iopub.some(isSnapshot) ? opened.iopub : await k.iopub({ untilType: "comm_msg", timeout: 20 });
    const snapshots = seen.filter(isSnapshot).map((m) => m.content.data.jobs as { id: string; kernelAllocation?: boolean }[]);
    expect(snapshots.length).toBeGreaterThan(0);
    const marked = snapshots[0].filter((j) => j.kernelAllocation === true).map((j) => j.id);
    expect(marked).toEqual([jobId]);
    await k.request("comm_close", { comm_id: "jobs-1", data: {} }, { wantReply: false });
  });

  it("runs cells, displays, reads stdin and round-trips a comm through the proxy", async () => {
    expect((await k.execute("1+1")).result?.["text/plain"]).toBe("2");
    const shown = await k.execute("display.html('<b>on a node</b>'); 'after'");
    expect(shown.outputs.find((m) => m.header.msg_type === "display_data")?.content.data["text/html"]).toBe("<b>on a node</b>");
    const asked = await k.execute('const who = await input("Name? "); `hello ${who}`', { stdin: ["Ada"] });
    expect(asked.stdinRequests[0].content).toEqual({ prompt: "Name? ", password: false });
    expect(asked.result?.["text/plain"]).toContain("hello Ada");
    await k.execute(`
      const comms = (globalThis as any)[Symbol.for("hpcfit.comms")];
      comms.registerTarget("test.echo", (comm: any) => comm.onMessage((d: any) => comm.send({ echo: d })));`);
    await k.request("comm_open", { comm_id: "c-1", target_name: "test.echo", data: {} }, { wantReply: false });
    const echoed = await k.request("comm_msg", { comm_id: "c-1", data: { n: 7 } }, { wantReply: false });
    expect(echoed.iopub.find((m) => m.header.msg_type === "comm_msg")?.content.data).toEqual({ echo: { n: 7 } });
  });

  it("interrupts a busy loop by interrupt_request and by SIGINT to the proxy, keeping state", async () => {
    await k.execute("let counter = 0;");
    for (const how of ["message", "proxy-sigint"] as const) {
      const id = await k.startExecute("while (true) { counter++; }", { stopOnError: false });
      await new Promise((r) => setTimeout(r, 500));
      expect(await k.heartbeat(2000)).toBe(true);
      if (how === "message") expect((await k.interrupt("message"))!.reply!.content.status).toBe("ok");
      else await k.signal("SIGINT");
      const r = await k.waitExecute(id, { timeout: 20 });
      expect(r.status).toBe("error");
      expect(r.error?.ename).toBe("KeyboardInterrupt");
    }
    expect((await k.execute("counter > 0")).result?.["text/plain"]).toBe("true");
  });

  it("keeps the allocation across a restart, then cancels it on shutdown", async () => {
    const before = (await k.execute("process.pid")).result?.["text/plain"];
    await k.restart();
    const after = await k.execute("[process.env.SLURM_JOB_ID, process.pid].join(' ')");
    const [job, pid] = String(after.result?.["text/plain"]).replace(/'/g, "").split(" ");
    expect(job).toBe(jobId);
    expect(pid).not.toBe(before);
    // A new kernel: the old one's names are gone.
    expect((await k.execute("typeof counter")).result?.["text/plain"]).toBe("'undefined'");
    const dataDir = k.dataDir;
    const down = await k.shutdown({ timeout: 30 });
    expect(down.exited).toBe(true);
    expect(down.exitCode).toBe(0);
    await until("the allocation to be cancelled", () => jobState(jobId).state === "CANCELLED", 30_000);
    expect(recordedJob(dataDir)).toBeNull();
  });
});

describe("a Slurm kernel's allocation ending", () => {
  it("warns before the time limit and ends the kernel with a message naming it", { timeout: 240_000 }, async () => {
    const kernels = installSlurmKernel(["--slurm", "short", "--time", "1", "--warn-before", "0:50"]);
    const k = await startKernel({ kernelName: "hpcfit-slurm-short", kernelDirs: [kernels], env });
    try {
      const jobId = await until("the allocation record", () => recordedJob(k.dataDir));
      const id = await k.startExecute("await new Promise((r) => setTimeout(r, 600_000))");
      // Both notices go to the running cell's output: the warning, then the end.
      const seen = await k.iopub({ untilType: "stream", untilCount: 2, timeout: 150 });
      const texts = seen.filter((m) => m.header.msg_type === "stream").map((m) => m.content.text as string);
      expect(texts[0]).toMatch(new RegExp(`job ${jobId} reaches its time limit in 0:\\d\\d`));
      expect(texts[1]).toMatch(
        new RegExp(`job ${jobId} reached its time limit \\(1 min\\) and ended: the kernel on n\\d is gone`),
      );
      for (const m of seen.filter((m) => m.header.msg_type === "stream")) {
        expect(m.content.name).toBe("stderr");
        expect(m.parent_header.msg_id).toBe(id);
      }
      // Slurm shows the job COMPLETING (reason TimeLimit) for a moment before TIMEOUT.
      await until("the job to be TIMEOUT", () => jobState(jobId).state === "TIMEOUT", 30_000);
      // The proxy exits after its message (the bridge's KernelManager does not restart it).
      let alive = true;
      for (let look = 0; look < 60 && alive; look++) {
        alive = await k.alive();
        if (alive) await new Promise((r) => setTimeout(r, 500));
      }
      expect(alive).toBe(false);
    } finally {
      await k.kill();
    }
  });

  it("ends an allocation that no proxy renews (the server killed without a shutdown) after its lease", async () => {
    const kernels = installSlurmKernel(["--slurm", "leased", "--time", "10", "--lease", "10"]);
    const k = await startKernel({ kernelName: "hpcfit-slurm-leased", kernelDirs: [kernels], env });
    const jobId = await until("the allocation record", () => recordedJob(k.dataDir));
    try {
      expect((await k.execute("1+1")).result?.["text/plain"]).toBe("2");
      // Killed as Jupyter kills a kernel that will not stop: no shutdown_request, no scancel.
      await k.kill();
      expect(jobState(jobId).state).toBe("RUNNING");
      // The agent sees the lease go stale and ends the batch script, and with it the allocation.
      await until("the allocation to end", () => jobState(jobId).state === "COMPLETED", 60_000);
    } finally {
      spawnSync("scancel", [jobId], { env: { ...process.env, ...env } });
      rmSync(join(kernels, "..", "..", ".."), { recursive: true, force: true });
    }
  });

  it("reports a pending allocation's reason, and gives up after the wait limit with it", async () => {
    const kernels = installSlurmKernel(["--slurm", "later", "--sbatch", "--begin=now+1hour", "--wait-limit", "0:05"]);
    const dir = mkdtempSync(join(tmpdir(), "hpcfit-slurm-pending-"));
    const connection = join(dir, "kernel.json");
    const info = await freeTcpConnection("127.0.0.1", randomBytes(16).toString("hex"));
    writeFileSync(connection, JSON.stringify(info), { mode: 0o600 });
    const spec = JSON.parse(readFileSync(join(kernels, "hpcfit-slurm-later", "kernel.json"), "utf8")) as { argv: string[] };
    const argv = spec.argv.map((a) =>
      a.replace("{connection_file}", connection).replace("{resource_dir}", join(kernels, "hpcfit-slurm-later")),
    );
    // A notebook listening on iopub while the allocation pends sees the status as stderr lines.
    // Connected first: ZeroMQ connects once the proxy binds, so no line goes out before it listens.
    const { Subscriber } = await import("zeromq");
    const iopub = new Subscriber({ linger: 0, receiveTimeout: 200 });
    iopub.connect(`tcp://127.0.0.1:${info.iopub_port}`);
    iopub.subscribe();
    const proxy = spawn(argv[0], argv.slice(1), {
      env: { ...process.env, ...env, HPCFIT_DATA_DIR: join(dir, "data") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    proxy.stderr.on("data", (b: Buffer) => (log += b.toString()));
    const exited = new Promise<number | null>((resolve) => proxy.on("exit", resolve));
    const notices: string[] = [];
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      try {
        const frames = await iopub.receive();
        notices.push(frames.map((f) => f.toString()).join("\n"));
      } catch {
        // No message within the receive timeout: look again until the proxy exits.
      }
    }
    iopub.close();
    const code = await exited;
    try {
      const jobId = /submitted the allocation: job (\d+)/.exec(log)?.[1];
      expect(jobId, log).toBeDefined();
      expect(log).toMatch(new RegExp(`job ${jobId}: PENDING \\(BeginTime\\)`));
      expect(log).toMatch(/did not start within 5 s: job \d+: PENDING \(BeginTime\); cancelled it/);
      expect(code).toBe(1);
      expect(notices.some((n) => n.includes('"msg_type":"stream"') && /PENDING \(BeginTime\)/.test(n))).toBe(true);
      expect(notices.some((n) => /cannot start the kernel: the allocation did not start within 5 s/.test(n))).toBe(true);
      expect(jobState(jobId!).state).toBe("CANCELLED");
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(join(kernels, "..", "..", ".."), { recursive: true, force: true });
    }
  });
});
