// The engine's Node-only adapters: result stores on disk (bumps' files, the ArviZ export) and worker-thread evaluation.
export { saveResult, loadResult, storedNames, parText, type SaveOptions, type StoredFiles } from "./store.js";
export { writeArviz, readArviz } from "./arviz-export.js";
export { availableCpus, countCpuList, WorkerEvaluator, parallelEvaluator } from "./parallel.js";
export { readData, type DataTable, type ColumnRef } from "./read-data.js";
