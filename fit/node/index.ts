// The engine's Node-only adapters: result stores on disk and worker-thread evaluation.
export { saveResult, loadResult, storedNames, parText, type StoredFiles } from "./store.js";
export { availableCpus, countCpuList, WorkerEvaluator, parallelEvaluator } from "./parallel.js";
export { readData, type DataTable, type ColumnRef } from "./read-data.js";
