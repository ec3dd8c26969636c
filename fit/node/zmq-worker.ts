/**
 * An evaluation worker of a spread fit: loads the model file, connects to the sampler's ZeroMQ
 * endpoint, says hello, and evaluates the slices of points it is sent (nllf values, residual
 * vectors, or the model curves of a sampler's band) until told to stop. It
 * beats every 500 ms when it sent nothing else meanwhile, also in the middle of a long slice (it
 * yields to the event loop between points when a beat is due), so the sampler can tell a slow
 * worker from a dead one.
 */
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { Dealer } from "zeromq";
import { loadModelFile } from "./load-model.js";
import { decodeTag } from "./zmq-frames.js";
import { bandGrids, bandWidth, curvesAt, isBandSource, type BandGrid, type BandSource } from "../model-bands.js";
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
 */
export async function runEvaluationWorker(options: EvaluationWorkerOptions): Promise<number> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { problem } = await loadModelFile(options.modelFile);
  const labels = problem.labels();
  const p = labels.length;
  const endpoint = await endpointOf(options);
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
  const beatMs = options.heartbeatMs ?? 500;
  let lastBeat = Date.now();
  // Any message tells the sampler the worker lives: a beat goes only after a quiet interval, so
  // many workers answering every generation add no traffic.
  const beat = setInterval(() => {
    lastBeat = Date.now();
    if (lastBeat - lastSent < beatMs / 2) return;
    void send(["hb"]).catch(() => undefined);
  }, beatMs);
  // The node's name as Slurm knows it: several nodes may share one host name (a test cluster).
  const node = nodeName();
  const nres = problem.residualCount();
  await send(["hello", JSON.stringify({ labels, residuals: nres, host: hostname(), node, pid: process.pid })]);
  log(`fit-worker ${node}:${process.pid} connected to ${endpoint}`);
  let evaluated = 0;
  let band: { source: BandSource; grids: BandGrid[] } | undefined;
  try {
    for (;;) {
      const [kind, meta, data, widthFrame] = await socket.receive();
      const k = kind?.toString();
      if (k === "stop") break;
      if ((k !== "eval" && k !== "resid" && k !== "curves") || meta === undefined || data === undefined) continue;
      if (decodeTag(meta) === undefined) continue;
      const points = new Float64Array(data.byteLength / 8);
      new Uint8Array(points.buffer).set(data);
      const count = points.length / p;
      let width = k === "resid" ? nres : 1;
      let curves: typeof band;
      if (k === "curves") {
        // The band's grids come from the model file as the sampler's do: a model that draws no
        // curve, or other grids, is an error the sampler hears of (it then draws the band itself).
        const asked = widthFrame === undefined ? undefined : decodeTag(widthFrame);
        if (!isBandSource(problem)) {
          await send(["error", meta, "the model file's problem does not expose its models, so it draws no band"]);
          continue;
        }
        curves = band ??= { source: problem, grids: bandGrids(problem) };
        width = bandWidth(curves.grids);
        if (asked !== width) {
          await send(["error", meta, `the model file's curves have ${width} values per draw, expected ${asked}`]);
          continue;
        }
      }
      const out = new Float64Array(count * width);
      try {
        for (let i = 0; i < count; i++) {
          const x = points.subarray(i * p, i * p + p);
          if (k === "eval") out[i] = problem.nllf(x);
          else if (curves !== undefined) curvesAt(curves.source, curves.grids, x, out.subarray(i * width, (i + 1) * width));
          else problem.residuals(x, out.subarray(i * width, (i + 1) * width));
          // Let the heartbeat out during long slices.
          if (Date.now() - lastBeat > beatMs) await new Promise((r) => setImmediate(r));
        }
      } catch (e) {
        await send(["error", meta, (e as Error).message]);
        continue;
      }
      evaluated += count;
      // The tag frame goes back as it came.
      await send(["result", meta, Buffer.from(out.buffer)]);
    }
  } finally {
    clearInterval(beat);
    await sending;
    socket.close();
  }
  log(`fit-worker ${node}:${process.pid} stopped after ${evaluated} evaluations`);
  return evaluated;
}
