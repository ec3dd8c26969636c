/**
 * Parallel evaluation of a population on worker threads: each worker loads the model module
 * (through the TypeScript hooks, like `hpcfit fit`), and evaluates a contiguous slice of the
 * population written into shared memory. Samplers draw all random numbers in the main thread, so
 * the chains are bit-identical to a serial run whatever the number of workers.
 */
import { readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { SerialEvaluator, setParallelEvaluatorFactory, type PopulationEvaluator } from "../samplers/evaluator.js";
import type { Problem } from "../types.js";
import { compiledEntry } from "../../util/paths.js";
import { nextMessage } from "./thread-message.js";

/** Messages from a worker. */
type WorkerReply = { ready: true; labels: string[] } | { done: true } | { error: string };

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

/** The worker script: the compiled twin in `dist/` when running from TypeScript sources. */
function workerUrl(): URL {
  return pathToFileURL(compiledEntry("fit/node/parallel-worker.js"));
}

/** Evaluates populations on a pool of worker threads that each loaded the model module. */
export class WorkerEvaluator implements PopulationEvaluator {
  private workers: Worker[] = [];
  private capacity = 0;
  private points: Float64Array = new Float64Array(0);
  private out: Float64Array = new Float64Array(0);
  private residualOut: Float64Array = new Float64Array(0);
  private curvePoints: Float64Array = new Float64Array(0);
  private curveOut: Float64Array = new Float64Array(0);
  private closed = false;

  private constructor(
    private readonly nparams: number,
    private readonly nres: number,
    readonly size: number,
  ) {}

  /**
   * Starts `workers` threads that load `modelFile` and checks that its problem has the same
   * fitted parameters as `problem`.
   */
  static async start(problem: Problem, workers: number, modelFile: string): Promise<WorkerEvaluator> {
    const labels = problem.labels();
    const ev = new WorkerEvaluator(labels.length, problem.residualCount(), workers);
    const file = resolvePath(modelFile);
    const url = workerUrl();
    try {
      await Promise.all(
        Array.from({ length: workers }, async () => {
          const w = new Worker(url, { workerData: { modelFile: file } });
          ev.workers.push(w);
          const reply = await once(w);
          if ("error" in reply) throw new Error(`parallel worker: ${reply.error}`);
          if (!("ready" in reply)) throw new Error("parallel worker: unexpected first message");
          if (reply.labels.join("\0") !== labels.join("\0"))
            throw new Error(`parallel worker: ${file} fits ${reply.labels.join(", ")} but the problem fits ${labels.join(", ")}`);
        }),
      );
    } catch (e) {
      await ev.close();
      throw e;
    }
    return ev;
  }

  private ensure(count: number): void {
    if (count <= this.capacity) return;
    this.capacity = Math.max(count, 2 * this.capacity);
    const pbuf = new SharedArrayBuffer(8 * this.capacity * this.nparams);
    const obuf = new SharedArrayBuffer(8 * this.capacity);
    const rbuf = new SharedArrayBuffer(8 * this.capacity * this.nres);
    this.points = new Float64Array(pbuf);
    this.out = new Float64Array(obuf);
    this.residualOut = new Float64Array(rbuf);
    for (const w of this.workers) w.postMessage({ buffers: { points: pbuf, out: obuf, residuals: rbuf } });
  }

  /** @inheritDoc */
  get concurrency(): number {
    return this.size;
  }

  /** @inheritDoc */
  async evaluatePopulation(points: Float64Array, count: number, out: Float64Array): Promise<void> {
    await this.run(points, count, false);
    out.set(this.out.subarray(0, count));
  }

  /** @inheritDoc */
  async evaluateResiduals(points: Float64Array, count: number, out: Float64Array): Promise<void> {
    await this.run(points, count, true);
    out.set(this.residualOut.subarray(0, count * this.nres));
  }

  /** Hands contiguous slices of the points to the workers and waits for all of them. */
  private async run(points: Float64Array, count: number, residuals: boolean): Promise<void> {
    if (this.closed) throw new Error("parallel evaluator is closed");
    this.ensure(count);
    this.points.set(points.subarray(0, count * this.nparams));
    await this.scatter(count, (start, end) => ({ start, end, residuals }));
  }

  /** Sends worker k the message for its contiguous slice of `count` points and waits for every reply. */
  private async scatter(count: number, message: (start: number, end: number) => unknown): Promise<void> {
    const nw = this.workers.length;
    const jobs: Promise<WorkerReply>[] = [];
    for (let k = 0; k < nw; k++) {
      const start = Math.floor((k * count) / nw);
      const end = Math.floor(((k + 1) * count) / nw);
      if (end <= start) continue;
      const w = this.workers[k];
      const reply = once(w);
      w.postMessage(message(start, end));
      jobs.push(reply);
    }
    for (const r of await Promise.all(jobs)) if ("error" in r) throw new Error(`parallel worker: ${r.error}`);
  }

  /**
   * Model curves on the band grids (`fit/model-bands.ts`), each worker a contiguous slice of the
   * points; a worker whose problem has grids of another total size is refused.
   */
  async evaluateCurves(points: Float64Array, count: number, width: number, out: Float64Array): Promise<void> {
    if (this.closed) throw new Error("parallel evaluator is closed");
    const p = this.nparams;
    if (this.curvePoints.length < count * p || this.curveOut.length < count * width) {
      const pbuf = new SharedArrayBuffer(8 * count * p);
      const obuf = new SharedArrayBuffer(8 * count * width);
      this.curvePoints = new Float64Array(pbuf);
      this.curveOut = new Float64Array(obuf);
      for (const w of this.workers) w.postMessage({ curveBuffers: { points: pbuf, out: obuf } });
    }
    this.curvePoints.set(points.subarray(0, count * p));
    await this.scatter(count, (start, end) => ({ curves: { start, end, width } }));
    out.set(this.curveOut.subarray(0, count * width));
  }

  /** @inheritDoc */
  async close(): Promise<void> {
    this.closed = true;
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.terminate()));
  }

  /** Whether the threads may keep the process alive: yes while a fit uses them, no while they wait in the pool. */
  hold(held: boolean): void {
    for (const w of this.workers) {
      if (held) w.ref();
      else w.unref();
    }
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

/** The next message (or error/exit) of a worker. */
function once(w: Worker): Promise<WorkerReply> {
  return nextMessage<WorkerReply>(w, (code) => `worker exited with code ${code}`);
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
