/**
 * The shape of a request handler of the jobs feed: one per client message type that asks the
 * kernel to do something (act on jobs, tail output, submit). Each lives in its own file of this
 * folder, or outside `jobs/` for requests of higher libraries, and is added with
 * `JobsFeed.handle`.
 */
import type { JobsClientMessage, JobsServerMessage } from "../../../schema/jobs.js";
import type { JobsBackend } from "../../types.js";
import type { Subscription } from "../subscription.js";

/** What a handler may use of the feed. */
export interface FeedContext {
  /** The current backend. */
  backend(): JobsBackend;
  /** Sends a (validated) message to one subscriber. */
  send(to: Subscription, message: JobsServerMessage): void;
  /** Asks for a poll now, e.g. after an action changed jobs. */
  pollSoon(): void;
  /** The feed's fast poll interval, for handlers that follow something. */
  readonly fastIntervalMs: number;
}

/** The client message types that are requests (they carry a `requestId`). */
export type RequestType = Extract<JobsClientMessage, { requestId: string }>["type"];

/** Handles one request message from `from`; errors it throws are answered as `reply` with `ok: false`. */
export type RequestHandler<T extends RequestType = RequestType> = (
  message: Extract<JobsClientMessage, { type: T }>,
  from: Subscription,
  feed: FeedContext,
) => Promise<void>;
