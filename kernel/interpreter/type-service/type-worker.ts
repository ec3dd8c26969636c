/**
 * The type-service thread: owns the notebook's language service, so that building programs and
 * checking cells never hold up the thread that runs them. Requests are answered in order.
 */
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { blankMagics, topLevelNames } from "./cell-project.js";
import type { TypeReply, TypeRequest, TypeWorkerData } from "./messages.js";
import { NotebookLanguageService } from "./notebook-language-service.js";

/**
 * This thread's nice value. Checking a new cell text is several milliseconds of CPU; on a machine
 * with few free cores it would compete with the thread that runs the next cell. Niced, it takes
 * what the cells leave. Only on Linux, which keeps nice values per thread (0 names this thread);
 * elsewhere the call would lower the whole kernel.
 */
const NICE = 10;
if (process.platform === "linux") {
  try {
    setPriority(0, NICE);
  } catch {
    // Not permitted here: the thread runs at the kernel's priority.
  }
}

const data = workerData as TypeWorkerData;
const service = new NotebookLanguageService(data.notebookDir);
const withdrawn = new Int32Array(data.withdrawn);

/** The warm-up of fit's option keys to run, if any (see NotebookLanguageService.warmFitOptions). */
let warming: Iterator<void> | undefined;
/** When the thread last finished answering a request (performance.now()). */
let lastRequest = 0;

/**
 * How long the thread must have had no request before a step of the warm-up runs: a step is a
 * new program and its type checker's work (a few hundred milliseconds on a busy machine), and
 * a question that comes during it waits for it, and questions come in bursts (a user typing,
 * a client that asks again).
 */
const IDLE_MS = 2000;

/**
 * After a cell that imports something ran, computes fit's option keys ahead of their first
 * completion, a step at a time while the thread is idle. A cell without imports changes no
 * declaration those keys come from.
 */
function warmAfter(code: string): void {
  if (!/\bimport\b/.test(code)) return;
  const steps = service.warmFitOptions();
  if (!steps) return;
  const scheduled = warming !== undefined;
  warming = steps;
  if (!scheduled) setTimeout(warmStep, IDLE_MS);
}

function warmStep(): void {
  const idle = performance.now() - lastRequest;
  if (idle < IDLE_MS) {
    setTimeout(warmStep, IDLE_MS - idle);
    return;
  }
  try {
    if (warming!.next().done !== true) {
      setTimeout(warmStep, 0);
      return;
    }
  } catch {
    // A warm-up that fails leaves the keys to be computed when first asked.
  }
  warming = undefined;
}

function answer(request: TypeRequest): TypeReply {
  try {
    // Questions answered in order pile up when the thread is slower than the questions (a
    // niced thread on a busy machine, a client that floods completions); the withdrawn ones
    // cost nothing, so the thread catches up with its asker.
    if ((request.kind === "complete" || request.kind === "inspect") && request.id <= Atomics.load(withdrawn, 0)) {
      return { id: request.id, ok: true, value: undefined };
    }
    switch (request.kind) {
      case "complete":
        return { id: request.id, ok: true, value: service.complete(request.code, request.cursor) };
      case "inspect":
        return { id: request.id, ok: true, value: service.inspect(request.code, request.cursor, request.detailLevel) };
      case "check": {
        const diagnostics = service.diagnose(request.code);
        if (request.commit && service.parses(request.code)) {
          service.project.commit(request.code);
          warmAfter(request.code);
        }
        return { id: request.id, ok: true, value: diagnostics };
      }
      case "commit":
        // A cell that declares nothing is not kept (see CellProject.commit): no need to parse it.
        if (topLevelNames(blankMagics(request.code)).length > 0 && service.parses(request.code)) {
          service.project.commit(request.code);
          warmAfter(request.code);
        }
        return { id: request.id, ok: true, value: null };
    }
  } catch (error) {
    return { id: request.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

parentPort!.on("message", (request: TypeRequest) => {
  parentPort!.postMessage(answer(request));
  lastRequest = performance.now();
});
// Loading lib and Node's declarations takes a second or so: do it before the first question.
setImmediate(() => {
  try {
    service.warmUp();
  } catch {
    // A failed warm-up shows again, with its reason, on the first request.
  }
});
