/**
 * Evaluation workers spread over the nodes of the Slurm allocation this process runs in (what
 * `hpcfit fit --parallel` does inside a batch job of several nodes): a {@link ZmqEvaluator} bound
 * here, and `hpcfit fit-worker` started by `srun` on every node, one step per node of one task
 * with that node's share of the tasks as CPUs and evaluation threads (one process per node, so a
 * generation costs one message each way per node), so a node lost mid-fit ends only its own step. Closing the evaluator
 * stops the workers and ends the steps.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import type { PopulationEvaluator } from "../samplers/evaluator.js";
import { compiledEntry } from "../../util/paths.js";
import { UserError } from "../../util/user-error.js";
import { ZmqEvaluator, type WorkerInfo } from "./zmq-evaluator.js";
import { WORKER_NODE_OPTIONS } from "./worker-node-options.js";

/** Once workers stop arriving for this long, the fit starts with those that came. */
const ARRIVAL_QUIET_MS = 10_000;
/** How long the steps get to end by themselves once their workers were told to stop. */
const STEP_GRACE_MS = 5_000;

/** The allocation this process runs in, when Slurm started it as part of a job of several nodes. */
export interface SlurmAllocation {
  /** Node names, in Slurm's order. */
  nodes: string[];
  /** Tasks Slurm gave each node (same order). */
  tasksPerNode: number[];
}

/**
 * Expands Slurm's `SLURM_TASKS_PER_NODE` (`4(x3),2`) into one count per node (`[4, 4, 4, 2]`).
 * @throws Error when the text is not in that form
 */
export function expandTasksPerNode(text: string): number[] {
  const counts: number[] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:\(x(\d+)\))?$/.exec(part.trim());
    if (m === null) throw new Error(`cannot read SLURM_TASKS_PER_NODE=${text}`);
    for (let i = 0; i < Number(m[2] ?? 1); i++) counts.push(Number(m[1]));
  }
  return counts;
}

/**
 * The Slurm allocation of this process when it spans more than one node, else undefined (not in
 * a job, or a job of one node, where worker threads serve better).
 */
export function multiNodeAllocation(env: NodeJS.ProcessEnv = process.env): SlurmAllocation | undefined {
  const nodeCount = Number(env.SLURM_JOB_NUM_NODES ?? env.SLURM_NNODES ?? 1);
  if (env.SLURM_JOB_ID === undefined || !(nodeCount > 1) || env.SLURM_JOB_NODELIST === undefined) return undefined;
  const nodes = execFileSync("scontrol", ["show", "hostnames", env.SLURM_JOB_NODELIST], { encoding: "utf8", env })
    .trim()
    .split("\n");
  const tasksPerNode = expandTasksPerNode(env.SLURM_TASKS_PER_NODE ?? nodes.map(() => "1").join(","));
  return { nodes, tasksPerNode };
}

/**
 * How many of `workers` go to each node: dealt one at a time over the nodes in turn, each up to
 * its tasks, so fewer workers than tasks still reach every node they can.
 */
export function placeWorkers(allocation: SlurmAllocation, workers: number): Array<{ node: string; tasks: number }> {
  const total = allocation.tasksPerNode.reduce((a, b) => a + b, 0);
  if (workers > total)
    throw new UserError(`${workers} evaluation workers asked for, but the job has ${total} tasks (sbatch --ntasks)`);
  const counts = allocation.nodes.map(() => 0);
  for (let left = workers; left > 0;) {
    allocation.nodes.forEach((_, i) => {
      if (left > 0 && counts[i] < (allocation.tasksPerNode[i] ?? 0)) {
        counts[i]++;
        left--;
      }
    });
  }
  return allocation.nodes.map((node, i) => ({ node, tasks: counts[i] })).filter((p) => p.tasks > 0);
}

/** Options of {@link startSrunWorkers}. */
export interface SrunWorkersOptions {
  /** The model file the workers load (the sampler's own). */
  modelFile: string;
  /** The fitted parameters. */
  labels: string[];
  /** Workers to start; `"auto"` for every task of the allocation. */
  workers: number | "auto";
  /** The allocation to spread over (see {@link multiNodeAllocation}). */
  allocation: SlurmAllocation;
  /** Where connections and losses are logged. */
  log?: (line: string) => void;
}

