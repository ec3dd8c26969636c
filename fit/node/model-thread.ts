/**
 * What the model worker threads (`evaluation-thread.ts`, `start-worker.ts`) share: their port to
 * the fit's thread and the model file they were started with, loaded once.
 */
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { loadModelFile, type LoadedModel } from "./load-model.js";

/** A model thread's port to the fit's thread and its model's problem. */
export interface ThreadModel {
  port: MessagePort;
  problem: LoadedModel["problem"];
}

/**
 * Loads the model file named by the thread's `workerData.modelFile`. When it fails, the thread's
 * answer is `{ error }` to the fit's thread (which reports it as the fit's error) and this
 * returns undefined.
 * @param thread the thread's file name, for the error when it is not run as a worker thread
 */
export async function loadThreadModel(thread: string): Promise<ThreadModel | undefined> {
  const port = parentPort;
  if (!port) throw new Error(`${thread} must run in a worker thread`);
  const { modelFile } = workerData as { modelFile: string };
  try {
    return { port, problem: (await loadModelFile(modelFile)).problem };
  } catch (e) {
    port.postMessage({ error: (e as Error).message });
    return undefined;
  }
}
