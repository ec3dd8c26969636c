// The hpcfit.jobs comm feed, driven through the kernel's real CommManager with the local backend.
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import type { JSONObject } from "../../kernel/comms/types.js";
import { jobs } from "hpcfit";
import { JOBS_COMM_TARGET } from "../../schema/jobs.js";
import { registerJobsFeed, type JobsFeed } from "../../jobs/feed/feed.js";
import { freshDirs, jobsFeedRecorder } from "./support.js";

const { comms, sent, errors, messages, until } = jobsFeedRecorder(5);
let feed: JobsFeed;

async function msg(data: JSONObject): Promise<void> {
  await comms.handleMessage({ comm_id: "panel-1", data }, []);
}

beforeAll(async () => {
  freshDirs();
  process.env.HPCFIT_LOCAL_CPUS = "2";
  jobs.useBackend("local");
  feed = registerJobsFeed(comms, { fastIntervalMs: 100, slowIntervalMs: 500 });
});

afterAll(() => feed.stop());

test("subscribe, submit, see changes pushed, cancel, tail, and clear errors for bad requests", async () => {
  await comms.handleOpen({
    comm_id: "panel-1",
    target_name: JOBS_COMM_TARGET,
    data: { type: "subscribe", version: 1, filter: { user: "me" } },
  });
  const snapshot = await until("a snapshot", () => messages().find((m) => m.type === "snapshot"));
  expect(snapshot).toMatchObject({ type: "snapshot", version: 1, backend: "local", jobs: [] });

  await msg({ type: "submit", requestId: "s1", script: "#!/bin/sh\necho from the panel\n", args: ["-J", "panel job"] });
  const reply = await until("the submit reply", () => messages().find((m) => m.type === "reply" && m.requestId === "s1"));
  if (reply.type !== "reply" || !reply.ok) throw new Error(`submit failed: ${JSON.stringify(reply)}`);
  const id = reply.jobs![0].id;
  // The feed pushes the job's changes until it completed.
  await until("the job's completion pushed", () =>
    messages().find((m) => m.type === "changes" && m.upserted.some((r) => r.id === id && r.state === "COMPLETED")),
  );

  await msg({ type: "tail", requestId: "t1", id, lines: 5 });
  const out = await until("its output", () => messages().find((m) => m.type === "output" && m.requestId === "t1"));
  expect(out).toMatchObject({ type: "output", id, stream: "stdout", text: "from the panel\n", done: true });

  const long = await jobs.submit({ args: ["-J", "long", "--wrap", "sleep 60"] });
  await until("the long job running", () =>
    messages().find((m) => m.type === "changes" && m.upserted.some((r) => r.id === long.id && r.state === "RUNNING")),
  );
  await msg({ type: "action", requestId: "c1", action: "cancel", ids: [long.id] });
  expect(await until("the cancel reply", () => messages().find((m) => m.type === "reply" && m.requestId === "c1"))).toMatchObject(
    { ok: true },
  );
  await until("the cancellation pushed", () =>
    messages().find((m) => m.type === "changes" && m.upserted.some((r) => r.id === long.id && r.state === "CANCELLED")),
  );
  // The output of a cancelled job says so when it ends.
  await msg({ type: "tail", requestId: "t2", id: long.id, follow: true });
  const last = await until("the cancelled job's output", () =>
    messages().find((m) => m.type === "output" && m.requestId === "t2" && m.done),
  );
  expect(last).toMatchObject({
    done: true,
    notice: expect.stringMatching(new RegExp(`^Job ${long.id} was cancelled at .*; its output ends here\\.$`)),
  });

  await msg({ type: "action", requestId: "c2", action: "cancel", ids: ["424242"] });
  expect(await until("an error reply", () => messages().find((m) => m.type === "reply" && m.requestId === "c2"))).toMatchObject({
    ok: false,
    error: "no such job: 424242",
  });
  await msg({ type: "action", requestId: "c3", action: "explode", ids: ["1"] });
  const bad = await until("a validation error", () => messages().find((m) => m.type === "reply" && m.requestId === "c3"));
  expect(bad).toMatchObject({ ok: false });
  expect(bad.type === "reply" && !bad.ok && bad.error).toMatch(/unknown action "explode"/);
  await msg({ type: "nonsense" });
  expect(await until("an error message", () => messages().find((m) => m.type === "error"))).toMatchObject({
    error: expect.stringMatching(/unknown jobs message type "nonsense"/),
  });
  await msg({ type: "submit", requestId: "s2", script: "echo no shebang" });
  expect(await until("a submit error", () => messages().find((m) => m.type === "reply" && m.requestId === "s2"))).toMatchObject({
    ok: false,
    error: expect.stringMatching(/#!/),
  });

  // Refreshes asked for while a poll is under way are answered, not dropped; after a switch of
  // backend (here to the real test cluster) the panel gets a snapshot of the other scheduler.
  const before = messages().filter((m) => m.type === "snapshot").length;
  await Promise.all([msg({ type: "refresh" }), msg({ type: "refresh" })]);
  await until("the refresh snapshots", () =>
    messages().filter((m) => m.type === "snapshot").length >= before + 1 ? true : undefined,
  );
  process.env.SLURM_CONF = inject("slurmConf");
  jobs.useBackend("slurm");
  await msg({ type: "refresh" });
  await until("a Slurm snapshot", () => messages().find((m) => m.type === "snapshot" && m.backend === "slurm"));
  jobs.useBackend("local");

  // With the comm closed nobody listens: the feed stops polling (no more messages arrive).
  comms.handleClose({ comm_id: "panel-1", data: {} });
  const count = sent.length;
  await jobs.submit({ args: ["--wrap", "true"] });
  await new Promise((r) => setTimeout(r, 600));
  expect(sent.length).toBe(count);
  expect(errors).toEqual([]);
});