/** The evaluator of srun'd workers; {@link PopulationEvaluator.close} also ends their steps. */
export interface SrunEvaluator extends PopulationEvaluator {
  /** The workers seen so far, with the node each runs on. */
  workers(): WorkerInfo[];
}

/**
 * Binds an evaluator, starts the workers over the allocation's nodes and waits for them (see
 * {@link ZmqEvaluator.waitForArrivals}).
 */
export async function startSrunWorkers(options: SrunWorkersOptions): Promise<SrunEvaluator> {
  const log = options.log ?? (() => undefined);
  const total = options.allocation.tasksPerNode.reduce((a, b) => a + b, 0);
  const count = options.workers === "auto" ? total : options.workers;
  const placed = placeWorkers(options.allocation, count);
  const zmq = await ZmqEvaluator.bind({ labels: options.labels, log });
  const cli = compiledEntry("cli/main.js");
  const steps: ChildProcess[] = placed.map(({ node, tasks }) =>
    spawn(
      "srun",
      [
        "--nodes=1",
        "--ntasks=1",
        `--cpus-per-task=${tasks}`,
        `--nodelist=${node}`,
        "--kill-on-bad-exit=0",
        "--overlap",
        process.execPath,
        ...WORKER_NODE_OPTIONS,
        cli,
        "fit-worker",
        "--endpoint",
        zmq.endpoint,
        "--model",
        options.modelFile,
        `--threads=${tasks}`,
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    ),
  );
  const ended = steps.map(
    (step) =>
      new Promise<void>((resolve) => {
        if (step.exitCode !== null || step.signalCode !== null) resolve();
        else step.once("exit", () => resolve()).once("error", () => resolve());
      }),
  );
  const endSteps = async (): Promise<void> => {
    await Promise.race([Promise.all(ended), new Promise((r) => setTimeout(r, STEP_GRACE_MS).unref())]);
    for (const step of steps) if (step.exitCode === null && step.signalCode === null) step.kill("SIGTERM");
    await Promise.all(ended);
  };
  try {
    const connected = await zmq.waitForArrivals(count, ARRIVAL_QUIET_MS);
    const alive = zmq.workers().filter((w) => w.alive);
    const nodes = new Set(alive.map((w) => w.node));
    log(
      `${connected} evaluation workers connected on ${nodes.size} nodes (${[...nodes].sort().join(", ")}), ` +
        `as threads of ${alive.length} worker process${alive.length === 1 ? "" : "es"}`,
    );
  } catch (e) {
    await zmq.close();
    await endSteps();
    throw e;
  }
  return {
    get concurrency() {
      return zmq.concurrency;
    },
    evaluatePopulation: (points, n, out) => zmq.evaluatePopulation(points, n, out),
    evaluateResiduals: (points, n, out) => zmq.evaluateResiduals(points, n, out),
    evaluateCurves: (points, n, width, out) => zmq.evaluateCurves(points, n, width, out),
    workers: () => zmq.workers(),
    close: async () => {
      await zmq.close();
      await endSteps();
    },
  };
}

/**
 * What `parallel` means for a population sampler run inside a Slurm job of several nodes: srun'd
 * workers over the allocation's nodes (threads would use one node only). Undefined when not in
 * such a job or when no parallel evaluation was asked for; then `parallel` keeps its usual
 * meaning. Only for methods that evaluate whole populations (the caller knows which).
 */
export async function spreadOverAllocation(options: {
  parallel: number | "auto" | undefined;
  modelFile: string;
  labels: string[];
  log?: (line: string) => void;
}): Promise<SrunEvaluator | undefined> {
  if (options.parallel === undefined || options.parallel === 1) return undefined;
  const allocation = multiNodeAllocation();
  if (allocation === undefined) return undefined;
  return startSrunWorkers({
    modelFile: options.modelFile,
    labels: options.labels,
    workers: options.parallel,
    allocation,
    log: options.log,
  });
}
