// The "Run as Job…" form answered by the real kernel over the hpcfit.jobs comm (driven through
// jupyter_client): a notebook's form, errors per field with nothing written, the script preview,
// a run whose progress in cells the feed publishes, a failing run pointing at its cell, a 2 × 3
// sweep as one job array with its summary, and runs on the Slurm test cluster whose previewed
// script is the one Slurm holds.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { validateJobsServerMessage, type JobRow, type JobsServerMessage } from "../../schema/jobs.js";
import type { NotebookJobOrder } from "../../schema/notebook-jobs.js";
import { startKernel, type KernelClient, type WireMessage } from "../support/kernel-client.js";
import { readJson, tempDir, writeTestNotebook } from "./support.js";

let kernel: KernelClient;
let dir: string;
const seen: JobsServerMessage[] = [];
let counter = 0;

const STUDY = [
  {
    source: 'const n = 3; // how many\nconst label: string = "a";\nlet pause = 0.3;\nconst mode: "fast" | "slow" = "fast";',
    tags: ["parameters"],
  },
  'import { record } from "hpcfit";',
  "await new Promise((r) => setTimeout(r, pause * 1000));",
  "await new Promise((r) => setTimeout(r, pause * 1000));",
  "await new Promise((r) => setTimeout(r, pause * 1000));",
  'record("score", n * (mode === "fast" ? 1 : 10));',
];

function collect(messages: WireMessage[]): void {
  for (const m of messages) {
    if (m.header.msg_type !== "comm_msg" || m.content.comm_id !== "form") continue;
    const check = validateJobsServerMessage(m.content.data);
    if (!check.ok) throw new Error(`invalid message from the kernel: ${check.error}`);
    seen.push(check.value);
  }
}

async function until<T>(what: string, find: () => T | undefined, seconds = 120): Promise<T> {
  for (let waited = 0; ; waited++) {
    const found = find();
    if (found !== undefined) return found;
    if (waited > seconds) throw new Error(`timed out waiting for ${what}`);
    collect(await kernel.iopub({ timeout: 1, untilType: "comm_msg" }));
  }
}

async function ask(data: Record<string, unknown>): Promise<JobsServerMessage> {
  const requestId = `r${++counter}`;
  const sent = await kernel.request(
    "comm_msg",
    { comm_id: "form", data: { version: 1, ...data, requestId } },
    { wantReply: false },
  );
  collect(sent.iopub);
  return until(`the answer to ${String(data.type)}`, () => seen.find((m) => "requestId" in m && m.requestId === requestId));
}

function order(notebook: string, fields: Partial<NotebookJobOrder>): NotebookJobOrder {
  return { notebook, name: "", outputParent: "", values: {}, sweep: {}, backend: "local", resources: {}, html: false, ...fields };
}

/** The latest row of job `id` on `backend` the feed pushed (both backends count their ids from 1). */
function latest(id: string, backend: "local" | "slurm" = "local"): JobRow | undefined {
  let row: JobRow | undefined;
  for (const m of seen) {
    const rows = m.type === "snapshot" ? m.jobs : m.type === "changes" ? m.upserted : [];
    for (const r of rows) if (r.id === id && r.backend === backend) row = r;
  }
  return row;
}

beforeAll(async () => {
  dir = tempDir("hpcfit-form-");
  kernel = await startKernel({ cwd: dir, env: { SLURM_CONF: inject("slurmConf"), HPCFIT_LOCAL_CPUS: "2" } });
  await kernel.execute("%slurm backend local");
  const opened = await kernel.request(
    "comm_open",
    { comm_id: "form", target_name: "hpcfit.jobs", data: { type: "subscribe", version: 1 } },
    { wantReply: false },
  );
  collect(opened.iopub);
  await until("the snapshot", () => seen.find((m) => m.type === "snapshot"));
});

afterAll(async () => {
  await kernel?.shutdown();
});

