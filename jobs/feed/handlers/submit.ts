import { announceSubmitted } from "../../api.js";
import { submissionOrigin } from "../../origin.js";
import type { RequestHandler } from "./types.js";

/** `submit`: submits a batch script; the reply carries the new job's rows, and every panel sees it at once. */
export const handleSubmit: RequestHandler<"submit"> = async (m, from, feed) => {
  const b = feed.backend();
  const jobs = await b.submit({ script: m.script, args: m.args ?? [], origin: submissionOrigin() });
  feed.send(from, { type: "reply", requestId: m.requestId, ok: true, jobs });
  announceSubmitted(b.kind, jobs);
};
