/**
 * Parallel evaluation of a population on worker threads of this process: each thread loads the
 * model module (through the TypeScript hooks, like `hpcfit fit`) and takes points of the
 * population from shared memory as it frees up, as the threads of a spread fit's worker process
 * do (`thread-slices.ts`). Samplers draw all random numbers in the main thread, so the chains are
 * bit-identical to a serial run whatever the number of threads.
 */
import { readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve as resolvePath } from "node:path";
import { SerialEvaluator, setParallelEvaluatorFactory, type PopulationEvaluator } from "../samplers/evaluator.js";
import type { Problem } from "../types.js";
import { ThreadSlices } from "./thread-slices.js";
import type { RequestKind } from "./zmq-frames.js";

/** Counts the CPUs in a list such as `0-3,6,8-9` (the Cpus_allowed_list format). */
export function countCpuList(list: string): number {
  let n = 0;
  for (const part of list.trim().split(",")) {
    if (part === "") continue;
    const [a, b] = part.split("-").map(Number);
    if (!Number.isInteger(a)) continue;
    n += b === undefined ? 1 : Number.isInteger(b) && b >= a ? b - a + 1 : 0;
  }
  return n;
}

/**
 * The CPUs this process may run on: `SLURM_CPUS_PER_TASK` inside a Slurm allocation, else the
 * smaller of Node's `availableParallelism()` and the affinity mask (`Cpus_allowed_list` in
 * `/proc/self/status`, i.e. what `sched_getaffinity` reports).
 */
export function availableCpus(env: NodeJS.ProcessEnv = process.env): number {
  const slurm = Number(env.SLURM_CPUS_PER_TASK);
  if (Number.isInteger(slurm) && slurm > 0) return slurm;
  let n = availableParallelism();
  try {
    const m = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) {
      const allowed = countCpuList(m[1]);
      if (allowed > 0) n = Math.min(n, allowed);
    }
  } catch {
    // not Linux: availableParallelism already respects what the OS tells Node
  }
  return Math.max(1, n);
}

/** Evaluates populations on a team of threads that each loaded the model module (`thread-slices.ts`). */
export class WorkerEvaluator implements PopulationEvaluator {
  private closed = false;

  private constructor(private readonly team: ThreadSlices) {}

  /**
   * Starts `workers` threads that load `modelFile` and checks that its problem has the same
   * fitted parameters as `problem`.
   */
  static async start(problem: Problem, workers: number, modelFile: string): Promise<WorkerEvaluator> {
    const labels = problem.labels();
    const file = resolvePath(modelFile);
    let team: ThreadSlices;
    try {
      team = await ThreadSlices.start(file, workers);
    } catch (e) {
      throw new Error(`parallel worker: ${(e as Error).message}`, { cause: e });
    }
    if (team.labels.join("\0") !== labels.join("\0")) {
      await team.close();
      throw new Error(`parallel worker: ${file} fits ${team.labels.join(", ")} but the problem fits ${labels.join(", ")}`);
    }
    return new WorkerEvaluator(team);
  }

  /** @inheritDoc */
  get concurrency(): number {
    return this.team.threads;
  }

  /** @inheritDoc */
  async evaluatePopulation(points: Float64Array, count: number, out: Float64Array): Promise<void> {
    out.set(await this.run("eval", points, count, undefined));
  }

  /** @inheritDoc */
  async evaluateResiduals(points: Float64Array, count: number, out: Float64Array): Promise<void> {
    out.set(await this.run("resid", points, count, undefined));
  }

  /**
   * Model curves on the band grids (`fit/model-bands.ts`); a model file whose problem has grids
   * of another total size than `width` is refused.
   */
  async evaluateCurves(points: Float64Array, count: number, width: number, out: Float64Array): Promise<void> {
    out.set(await this.run("curves", points, count, width));
  }

  private async run(kind: RequestKind, points: Float64Array, count: number, asked: number | undefined): Promise<Float64Array> {
    if (this.closed) throw new Error("parallel evaluator is closed");
    const values = await this.team.evaluate(kind, points, count, asked);
    if (typeof values === "string") throw new Error(`parallel worker: ${values}`);
    return values;
  }

