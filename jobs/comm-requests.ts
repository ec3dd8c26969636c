/**
 * Requests on the `hpcfit.jobs` comm that libraries above the jobs layer answer (the fit-jobs
 * library answers the "New fit job" form): the feed hands them to a handler it is given, so the
 * jobs layer does not import those libraries.
 */
import type { JobsClientMessage, JobsServerMessage } from "../schema/jobs.js";

/** The client messages a {@link JobsRequestHandler} answers. */
export type DelegatedJobsRequest = Extract<JobsClientMessage, { type: "fitJobCatalog" | "fitJob" }>;

/**
 * Answers a delegated request with the message to send back; throws to answer with a failed
 * `reply` carrying the error's message.
 */
export type JobsRequestHandler = (request: DelegatedJobsRequest) => Promise<JobsServerMessage>;
