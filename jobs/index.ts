// The jobs layer: `import { jobs } from "hpcfit"`.
export * from "./api.js";
export { submissionOrigin } from "./origin.js";
export { Job, readTail, type WaitOptions } from "./job.js";
export { UserError } from "../util/user-error.js";
export { JobStore } from "./store.js";
export { LocalBackend } from "./local/local-backend.js";
export { SlurmBackend, slurmConfPath, type SlurmListingOptions } from "./slurm-backend.js";
export { jobsBundle, statusBundle, statusLine } from "./render.js";
export { JobsFeed, registerJobsFeed, type JobsFeedOptions } from "./feed/feed.js";
export type { CancelOutcome, JobFilter, JobsBackend, NodeInfo, PartitionInfo, SubmitRequest } from "./types.js";
export type { JobRow, JobState, JobsBackendKind } from "../schema/jobs.js";
