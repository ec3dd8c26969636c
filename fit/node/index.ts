// The engine's Node-only adapters: result stores on disk (bumps' files, the ArviZ export), worker-thread evaluation and parallel starts.
export { saveResult, loadResult, storedNames, parText, type SaveOptions, type StoredFiles } from "./store.js";
export { writeArviz, readArviz } from "./arviz-export.js";
export { availableCpus, countCpuList, WorkerEvaluator, parallelEvaluator } from "./parallel.js";
export { runStartsOnThreads } from "./parallel-starts.js";
export { readData, type DataTable, type ColumnRef } from "./read-data.js";