  /** @inheritDoc */
  async close(): Promise<void> {
    this.closed = true;
    await this.team.close();
  }

  /** Whether the threads may keep the process alive: yes while a fit uses them, no while they wait in the pool. */
  hold(held: boolean): void {
    this.team.hold(held);
  }
}

/** An idle pool is stopped after this long (ms). */
const POOL_IDLE_MS = 60_000;

/** Worker pools kept between fits, by model file (path and modification time) and size. */
const pools = new Map<
  string,
  { evaluator: WorkerEvaluator; labels: string; leased: boolean; timer?: ReturnType<typeof setTimeout> }
>();

/**
 * A pool of `workers` threads for `modelFile`, reused by the next fit of the same file: starting
 * threads that each load the model costs a second or more, as much as hundreds of evaluations of
 * an expensive model. Closing the returned evaluator hands the pool back; it stops after
 * {@link POOL_IDLE_MS} unused or when another model file needs threads, and never keeps the
 * process alive while idle. A pool in use by another fit is not shared: that fit gets threads of
 * its own.
 */
async function pooledEvaluator(problem: Problem, workers: number, modelFile: string): Promise<PopulationEvaluator> {
  const file = resolvePath(modelFile);
  let stamp = 0;
  try {
    stamp = statSync(file).mtimeMs;
  } catch {
    // a missing file is reported by the workers that try to load it
  }
  const key = `${workers}\0${stamp}\0${file}`;
  const labels = problem.labels().join("\0");
  const kept = pools.get(key);
  let entry = kept !== undefined && !kept.leased && kept.labels === labels ? kept : undefined;
  if (entry === undefined) {
    // One idle pool at most: threads of other model files are let go before new ones start.
    for (const [k, other] of pools) {
      if (other.leased || k === key) continue;
      pools.delete(k);
      if (other.timer !== undefined) clearTimeout(other.timer);
      await other.evaluator.close();
    }
    const evaluator = await WorkerEvaluator.start(problem, workers, modelFile);
    entry = { evaluator, labels, leased: false };
    if (kept === undefined || kept.labels !== labels) {
      if (kept !== undefined && !kept.leased) await kept.evaluator.close();
      pools.set(key, entry);
    } else {
      // The kept pool is busy: these threads are this fit's alone.
      return evaluator;
    }
  }
  const pool = entry;
  if (pool.timer !== undefined) clearTimeout(pool.timer);
  pool.leased = true;
  pool.evaluator.hold(true);
  let released = false;
  return {
    concurrency: pool.evaluator.concurrency,
    evaluatePopulation: (points, count, out) => pool.evaluator.evaluatePopulation(points, count, out),
    evaluateResiduals: (points, count, out) => pool.evaluator.evaluateResiduals(points, count, out),
    evaluateCurves: (points, count, width, out) => pool.evaluator.evaluateCurves(points, count, width, out),
    close: () => {
      if (released) return Promise.resolve();
      released = true;
      pool.leased = false;
      pool.evaluator.hold(false);
      pool.timer = setTimeout(() => {
        if (pools.get(key) === pool && !pool.leased) {
          pools.delete(key);
          void pool.evaluator.close();
        }
      }, POOL_IDLE_MS);
      pool.timer.unref?.();
      return Promise.resolve();
    },
  };
}

/** Makes the evaluator behind the samplers' `parallel` option. */
export async function parallelEvaluator(
  problem: Problem,
  workers: number | "auto",
  modelFile: string | undefined,
): Promise<PopulationEvaluator> {
  const n = workers === "auto" ? availableCpus() : workers;
  if (n <= 1) return new SerialEvaluator(problem);
  if (modelFile === undefined)
    throw new Error(
      "parallel evaluation loads the model in each worker thread: pass modelFile, the module that exports the problem " +
        "(the CLI passes its model file)",
    );
  return pooledEvaluator(problem, n, modelFile);
}

setParallelEvaluatorFactory(parallelEvaluator);
