// The Jobs panel's "New fit job" form, answered by the kernel over the hpcfit.jobs comm (the real
// CommManager and feed, the local backend): the catalog comes from the fit options table, a bad
// field is refused with %%fit's words, a dry run answers the batch script, and a submitted job is
// a %%fit job (its driver, its progress file, its stored result).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KernelCommManager } from "../../kernel/comms/comm-manager.js";
import type { JSONObject } from "../../kernel/comms/types.js";
import { jobs } from "hpcfit";
import { JOBS_COMM_TARGET, validateJobsServerMessage, type JobsServerMessage } from "../../schema/jobs.js";
import { registerJobsFeed } from "../../jobs/feed/feed.js";
import { handleFitJobRequests } from "../../fit-jobs/panel-requests.js";

import { findFitJob } from "../../fit-jobs/fit-job.js";
import { freshDirs, lineModel, runFit } from "./support.js";

const sent: { type: string; content: JSONObject }[] = [];
const comms = new KernelCommManager(
  (msgType, content) => sent.push({ type: msgType, content }),
  () => undefined,
);
let stop: () => void;
let work: string;

function messages(): JobsServerMessage[] {
  return sent
    .filter((s) => s.type === "comm_msg")
    .map((s) => {
      const check = validateJobsServerMessage(s.content.data);
      if (!check.ok) throw new Error(`invalid message from the kernel: ${check.error}`);
      return check.value;
    });
}

async function answer(requestId: string, data: JSONObject, ms = 120_000): Promise<JobsServerMessage> {
  await comms.handleMessage({ comm_id: "form-1", data: { ...data, requestId } }, []);
  const deadline = Date.now() + ms;
  for (;;) {
    const m = messages().find((x) => "requestId" in x && x.requestId === requestId && x.type !== "output");
    if (m !== undefined) return m;
    if (Date.now() > deadline) throw new Error(`no answer to ${requestId}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function order(options: Record<string, string>, resources: Record<string, string> = {}): JSONObject {
  return { modelFile: join(work, "line-model.ts"), method: "dream", options, resources };
}

beforeAll(async () => {
  ({ work } = freshDirs());
  writeFileSync(join(work, "line-model.ts"), lineModel());
  jobs.useBackend("local");
  const feed = registerJobsFeed(comms, { fastIntervalMs: 200, slowIntervalMs: 1000 });
  handleFitJobRequests(feed);
  stop = () => feed.stop();
  await comms.handleOpen({ comm_id: "form-1", target_name: JOBS_COMM_TARGET, data: { type: "subscribe", version: 1 } });
});

afterAll(() => stop());

describe("the New fit job form, answered in the kernel", () => {
  test("the catalog lists the methods, each option with the methods that use it, and the Slurm resources", async () => {
    const m = await answer("cat-1", { type: "fitJobCatalog", version: 1 });
    if (m.type !== "fitJobCatalog") throw new Error(JSON.stringify(m));
    expect(m.catalog.methods).toEqual(["lm", "amoeba", "newton", "de", "dream", "smc"]);
    const samples = m.catalog.options.find((o) => o.name === "samples");
    expect(samples).toMatchObject({
      kind: "integer",
      expected: "a positive integer",
      methods: ["dream"],
      defaults: { dream: "10000" },
    });
    expect(m.catalog.options.find((o) => o.name === "init")).toMatchObject({
      kind: "choice",
      values: ["eps", "lhs", "cov", "random", "fit"],
    });
    expect(m.catalog.options.some((o) => o.name === "parallel")).toBe(false);
    expect(m.catalog.resources.map((r) => r.name)).toEqual(expect.arrayContaining(["ntasks", "time", "partition", "job-name"]));
  });

  test("a bad field gets %%fit's refusal, and an old or malformed request a clear error", async () => {
    const bad = await answer("bad-1", { type: "fitJob", version: 1, order: order({ pop: "2.5" }), dryRun: true });
    const viaMagic = await runFit("--fit=dream --pop=2.5", lineModel()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(bad).toEqual({
      type: "reply",
      requestId: "bad-1",
      ok: false,
      error: "option pop must be a positive integer, got 2.5",
    });
    expect(viaMagic?.message).toBe(`%%fit: ${bad.type === "reply" && !bad.ok ? bad.error : ""}`);
    expect(await answer("bad-2", { type: "fitJob", version: 2, order: order({}), dryRun: true })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/fitJob.version must be 1/),
    });
    expect(await answer("bad-3", { type: "fitJob", version: 1, order: { method: "dream" }, dryRun: true })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/modelFile/),
    });
  });

  test("a dry run answers the batch script %%fit would submit and leaves no directory", async () => {
    const m = await answer("dry-1", {
      type: "fitJob",
      version: 1,
      order: order({ samples: "400", burn: "20" }, { "job-name": "formfit", time: "00:05:00" }),
      dryRun: true,
    });
    if (m.type !== "fitJob") throw new Error(JSON.stringify(m));
    expect(m.jobs).toEqual([]);
    expect(m.script).toContain("#SBATCH --job-name=formfit");
    expect(m.script).toContain("#SBATCH --time=00:05:00");
    expect(m.script).toContain("fit-jobs/job-main.js");
    expect(existsSync(m.dir)).toBe(false);
  });

  test("an option whose flag is not its name (maxTime, --max-time) is ordered by its flag", async () => {
    const m = await answer("dry-2", {
      type: "fitJob",
      version: 1,
      order: order({ samples: "400", maxTime: "10m" }),
      dryRun: true,
    });
    if (m.type !== "fitJob") throw new Error(JSON.stringify(m));
    expect(m.script).toContain("fit-jobs/job-main.js");
    const bad = await answer("dry-3", { type: "fitJob", version: 1, order: order({ maxTime: "soon" }), dryRun: true });
    expect(bad).toMatchObject({
      type: "reply",
      ok: false,
      error: expect.stringMatching(/option maxTime must be a positive number of seconds or a duration/),
    });
  });

  test("a submitted job is a %%fit job: its progress file, its stored result, found again by id", async () => {
    const m = await answer("go-1", {
      type: "fitJob",
      version: 1,
      order: order({ samples: "400", burn: "20", seed: "3" }, { "job-name": "formfit" }),
      dryRun: false,
    });
    if (m.type !== "fitJob") throw new Error(JSON.stringify(m));
    expect(m.jobs).toHaveLength(1);
    const job = await findFitJob(m.jobs[0].id);
    await job.job.wait();
    expect(job.job.state).toBe("COMPLETED");
    const progress = JSON.parse(readFileSync(join(m.dir, "store", "progress.json"), "utf8")) as { phase: string; method: string };
    expect(progress).toMatchObject({ phase: "done", method: "dream" });
    const result = await job.result();
    expect(result.method).toBe("dream");
    expect(JSON.parse(readFileSync(join(m.dir, "fit-job.json"), "utf8"))).toMatchObject({
      fit: { fit: "dream", samples: 400, burn: 20, seed: 3 },
    });
  });
});
