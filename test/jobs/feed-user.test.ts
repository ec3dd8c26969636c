// The hpcfit.jobs feed asks the backend for one user's jobs when every subscriber watches that
// user, and for everyone's otherwise: driven through the kernel's real CommManager, on the real
// Slurm backend of the test cluster, whose list() calls are recorded on their way through.
import { userInfo } from "node:os";
import { afterAll, beforeAll, expect, test } from "vitest";
import { KernelCommManager } from "../../kernel/comms/comm-manager.js";
import type { JSONObject } from "../../kernel/comms/types.js";
import { jobs } from "hpcfit";
import { JOBS_COMM_TARGET } from "../../schema/jobs.js";
import { registerJobsFeed, type JobsFeed } from "../../jobs/feed/feed.js";
import type { JobFilter } from "../../jobs/types.js";
import { freshDirs } from "./support.js";

const comms = new KernelCommManager(
  () => undefined,
  (e) => {
    throw e;
  },
);
/** The filter of every list() the feed made, in order. */
const asked: Array<JobFilter | undefined> = [];
let feed: JobsFeed;

beforeAll(() => {
  freshDirs();
  const slurm = jobs.useBackend("slurm");
  const recording = new Proxy(slurm, {
    get(target, key, receiver) {
      if (key === "list")
        return (filter?: JobFilter) => {
          asked.push(filter);
          return target.list(filter);
        };
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  feed = registerJobsFeed(comms, { backend: () => recording, fastIntervalMs: 100, slowIntervalMs: 200 });
});

afterAll(() => feed.stop());

async function open(id: string, filter: JSONObject): Promise<void> {
  await comms.handleOpen({ comm_id: id, target_name: JOBS_COMM_TARGET, data: { type: "subscribe", version: 1, filter } });
}

/** Waits until a listing made after this call asked for `user` (undefined: every user's jobs). */
async function nextListingAsks(user: string | undefined): Promise<void> {
  const from = asked.length;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const later = asked.slice(from);
    // The first listing after the change may have started before it: look at the ones after.
    if (later.length >= 2) {
      expect(later.at(-1)?.user).toBe(user);
      expect(later.at(-1)?.states).toBe("all");
      return;
    }
    if (Date.now() > deadline) throw new Error(`no listing within 20 s; asked ${JSON.stringify(asked.slice(-5))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("one user watched by every subscriber: the listing asks for that user only; several users or all: for everyone", async () => {
  const me = userInfo().username;
  await open("mine", { user: "me" });
  await nextListingAsks(me);
  // A second panel on the same user (named, not "me") changes nothing.
  await open("mine-too", { user: me });
  await nextListingAsks(me);
  // A panel on another user: the listing must hold both users' jobs.
  await open("other", { user: "nobody" });
  await nextListingAsks(undefined);
  comms.handleClose({ comm_id: "other" });
  await nextListingAsks(me);
  // A panel on everyone's jobs.
  await open("all", { user: "all" });
  await nextListingAsks(undefined);
  comms.handleClose({ comm_id: "all" });
  comms.handleClose({ comm_id: "mine" });
  comms.handleClose({ comm_id: "mine-too" });
  // Only another user watched: that user's jobs only.
  await open("only-other", { user: "nobody" });
  await nextListingAsks("nobody");
});
