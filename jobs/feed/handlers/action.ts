import type { RequestHandler } from "./types.js";

/** `action`: cancel, hold, release or forget jobs, answered by one reply. */
export const handleAction: RequestHandler<"action"> = async (m, from, feed) => {
  const b = feed.backend();
  if (m.action === "forget") await b.forget(m.ids);
  else await b[m.action](m.ids);
  feed.send(from, { type: "reply", requestId: m.requestId, ok: true });
  feed.pollSoon();
};