describe("the Run as Job form, answered by the kernel", () => {
  test("the form lists the parameters with their types, both backends and their partitions", async () => {
    const input = writeTestNotebook(dir, "study.ipynb", STUDY);
    const m = await ask({ type: "notebookForm", notebook: input });
    if (m.type !== "notebookForm") throw new Error(JSON.stringify(m));
    expect(m.form.parameters.map((p) => [p.name, p.kind, p.defaultSource])).toEqual([
      ["n", "number", "3"],
      ["label", "string", '"a"'],
      ["pause", "number", "0.3"],
      ["mode", "choice", '"fast"'],
    ]);
    expect(m.form.parameters[0].help).toBe("how many");
    expect(m.form.parameters[3].values).toEqual(["fast", "slow"]);
    expect(m.form.backends).toEqual(["local", "slurm"]);
    expect(m.form.backend).toBe("local");
    expect(m.form.partitions.local?.map((p) => p.name)).toEqual(["local"]);
    expect(m.form.partitions.slurm?.length).toBeGreaterThan(0);
    expect(m.form.defaultOutputParent).toBe(join(dir, "runs"));
    expect(m.form.remembered).toBeNull();
    const missing = await ask({ type: "notebookForm", notebook: join(dir, "nope.ipynb") });
    expect(missing).toMatchObject({ type: "reply", ok: false, error: expect.stringMatching(/nope\.ipynb/) });
  });

  test("bad values are refused field by field and nothing is written; a good sweep previews its job array", async () => {
    const input = writeTestNotebook(dir, "checked.ipynb", STUDY);
    const bad = await ask({
      type: "notebookJob",
      dryRun: false,
      order: order(input, {
        values: { n: "three", nn: "1", mode: "medium" },
        sweep: { pause: "5:1" },
        resources: { time: "soon", cpus: "0", mem: "lots", nodes: "2" },
        name: "bad/name",
      }),
    });
    if (bad.type !== "notebookJob") throw new Error(JSON.stringify(bad));
    expect(bad.errors).toEqual({
      "parameters.n": 'n is a number; "three" is not one',
      "parameters.nn": "the notebook has no parameter nn; it declares n, label, pause, mode",
      "parameters.mode": 'mode is one of "fast", "slow", not "medium"',
      "sweep.pause": "the range 5:1 of pause goes backwards (stop 1 is below start 5)",
      "resources.time": expect.stringMatching(/invalid time limit "soon"/),
      "resources.cpus": 'CPUs is a whole number of at least 1, not "0"',
      "resources.mem": expect.stringMatching(/not "lots"/),
      "resources.nodes": "the local backend runs jobs on this machine only (1 node)",
      name: expect.stringMatching(/not "bad\/name"/),
    });
    expect(bad.jobs).toEqual([]);
    expect(existsSync(join(dir, "runs"))).toBe(false);

    const preview = await ask({
      type: "notebookJob",
      dryRun: true,
      order: order(input, {
        name: "grid",
        values: { label: "b" },
        sweep: { n: "1, 2", pause: "0:0.2:0.1" },
        resources: { time: "5" },
      }),
    });
    if (preview.type !== "notebookJob") throw new Error(JSON.stringify(preview));
    expect(preview.errors).toEqual({});
    expect(preview.runs).toBe(6);
    expect(preview.runDir).toBe(join(dir, "runs", "grid"));
    expect(preview.script).toContain("#SBATCH --array=0-5\n");
    expect(preview.script).toMatch(/ run .*checked\.ipynb/);
    expect(existsSync(join(dir, "runs"))).toBe(false);
  });

  test("a run on the local backend: its progress in cells rises in the feed, the output and the defaults are kept", async () => {
    const input = writeTestNotebook(dir, "progress.ipynb", STUDY);
    const submitted = await ask({
      type: "notebookJob",
      dryRun: false,
      order: order(input, { name: "first", values: { n: "7", pause: "1.5" } }),
    });
    if (submitted.type !== "notebookJob") throw new Error(JSON.stringify(submitted));
    expect(submitted.errors).toEqual({});
    const id = submitted.jobs[0].id;
    expect(submitted.jobs[0].name).toBe("first");
    const done = new Set<number>();
    let current = "";
    const last = await until("the run's completion", () => {
      const row = latest(id);
      const progress = row?.notebook?.progress;
      if (progress) done.add(progress.done);
      if (progress?.current) current = progress.current.line;
      return row?.state === "COMPLETED" && progress?.state === "completed" ? row : undefined;
    });
    const info = last.notebook!;
    expect(info).toMatchObject({ kind: "run", name: "first", input, parameters: { n: 7, pause: 1.5 }, html: null });
    expect(info.output).toBe(join(dir, "runs", "first", "progress.ipynb"));
    expect(info.progress).toMatchObject({ state: "completed", done: 7, total: 7, failedCell: null, remainingSeconds: 0 });
    // Seen part-way, not only at the end: the panel follows the run cell by cell.
    expect([...done].some((d) => d > 0 && d < 7)).toBe(true);
    expect(current).toMatch(/setTimeout/);
    expect(readJson(info.output).metadata.hpcfit.parameters).toEqual({ n: 7, pause: 1.5 });

    const again = await ask({ type: "notebookForm", notebook: input });
    if (again.type !== "notebookForm") throw new Error(JSON.stringify(again));
    expect(again.form.remembered).toMatchObject({ name: "", values: { n: "7", pause: "1.5" }, backend: "local" });
    const taken = await ask({ type: "notebookJob", dryRun: true, order: order(input, { name: "first" }) });
    expect(taken).toMatchObject({ errors: { name: expect.stringMatching(/already has outputs/) } });
  });

  test("a failing run says which cell failed", async () => {
    const input = writeTestNotebook(dir, "failing.ipynb", [
      { source: "const x = 1;", tags: ["parameters"] },
      "const y = x + 1;",
      'throw new Error("boom at " + y);',
      "const never = 0;",
    ]);
    const submitted = await ask({ type: "notebookJob", dryRun: false, order: order(input, { name: "broken" }) });
    if (submitted.type !== "notebookJob") throw new Error(JSON.stringify(submitted));
    const id = submitted.jobs[0].id;
    const row = await until("the failed run", () => {
      const r = latest(id);
      return r?.state === "FAILED" && r.notebook?.progress.state === "failed" ? r : undefined;
    });
    const progress = row.notebook!.progress;
    expect(progress).toMatchObject({ done: 3, total: 4 });
    const cells = readJson(row.notebook!.output).cells;
    expect(String(cells[progress.failedCell!].source)).toContain("boom at");
  });

  test("a 2 × 3 sweep is one job array; its summary has a row per run with the recorded values", async () => {
    const input = writeTestNotebook(dir, "sweep.ipynb", STUDY);
    const submitted = await ask({
      type: "notebookJob",
      dryRun: false,
      order: order(input, { name: "grid", values: { pause: "0" }, sweep: { mode: "fast, slow", n: "1:3" } }),
    });
    if (submitted.type !== "notebookJob") throw new Error(JSON.stringify(submitted));
    expect(submitted.runs).toBe(6);
    const arrayId = submitted.jobs[0].arrayJobId;
    expect(arrayId).not.toBeNull();
    expect(new Set(submitted.jobs.map((j) => j.arrayJobId))).toEqual(new Set([arrayId]));
    const early = await ask({ type: "notebookSummary", id: String(arrayId) });
    expect(early.type === "reply" || early.type === "notebookSummary").toBe(true);
    await until("every run of the sweep", () => {
      const rows = [0, 1, 2, 3, 4, 5].map((i) => latest(`${arrayId}_${i}`));
      return rows.every((r) => r?.state === "COMPLETED" && r.notebook?.progress.state === "completed") ? rows : undefined;
    });
    expect(latest(`${arrayId}_4`)?.notebook).toMatchObject({ kind: "sweep", name: "grid", parameters: { mode: "slow", n: 2 } });
    const summary = await ask({ type: "notebookSummary", id: String(arrayId) });
    if (summary.type !== "notebookSummary") throw new Error(JSON.stringify(summary));
    expect(summary.csv).toBe(join(dir, "runs", "grid", "sweep-summary.csv"));
    const [header, ...lines] = readFileSync(summary.csv, "utf8").trim().split("\n");
    const names = header.split(",");
    const rows = lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [names[i], v])));
    expect(rows.map((r) => [r.mode, r.n, r.status, r.score])).toEqual([
      ["fast", "1", "ok", "1"],
      ["fast", "2", "ok", "2"],
      ["fast", "3", "ok", "3"],
      ["slow", "1", "ok", "10"],
      ["slow", "2", "ok", "20"],
      ["slow", "3", "ok", "30"],
    ]);
    expect(readdirSync(join(dir, "runs", "grid")).filter((f) => f.endsWith(".ipynb"))).toHaveLength(7);
  });

  test("a run on the Slurm test cluster in a partition the form offered", async () => {
    const input = writeTestNotebook(dir, "cluster.ipynb", STUDY);
    const form = await ask({ type: "notebookForm", notebook: input });
    if (form.type !== "notebookForm") throw new Error(JSON.stringify(form));
    const partition = form.form.partitions.slurm!.find((p) => p.default)?.name ?? form.form.partitions.slurm![0].name;
    const submitted = await ask({
      type: "notebookJob",
      dryRun: false,
      order: order(input, {
        name: "on-slurm",
        backend: "slurm",
        values: { pause: "0" },
        resources: { partition, time: "10", cpus: "1" },
      }),
    });
    if (submitted.type !== "notebookJob") throw new Error(JSON.stringify(submitted));
    expect(submitted.errors).toEqual({});
    expect(submitted.script).toContain("--partition=");
    const id = submitted.jobs[0].id;
    const row = await until(
      "the cluster run's completion",
      () => {
        const r = latest(id, "slurm");
        return r?.state === "COMPLETED" && r.notebook?.progress.state === "completed" ? r : undefined;
      },
      // The job starts a kernel of its own on a node: on a loaded machine that alone can take a minute.
      300,
    );
    expect(row.backend).toBe("slurm");
    expect(row.partition).toBe(partition);
    expect(row.notebook!.progress).toMatchObject({ done: 7, total: 7 });
  }, 400_000);

  test("a Slurm order's preview is the batch script Slurm was given, for a run and for a sweep", async () => {
    const input = writeTestNotebook(dir, "previewed.ipynb", STUDY);
    // The script Slurm keeps for a job (read while the job is still known to the controller).
    const heldScript = (id: string): string =>
      execFileSync("scontrol", ["write", "batch_script", id, "-"], {
        encoding: "utf8",
        env: { ...process.env, SLURM_CONF: inject("slurmConf") },
      });
    const resources = { partition: "debug", time: "0:10:00", cpus: "2", mem: "1M", nodes: "1" };
    const fieldsOf: Partial<NotebookJobOrder>[] = [
      { name: "previewed-run", values: { n: "4", label: "it's", pause: "0" } },
      { name: "previewed-sweep", values: { pause: "0" }, sweep: { n: "1, 2" } },
    ];
    for (const fields of fieldsOf) {
      const wanted = order(input, { backend: "slurm", resources, ...fields });
      const preview = await ask({ type: "notebookJob", dryRun: true, order: wanted });
      if (preview.type !== "notebookJob") throw new Error(JSON.stringify(preview));
      expect(preview.errors).toEqual({});
      for (const directive of ["--partition=debug", "--time=0:10:00", "--cpus-per-task=2", "--mem=1M", "--nodes=1"])
        expect(preview.script).toContain(`#SBATCH ${directive}\n`);
      const submitted = await ask({ type: "notebookJob", dryRun: false, order: wanted });
      if (submitted.type !== "notebookJob") throw new Error(JSON.stringify(submitted));
      expect(submitted.errors).toEqual({});
      expect(submitted.script).toBe(preview.script);
      const first = submitted.jobs[0];
      const id = first.arrayJobId !== null ? String(first.arrayJobId) : first.id;
      expect(heldScript(id)).toBe(preview.script);
    }
  });
});
