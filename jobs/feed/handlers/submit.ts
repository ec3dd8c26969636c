import type { RequestHandler } from "./types.js";

/** `submit`: submits a batch script; the reply carries the new job's rows. */
export const handleSubmit: RequestHandler<"submit"> = async (m, from, feed) => {
  const jobs = await feed.backend().submit({ script: m.script, args: m.args ?? [] });
  feed.send(from, { type: "reply", requestId: m.requestId, ok: true, jobs });
  feed.pollSoon();
};
