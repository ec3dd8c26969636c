// The Slurm test clusters have several nodes on this one machine: srun spreads tasks over all of
// them, and a node killed while a job runs on it is marked down by Slurm, fails that job, and
// leaves the other nodes working (and can be brought back).
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { killNode, nodeStates, reviveNode, waitForNodeState } from "../support/slurm-nodes.js";
import { startSlurmCluster, type SlurmCluster } from "./slurm-cluster.js";

const run = promisify(execFile);

/** Runs a Slurm command against the cluster configured by `conf`, in `cwd`. */
async function slurm(conf: string, cwd: string, command: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(command, args, { cwd, env: { ...process.env, SLURM_CONF: conf } });
  return stdout;
}

async function until(what: string, test: () => Promise<boolean> | boolean, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The node names that tasks of `srun -N<n> -n<n>` report, sorted. */
async function spread(conf: string, cwd: string, n: number): Promise<string[]> {
  const out = await slurm(conf, cwd, "srun", `-N${n}`, `-n${n}`, "sh", "-c", 'echo "$SLURMD_NODENAME"');
  return out.trim().split("\n").sort();
}

async function jobState(conf: string, cwd: string, id: string): Promise<string> {
  return (await slurm(conf, cwd, "squeue", "-h", "-t", "all", "-j", id, "-o", "%T")).trim();
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes `sleep <seconds>` of a job step of the cluster configured by `conf`, by the node whose step they belong to. */
function sleepers(seconds: number, conf: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8") !== `sleep\x00${seconds}\x00`) continue;
      const env = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      const node = env.find((v) => v.startsWith("SLURMD_NODENAME="))?.slice(16);
      if (node !== undefined && env.includes(`SLURM_CONF=${conf}`)) found.set(node, Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

describe("the shared test cluster", () => {
  const conf = inject("slurmConf");
  const nodes = inject("slurmNodes");
  let work = "";
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "hpcfit-nodes-"));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test("has 4 nodes of 4 CPUs in one partition, and srun -N4 -n4 runs one task on each", async () => {
    expect(nodes).toEqual(["n1", "n2", "n3", "n4"]);
    expect(inject("slurmCpusPerNode")).toBe(4);
    const info = await slurm(conf, work, "sinfo", "-h", "-N", "-o", "%N %c %P");
    expect(info.trim().split("\n").sort()).toEqual(nodes.map((n) => `${n} 4 debug*`));
    expect(await spread(conf, work, 4)).toEqual(nodes);
  });
});

describe("losing a node", () => {
  // A cluster of this file's own: jobs of other test files run on the shared one.
  let cluster: SlurmCluster;
  let conf = "";
  let work = "";
  beforeAll(async () => {
    cluster = await startSlurmCluster({ nodes: 4, cpusPerNode: 2, slurmdTimeout: 10 });
    conf = cluster.env.SLURM_CONF;
    work = mkdtempSync(join(tmpdir(), "hpcfit-nodes-"));
  });
  afterAll(async () => {
    // A test that failed before n4 was killed leaves its escaped process behind.
    for (const pid of sleepers(6008, conf).values()) process.kill(pid, "SIGKILL");
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("the node helpers refuse the shared cluster", () => {
    expect(() => killNode("n4", inject("slurmConf"))).toThrow(/refusing to kill a node of the shared test cluster/);
  });

  test("a killed node goes down and fails its job; the other nodes keep working; a revived node returns", async () => {
    expect(cluster.nodeNames).toEqual(["n1", "n2", "n3", "n4"]);
    expect(await spread(conf, work, 4)).toEqual(["n1", "n2", "n3", "n4"]);

    // A job with one task on every node, each announcing itself before it waits, and leaving a
    // on n4 a process that escaped the step's process tree (a daemon, reparented away from
    // slurmstepd; Slurm's linuxproc tracking loses it, so only n4 starts one).
    const spanning = (
      await slurm(
        conf,
        work,
        "sbatch",
        "--parsable",
        "-N4",
        "-n4",
        "--no-requeue",
        "-o",
        "spanning.out",
        "--wrap",
        'srun sh -c \'echo "$SLURMD_NODENAME started"; if [ "$SLURMD_NODENAME" = n4 ]; then (setsid sleep 6008 &); fi; exec sleep 6007\'',
      )
    ).trim();
    await until(
      "the spanning job's four tasks run",
      () =>
        existsSync(join(work, "spanning.out")) && readFileSync(join(work, "spanning.out"), "utf8").split("started").length === 5,
    );
    // A job on n1 that lasts until Slurm has noticed the loss of n4.
    const bystander = (
      await slurm(
        conf,
        work,
        "sbatch",
        "--parsable",
        "-w",
        "n1",
        "-n1",
        "--no-requeue",
        "-o",
        "bystander.out",
        "--wrap",
        "until sinfo -h -n n4 -o %T | grep -q down; do sleep 1; done; echo survived",
      )
    ).trim();
    await until("the bystander runs", async () => (await jobState(conf, work, bystander)) === "RUNNING");
    const tasks = sleepers(6007, conf);
    expect([...tasks.keys()].sort()).toEqual(["n1", "n2", "n3", "n4"]);
    await until("the escaped process runs", () => sleepers(6008, conf).has("n4"), 10_000);
    const escaped = sleepers(6008, conf).get("n4")!;
    expect(readFileSync(`/proc/${escaped}/stat`, "utf8")).not.toMatch(new RegExp(`\\) \\S ${tasks.get("n4")} `));

    const killed = killNode("n4", conf);
    const slurmd = Number(readFileSync(join(cluster.dir, "run", "slurmd-n4.pid"), "utf8"));
    expect(killed).toContain(slurmd);
    // slurmd, the step's slurmstepd, and its task's sleep at least.
    expect(killed.length).toBeGreaterThanOrEqual(3);
    expect(killed).toContain(tasks.get("n4"));
    expect(killed).toContain(escaped);
    await until("the killed processes are gone", () => killed.every((pid) => !pidAlive(pid)), 10_000);
    // The other nodes' tasks run on until Slurm fails the job.
    for (const node of ["n1", "n2", "n3"]) expect(pidAlive(tasks.get(node)!)).toBe(true);
    for (const node of ["n1", "n2", "n3"])
      expect(pidAlive(Number(readFileSync(join(cluster.dir, "run", `slurmd-${node}.pid`), "utf8")))).toBe(true);

    expect(await waitForNodeState("n4", /^down\*?$/, conf)).toMatch(/^down/);
    await until("the spanning job fails", async () => (await jobState(conf, work, spanning)) === "NODE_FAIL");
    expect(readFileSync(join(work, "spanning.out"), "utf8")).toMatch(/Node failure on n4/);
    await until("the bystander completes", async () => (await jobState(conf, work, bystander)) === "COMPLETED");
    expect(readFileSync(join(work, "bystander.out"), "utf8")).toBe("survived\n");
    // The survivors return to idle once their jobs' ends are cleaned up.
    await until("n1, n2 and n3 are idle", async () => {
      const states = await nodeStates(conf);
      return ["n1", "n2", "n3"].every((n) => states.get(n) === "idle");
    });
    expect((await nodeStates(conf)).get("n4")).toMatch(/^down/);
    expect(await spread(conf, work, 3)).toEqual(["n1", "n2", "n3"]);

    await reviveNode("n4", conf);
    expect(await spread(conf, work, 4)).toEqual(["n1", "n2", "n3", "n4"]);
  });
});
