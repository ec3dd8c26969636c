// What the Jobs panel is told: jobs submitted through this kernel are pushed at once (polling
// only finds jobs from elsewhere), the snapshot says whose jobs these are and which come from this
// notebook, and only jobs with results say where theirs are.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { userInfo } from "node:os";
import { afterAll, beforeAll, expect, test } from "vitest";
import { jobs } from "hpcfit";
import { JOBS_COMM_TARGET, type JobRow } from "../../schema/jobs.js";
import { registerJobsFeed, type JobsFeed } from "../../jobs/feed/feed.js";
import { fitResultFile } from "../../fit-jobs/result-file.js";
import { ROOT } from "../support/kernel-client.js";
import { freshDirs, jobsFeedRecorder } from "./support.js";

const { comms, messages, until } = jobsFeedRecorder(3);
let feed: JobsFeed;
let work = "";

/** The last row pushed for job `id` (snapshot or changes). */
function lastRow(id: string): JobRow | undefined {
  let row: JobRow | undefined;
  for (const m of messages()) {
    if (m.type === "snapshot" || m.type === "changes")
      row = (m.type === "snapshot" ? m.jobs : m.upserted).find((r) => r.id === id) ?? row;
  }
  return row;
}

beforeAll(async () => {
  ({ work } = freshDirs());
  process.env.HPCFIT_LOCAL_CPUS = "2";
  jobs.useBackend("local");
  // Polls so rare that anything seen within the test was pushed, not polled.
  feed = registerJobsFeed(comms, { fastIntervalMs: 120_000, slowIntervalMs: 120_000, resultsOf: fitResultFile });
  await comms.handleOpen({ comm_id: "panel", target_name: JOBS_COMM_TARGET, data: { type: "subscribe", version: 1 } });
});

afterAll(() => feed.stop());

test("the snapshot names the kernel's user and origin; a job submitted here is pushed at once and marked as from here", async () => {
  const snapshot = await until("the snapshot", () => messages().find((m) => m.type === "snapshot"));
  if (snapshot.type !== "snapshot") throw new Error("not a snapshot");
  expect(snapshot.user).toBe(userInfo().username);
  expect(snapshot.origin).toBe(feed.origin);
  expect(snapshot.jobs).toEqual([]);

  const job = await jobs.submit({ args: ["-J", "pushed", "--wrap", "sleep 1"] });
  const pushed = await until("the new job pushed", () => lastRow(job.id));
  expect(pushed).toMatchObject({ id: job.id, name: "pushed", origin: snapshot.origin, results: null });
  await job.wait({ pollMs: 100, live: false });

  // A job from another process is not from this notebook, and is found by the (refreshed) poll.
  const code = `const jobs = await import(${JSON.stringify(join(ROOT, "dist", "jobs", "index.js"))});
jobs.useBackend("local");
process.stdout.write((await jobs.submit({ args: ["-J", "elsewhere", "--wrap", "true"] })).id);`;
  const other = execFileSync(process.execPath, ["--input-type=module", "-e", code], {
    env: { ...process.env },
    encoding: "utf8",
    timeout: 30_000,
  });
  await comms.handleMessage({ comm_id: "panel", data: { type: "refresh" } }, []);
  const elsewhere = await until("the other process's job", () => lastRow(other));
  expect(elsewhere.origin).toMatch(/^.+:\d+$/);
  expect(elsewhere.origin).not.toBe(snapshot.origin);
});

test("only a job with a stored result says where it is, and it is that job's", async () => {
  // Another job's result lies in the folder: a plain job run there has none.
  const plain = await jobs.submit({ args: ["-J", "plain", "--wrap", "echo plain"], cwd: work });
  await plain.wait({ pollMs: 100, live: false });
  const otherStore = join(work, "results", "line-999999");
  mkdirSync(otherStore, { recursive: true });
  writeFileSync(join(otherStore, "fit.json"), "{}");
  writeFileSync(join(otherStore, "fit.par"), "a 1\n");
  // A job that stores its result in a folder named for it has that one.
  const fitting = await jobs.submit({
    args: [
      "-J",
      "stores",
      "--wrap",
      'mkdir -p results/line-$SLURM_JOB_ID && echo "{}" > results/line-$SLURM_JOB_ID/fit.json && echo "a 2" > results/line-$SLURM_JOB_ID/fit.par',
    ],
    cwd: work,
  });
  await fitting.wait({ pollMs: 100, live: false });
  await comms.handleMessage({ comm_id: "panel", data: { type: "refresh" } }, []);
  await until("both ended in a snapshot", () =>
    lastRow(plain.id)?.state === "COMPLETED" && lastRow(fitting.id)?.state === "COMPLETED" ? true : undefined,
  );
  expect(lastRow(plain.id)!.results).toBeNull();
  expect(lastRow(fitting.id)!.results).toBe(join(work, "results", `line-${fitting.id}`, "fit.json"));
});
