// The Slurm magics through the real kernel, driven by jupyter_client: the local backend and the
// real test cluster, the live status display, the jobs table bundle, errors, and the jobs comm.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { JOBS_MIME, validateJobsServerMessage, validateJobsTable } from "../../schema/jobs.js";
import { startKernel, type KernelClient } from "../support/kernel-client.js";

let kernel: KernelClient;

beforeAll(async () => {
  const work = mkdtempSync(join(tmpdir(), "hpcfit-kernel-jobs-"));
  kernel = await startKernel({ cwd: work, env: { SLURM_CONF: inject("slurmConf"), HPCFIT_LOCAL_CPUS: "2" } });
});

afterAll(async () => {
  await kernel?.shutdown();
});

test("local backend: %sbatch shows a live status, the job completes, %squeue gives a jobs table, %%sbatch fills {{name}}", async () => {
  const chosen = await kernel.execute("%slurm backend local");
  expect(chosen.status).toBe("ok");
  expect(chosen.stdout).toBe("backend: local\n");

  const submitted = await kernel.execute(`const job = %sbatch -J "kernel job" --wrap "echo hello from the kernel"`);
  expect(submitted.status).toBe("ok");
  const shown = submitted.outputs.find((m) => m.header.msg_type === "display_data");
  expect(shown?.content.transient?.display_id).toBeTruthy();
  expect(validateJobsTable(shown!.content.data[JOBS_MIME]).ok).toBe(true);
  expect(shown!.content.data["text/plain"]).toMatch(/^Job \d+ \(kernel job\) (PENDING|RUNNING|COMPLETED)/);

  const waited = await kernel.execute("await job.wait(); [job.state, job.exitCode, await job.output()]");
  expect(waited.status).toBe("ok");
  expect(waited.result?.["text/plain"]).toContain("'COMPLETED', 0, 'hello from the kernel\\n'");

  // The status line was redrawn in place (update_display_data on its display_id) until the job ended.
  const displayId = shown!.content.transient.display_id;
  const later = [
    ...submitted.outputs,
    ...waited.outputs,
    ...(await kernel.iopub({ timeout: 3, untilType: "update_display_data" })),
  ];
  const updates = later.filter(
    (m) => m.header.msg_type === "update_display_data" && m.content.transient?.display_id === displayId,
  );
  expect(updates.at(-1)?.content.data["text/plain"]).toMatch(/COMPLETED/);

  const table = await kernel.execute("%squeue -t all");
  expect(table.status).toBe("ok");
  const data = table.result?.[JOBS_MIME];
  expect(validateJobsTable(data).ok).toBe(true);
  expect(data.jobs.map((j: { name: string }) => j.name)).toContain("kernel job");
  expect(table.result?.["text/html"]).toContain("<table");

  await kernel.execute("const steps = 7");
  const cell = await kernel.execute("%%sbatch -J templated\n#!/bin/bash\necho steps={{steps}} home=${HOME:+set}\n");
  expect(cell.status).toBe("ok");
  // One display per job: the live one; the cell's value (the job) is not shown again, frozen.
  const shownByCell = cell.outputs.filter((m) => m.header.msg_type === "display_data" || m.header.msg_type === "execute_result");
  expect(shownByCell.map((m) => m.header.msg_type)).toEqual(["display_data"]);
  expect(shownByCell[0].content.data["text/plain"]).toMatch(/^Job \d+ \(templated\)/);
  // The same job asked for in a later cell is shown there.
  const again = await kernel.execute("job");
  expect(again.result?.["text/plain"]).toMatch(/^Job \d+ \(kernel job\) COMPLETED/);
  const read = await kernel.execute(
    `import { jobs } from "hpcfit";\nconst t = (await jobs.list({ states: "all" })).find((j) => j.name === "templated");\nawait t.wait();\nawait t.output()`,
  );
  expect(read.status).toBe("ok");
  expect(read.result?.["text/plain"]).toBe("'steps=7 home=set\\n'");
});

test("errors from the magics are short and leave the kernel alive", async () => {
  const bad = await kernel.execute("%sbatch --no-such-option --wrap true");
  expect(bad.status).toBe("error");
  expect(bad.error?.evalue).toMatch(/unknown sbatch option --no-such-option/);
  const unknown = await kernel.execute("%%sbatch\n#!/bin/sh\necho {{nope}}\n");
  expect(unknown.status).toBe("error");
  expect(unknown.error?.evalue).toMatch(/\{\{nope\}\} names no variable/);
  const ok = await kernel.execute("1 + 1");
  expect(ok.result?.["text/plain"]).toBe("2");
});

test("the hpcfit.jobs comm answers a subscription with a snapshot", async () => {
  const opened = await kernel.request(
    "comm_open",
    { comm_id: "jobs-panel", target_name: "hpcfit.jobs", data: { type: "subscribe", version: 1 } },
    { wantReply: false },
  );
  // The snapshot is sent while the kernel handles the comm_open (between its busy and idle).
  const iopub = opened.iopub.some((m) => m.header.msg_type === "comm_msg")
    ? opened.iopub
    : await kernel.iopub({ untilType: "comm_msg", timeout: 20 });
  const msg = iopub.find((m) => m.header.msg_type === "comm_msg");
  expect(msg?.content.comm_id).toBe("jobs-panel");
  const check = validateJobsServerMessage(msg!.content.data);
  expect(check.ok).toBe(true);
  expect(msg!.content.data.type).toBe("snapshot");
  expect(msg!.content.data.jobs.map((j: { name: string }) => j.name)).toContain("kernel job");
  await kernel.request("comm_close", { comm_id: "jobs-panel", data: {} }, { wantReply: false });
});

test("slurm backend: a job on the real test cluster, submitted, waited for and read in the kernel", async () => {
  const chosen = await kernel.execute("%slurm backend slurm");
  expect(chosen.stdout).toBe("backend: slurm\n");
  const run = await kernel.execute(
    `const sj = %sbatch -J "on slurm" --wrap "echo via slurm"\nawait sj.wait(); [sj.state, await sj.output()]`,
  );
  expect(run.status).toBe("ok");
  expect(run.result?.["text/plain"]).toContain("'COMPLETED', 'via slurm\\n'");
});
