/**
 * A worker thread of {@link WorkerEvaluator}: loads the model module once, then evaluates the
 * slices of the shared population it is sent (nllf values, or residual vectors).
 */
import { loadThreadModel } from "./model-thread.js";
import { bandGrids, bandWidth, curvesAt, isBandSource, type BandGrid } from "../model-bands.js";

interface Slice {
  start: number;
  end: number;
  /** Residual vectors (into `residuals`) instead of nllf values. */
  residuals?: boolean;
}
interface Buffers {
  buffers: { points: SharedArrayBuffer; out: SharedArrayBuffer; residuals?: SharedArrayBuffer };
}
/** Model curves of points `start..end` on the band grids, `width` values each. */
interface Curves {
  curves: { start: number; end: number; width: number };
}
interface CurveBuffers {
  curveBuffers: { points: SharedArrayBuffer; out: SharedArrayBuffer };
}

async function main(): Promise<void> {
  const loaded = await loadThreadModel("parallel-worker");
  if (!loaded) return;
  const { port, problem } = loaded;
  const p = problem.labels().length;
  let points: Float64Array = new Float64Array(0);
  let out: Float64Array = new Float64Array(0);
  let residuals: Float64Array = new Float64Array(0);
  let curvePoints: Float64Array = new Float64Array(0);
  let curveOut: Float64Array = new Float64Array(0);
  let grids: BandGrid[] | undefined;
  port.on("message", (m: Slice | Buffers | Curves | CurveBuffers) => {
    if ("buffers" in m) {
      points = new Float64Array(m.buffers.points);
      out = new Float64Array(m.buffers.out);
      if (m.buffers.residuals) residuals = new Float64Array(m.buffers.residuals);
      return;
    }
    if ("curveBuffers" in m) {
      curvePoints = new Float64Array(m.curveBuffers.points);
      curveOut = new Float64Array(m.curveBuffers.out);
      return;
    }
    if ("curves" in m) {
      const { start, end, width } = m.curves;
      if (!isBandSource(problem)) {
        port.postMessage({ error: "the model file's problem does not expose its models, so it draws no band" });
        return;
      }
      grids ??= bandGrids(problem);
      if (bandWidth(grids) !== width) {
        port.postMessage({ error: `the model file's curves have ${bandWidth(grids)} values per draw, expected ${width}` });
        return;
      }
      for (let i = start; i < end; i++)
        curvesAt(problem, grids, curvePoints.subarray(i * p, i * p + p), curveOut.subarray(i * width, (i + 1) * width));
      port.postMessage({ done: true });
      return;
    }
    try {
      if (m.residuals) {
        const nres = problem.residualCount();
        for (let i = m.start; i < m.end; i++)
          problem.residuals(points.subarray(i * p, i * p + p), residuals.subarray(i * nres, (i + 1) * nres));
      } else for (let i = m.start; i < m.end; i++) out[i] = problem.nllf(points.subarray(i * p, i * p + p));
      port.postMessage({ done: true });
    } catch (e) {
      port.postMessage({ error: `the model threw: ${(e as Error).message}` });
    }
  });
  port.postMessage({ ready: true, labels: problem.labels() });
}

void main();
