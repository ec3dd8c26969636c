/**
 * An evaluation worker of a spread fit: loads the model file, connects to the sampler's ZeroMQ
 * endpoint, says hello with its capacity, and evaluates the slices of points it is sent (nllf
 * values, residual vectors, or the model curves of a sampler's band) until told to stop. With K
 * threads (one worker per node, K being the node's share of the tasks) each slice is split over
 * K evaluation threads (`thread-slices.ts`) and the process itself only talks to the sampler;
 * with one, the process evaluates. It beats every 500 ms when it sent nothing else meanwhile,
 * also in the middle of a long slice (the threads leave its event loop free; alone, it yields
 * between points when a beat is due), so the sampler can tell a slow worker from a dead one.
 */
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { Dealer } from "zeromq";
import { resolve as resolvePath } from "node:path";
import { loadModelFile } from "./load-model.js";
import { InlineSlices, type SliceEvaluator } from "./slice-evaluation.js";
import { ThreadSlices } from "./thread-slices.js";
import { decodeTag, encodeMs } from "./zmq-frames.js";
import { nodeName } from "../../util/node-name.js";

/** Options of {@link runEvaluationWorker}. */
export interface EvaluationWorkerOptions {
  /** The model file (the job directory's `model.ts`). */
  modelFile: string;
  /** The sampler's endpoint, or a file that will hold it (written by the sampler once bound). */
  endpoint?: string;
  endpointFile?: string;
  /** How long to wait for the endpoint file (default 120 s). */
  waitMs?: number;
  /**
   * Evaluation threads, each with the model loaded (default 1: the process evaluates itself); a
   * slice is split over them, and the sampler is told this capacity in the hello.
   */
  threads?: number;
  /** Milliseconds between heartbeats (default 500). */
  heartbeatMs?: number;
  /** Log lines (stderr by default). */
  log?: (line: string) => void;
}

async function endpointOf(options: EvaluationWorkerOptions): Promise<string> {
  if (options.endpoint !== undefined) return options.endpoint;
  const file = options.endpointFile;
  if (file === undefined) throw new Error("fit-worker: give --endpoint or --endpoint-file");
  const deadline = Date.now() + (options.waitMs ?? 120_000);
  for (;;) {
    if (existsSync(file)) {
      const text = readFileSync(file, "utf8").trim();
      if (text !== "") return text;
    }
    if (Date.now() > deadline)
      throw new Error(`fit-worker: ${file} did not appear within ${Math.round((options.waitMs ?? 120_000) / 1000)} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Runs one evaluation worker until the sampler says stop; resolves with the number of points it
 * evaluated.
 * @throws Error when the model cannot be loaded, or an evaluation thread dies (the worker then
 *   closes its connection, and the sampler re-sends its points to the others)
 */
export async function runEvaluationWorker(options: EvaluationWorkerOptions): Promise<number> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`fit-worker: --threads must be a whole number ≥ 1, not ${threads}`);
  const beatMs = options.heartbeatMs ?? 500;
  let lastBeat = Date.now();
  // One thread: the process evaluates itself, letting the heartbeat out between points when one is due.
  const slices: SliceEvaluator =
    threads === 1
      ? new InlineSlices((await loadModelFile(options.modelFile)).problem, () =>
          Date.now() - lastBeat > beatMs ? new Promise<void>((r) => setImmediate(r)) : undefined,
        )
      : await ThreadSlices.start(resolvePath(options.modelFile), threads);
  const labels = slices.labels;
  const p = labels.length;
  const endpoint = await endpointOf(options).catch(async (e: unknown) => {
    await slices.close();
    throw e;
  });
  const socket = new Dealer({ linger: 0 });
  socket.connect(endpoint);
  let sending: Promise<void> = Promise.resolve();
  let lastSent = 0;
  const send = (frames: Array<Buffer | string>): Promise<void> => {
    lastSent = Date.now();
    const next = sending.then(() => socket.send(frames));
    sending = next.catch(() => undefined);
    return next;
  };
  // Any message tells the sampler the worker lives: a beat goes only after a quiet interval, so
  // many workers answering every generation add no traffic.
  const beat = setInterval(() => {
    lastBeat = Date.now();
    if (lastBeat - lastSent < beatMs / 2) return;
    void send(["hb"]).catch(() => undefined);
  }, beatMs);
  // The node's name as Slurm knows it: several nodes may share one host name (a test cluster).
  const node = nodeName();
  const hello = { labels, residuals: slices.residuals, threads, host: hostname(), node, pid: process.pid };
  await send(["hello", JSON.stringify(hello)]);
  log(`fit-worker ${node}:${process.pid} connected to ${endpoint} with ${threads} evaluation thread${threads === 1 ? "" : "s"}`);
  let evaluated = 0;
  const broken = (slices.failed ?? new Promise<never>(() => undefined)).then((e): never => {
    throw e;
  });
  // Its rejection is seen by the race in the loop; an evaluator that breaks after the loop ended breaks nothing.
  broken.catch(() => undefined);
  try {
    for (;;) {
      // A thread that died while the worker waited ends it now, not at the next slice.
      const [kind, meta, data, widthFrame] = await Promise.race([socket.receive(), broken]);
      const received = performance.now();
      const k = kind?.toString();
      if (k === "stop") break;
      if ((k !== "eval" && k !== "resid" && k !== "curves") || meta === undefined || data === undefined) continue;
      if (decodeTag(meta) === undefined) continue;
      const points = new Float64Array(data.byteLength / 8);
      new Uint8Array(points.buffer).set(data);
      const count = points.length / p;
      const asked = widthFrame === undefined ? undefined : decodeTag(widthFrame);
      const values = await slices.evaluate(k, points, count, asked);
      if (typeof values === "string") {
        await send(["error", meta, values]);
        continue;
      }
      evaluated += count;
      // The tag frame goes back as it came; the time the slice took here lets the sampler tell it
      // from the time the messages took on their way.
      const busy = encodeMs(performance.now() - received);
      await send(["result", meta, Buffer.from(values.buffer, values.byteOffset, values.byteLength), busy]);
    }
  } finally {
    clearInterval(beat);
    await sending;
    socket.close();
    await slices.close();
  }
  log(`fit-worker ${node}:${process.pid} stopped after ${evaluated} evaluations`);
  return evaluated;
}
