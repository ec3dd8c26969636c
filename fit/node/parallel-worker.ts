/**
 * A worker thread of {@link WorkerEvaluator}: loads the model module once, then evaluates the
 * slices of the shared population it is sent (nllf values, or residual vectors).
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadModelFile } from "./load-model.js";

interface Slice {
  start: number;
  end: number;
  /** Residual vectors (into `residuals`) instead of nllf values. */
  residuals?: boolean;
}
interface Buffers {
  buffers: { points: SharedArrayBuffer; out: SharedArrayBuffer; residuals?: SharedArrayBuffer };
}

const port = parentPort;
if (!port) throw new Error("parallel-worker must run in a worker thread");

async function main(): Promise<void> {
  const { modelFile } = workerData as { modelFile: string };
  let problem;
  try {
    ({ problem } = await loadModelFile(modelFile));
  } catch (e) {
    port!.postMessage({ error: (e as Error).message });
    return;
  }
  const p = problem.labels().length;
  let points: Float64Array = new Float64Array(0);
  let out: Float64Array = new Float64Array(0);
  let residuals: Float64Array = new Float64Array(0);
  port!.on("message", (m: Slice | Buffers) => {
    if ("buffers" in m) {
      points = new Float64Array(m.buffers.points);
      out = new Float64Array(m.buffers.out);
      if (m.buffers.residuals) residuals = new Float64Array(m.buffers.residuals);
      return;
    }
    try {
      if (m.residuals) {
        const nres = problem.residualCount();
        for (let i = m.start; i < m.end; i++)
          problem.residuals(points.subarray(i * p, i * p + p), residuals.subarray(i * nres, (i + 1) * nres));
      } else for (let i = m.start; i < m.end; i++) out[i] = problem.nllf(points.subarray(i * p, i * p + p));
      port!.postMessage({ done: true });
    } catch (e) {
      port!.postMessage({ error: `the model threw: ${(e as Error).message}` });
    }
  });
  port!.postMessage({ ready: true, labels: problem.labels() });
}

void main();
