/**
 * Answers a `history_request` from a {@link HistoryStore}: tail, range or search.
 */
import type { HistoryStore } from "../history/history-store.js";
import { UserError } from "../../util/user-error.js";

function int(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : fallback;
}

/** The `history` list for a request's content. */
export function answerHistoryRequest(store: HistoryStore, content: Record<string, unknown>): unknown[] {
  const options = { output: content.output === true };
  switch (content.hist_access_type) {
    case "tail":
      return store.tail(int(content.n, 10), options);
    case "range":
      return store.range(int(content.session, 0), int(content.start, 1), int(content.stop, 0), options);
    case "search": {
      const pattern = typeof content.pattern === "string" && content.pattern !== "" ? content.pattern : "*";
      return store.search(pattern, int(content.n, 0), content.unique === true, options);
    }
    default:
      throw new UserError(
        `hist_access_type must be "tail", "range" or "search", got ${JSON.stringify(content.hist_access_type)}`,
      );
  }
}
