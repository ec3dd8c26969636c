/**
 * `tail` and `untail`: a job's output, once or followed as the file grows until the job ends or
 * the panel stops following.
 */
import { isTerminalState, type JobsClientMessage } from "../../../schema/jobs.js";
import { readTail } from "../../job.js";
import { endNotice } from "../../render.js";
import type { Subscription } from "../subscription.js";
import type { FeedContext, RequestHandler } from "./types.js";

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function follow(m: Extract<JobsClientMessage, { type: "tail" }>, from: Subscription, feed: FeedContext): void {
  const stream = m.stream ?? "stdout";
  let offset = 0;
  const step = async (first: boolean): Promise<void> => {
    if (!from.tails.has(m.requestId)) return;
    try {
      const rows = await feed.backend().list({ ids: [m.id], states: "all" });
      const row = rows[0];
      if (!row) throw new Error(`no such job: ${m.id}`);
      const path = stream === "stdout" ? row.stdout : row.stderr;
      const all = path ? readTail(path) : "";
      const text = first && m.lines !== undefined ? readTail(path ?? "", m.lines) : all.slice(offset);
      offset = all.length;
      const done = !m.follow || rows.every((r) => isTerminalState(r.state));
      const notice = done ? rows.map(endNotice).find((n) => n !== undefined) : undefined;
      if (text !== "" || done || first) {
        feed.send(from, { type: "output", requestId: m.requestId, id: m.id, stream, text, done, ...(notice ? { notice } : {}) });
      }
      if (done) from.tails.delete(m.requestId);
      else setTimeout(() => void step(false), feed.fastIntervalMs).unref();
    } catch (e) {
      from.tails.delete(m.requestId);
      feed.send(from, { type: "output", requestId: m.requestId, id: m.id, stream, text: `error: ${errorText(e)}\n`, done: true });
    }
  };
  from.tails.set(m.requestId, () => from.tails.delete(m.requestId));
  void step(true);
}

/** `tail`: starts sending `output` messages; replies first. */
export const handleTail: RequestHandler<"tail"> = async (m, from, feed) => {
  follow(m, from, feed);
  feed.send(from, { type: "reply", requestId: m.requestId, ok: true });
};

/** `untail`: stops a tail. */
export const handleUntail: RequestHandler<"untail"> = async (m, from, feed) => {
  from.tails.get(m.requestId)?.();
  feed.send(from, { type: "reply", requestId: m.requestId, ok: true });
};
