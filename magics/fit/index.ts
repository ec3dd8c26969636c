// %%fit and its library: fit jobs (directory, script, submission, progress, results), the ZeroMQ
// population evaluator and its workers.
export { fitMagic } from "./magic.js";
export { FitJob, dryRunText, findFitJob, listFitJobs, prepareFitJob, runPreparedLocally, submitFitJob, type PreparedFitJob } from "./fit-job.js";
export { FitJobError, parseFitLine, type FitJobRequest, type FitJobFitOptions, type FitJobResources } from "./options.js";
export { readSpec, type FitJobSpec } from "./job-directory.js";
export { readProgress, type FitProgress, type WorkerInfo } from "./progress.js";
export { readCheckpoint, writeCheckpoint } from "./checkpoint.js";
export { runFitJob, type DriverOptions } from "./driver.js";
export { ZmqEvaluator, type ZmqEvaluatorOptions } from "./zmq-evaluator.js";
export { runEvaluationWorker, type EvaluationWorkerOptions } from "./zmq-worker.js";
