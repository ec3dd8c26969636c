// Headless, parameterized notebook runs: `import { notebooks } from "hpcfit"`.
export { runNotebookFile, mergeParameters, type RunFileOptions, type RunFileResult } from "./run-file.js";
export { runSweep, type SweepOptions, type SweepResult } from "./sweep-run.js";
export {
  parseGridAxis,
  gridCombinations,
  summaryCsv,
  readSummary,
  latestSummary,
  type GridAxis,
  type SweepRow,
  type SummaryRun,
} from "./sweep.js";
export { submitNotebookRun, submitSweepArray, rowFromOutput, type BatchRunOptions } from "./batch.js";
export { injectParameters, declaredParameters, typedValue, expandPathTemplate, type ParameterValues } from "./parameters.js";
export { readNotebook, writeNotebook, parseNotebook, type Notebook, type NotebookCell, type NotebookOutput } from "./notebook.js";
export { startKernel, type StartKernelOptions } from "./kernel-connection.js";
export { record, RECORD_MIME } from "./record.js";
