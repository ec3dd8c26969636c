/**
 * An evaluation thread of a worker process of a spread fit (`thread-slices.ts`): loads the model
 * file, says it is ready, then sleeps on its wake cell of the shared control block and, at each
 * wake, takes the slice's points one at a time until none is left, evaluating each into the
 * shared values (`thread-control.ts`). A model that throws leaves the text of the first point
 * it threw at in the thread's error cells; the last thread done wakes the process.
 */
import { receiveMessageOnPort, workerData } from "node:worker_threads";
import {
  BUFFERS,
  ERROR_BYTES,
  ERROR_LENGTH,
  ERROR_POINT,
  KINDS,
  NEXT,
  REMAINING,
  ROW,
  SLICE_ASKED,
  SLICE_COUNT,
  SLICE_KIND,
  STATUS,
  WAKE,
  sliceCell,
  type ThreadBuffers,
  type EvaluationThreadData,
} from "./thread-control.js";
import { loadThreadModel } from "./model-thread.js";
import { evaluateSlice, sliceModel, sliceWidth } from "./slice-evaluation.js";

async function main(): Promise<void> {
  const loaded = await loadThreadModel("evaluation-thread");
  if (!loaded) return;
  const { port, problem } = loaded;
  const { index, threads, control, errors } = workerData as EvaluationThreadData;
  const cells = new Int32Array(control);
  const errorText = new Uint8Array(errors, index * ERROR_BYTES, ERROR_BYTES);
  const row = index * ROW;
  const remaining = sliceCell(threads, REMAINING);
  const nextPoint = sliceCell(threads, NEXT);
  const countCell = sliceCell(threads, SLICE_COUNT);
  const kindCell = sliceCell(threads, SLICE_KIND);
  const askedCell = sliceCell(threads, SLICE_ASKED);
  const model = sliceModel(problem);
  let version = 0;
  let points: Float64Array = new Float64Array(0);
  let values: Float64Array = new Float64Array(0);
  // Read before the hello: the process may wake the thread as soon as it hears it.
  let seen = Atomics.load(cells, row + WAKE);
  port.postMessage({ ready: true, labels: problem.labels(), residuals: model.residuals });
  // The thread has nothing else to do: it blocks between slices, so a wake costs no event-loop turn.
  for (;;) {
    Atomics.wait(cells, row + WAKE, seen);
    seen = Atomics.load(cells, row + WAKE);
    if (seen < 0) break;
    const wanted = Atomics.load(cells, row + BUFFERS);
    while (version !== wanted) {
      const next = receiveMessageOnPort(port)?.message as ThreadBuffers | undefined;
      if (next === undefined) throw new Error(`evaluation thread ${index + 1}: buffers of version ${wanted} never came`);
      version = next.version;
      points = new Float64Array(next.points);
      values = new Float64Array(next.values);
    }
    const kind = KINDS[cells[kindCell]];
    const count = cells[countCell];
    let failure: string | undefined;
    let failedAt = -1;
    const width = sliceWidth(model, kind, cells[askedCell]);
    if (typeof width === "string") failure = width;
    else
      // Past a failure the thread goes on taking points: the process reports the slice's first
      // failing point, whichever thread took it, so the error heard does not depend on timing.
      for (let i = Atomics.add(cells, nextPoint, 1); i < count; i = Atomics.add(cells, nextPoint, 1)) {
        try {
          evaluateSlice(model, kind, points, i, i + 1, width, values);
        } catch (e) {
          if (failure !== undefined) continue;
          failure = e instanceof Error ? e.message : String(e);
          failedAt = i;
        }
      }
    if (failure === undefined) cells[row + STATUS] = 0;
    else {
      const { written } = new TextEncoder().encodeInto(failure, errorText);
      cells[row + ERROR_LENGTH] = written;
      cells[row + ERROR_POINT] = failedAt;
      cells[row + STATUS] = 1;
    }
    if (Atomics.sub(cells, remaining, 1) === 1) Atomics.notify(cells, remaining);
  }
}

void main();
