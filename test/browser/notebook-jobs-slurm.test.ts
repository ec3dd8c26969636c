/**
 * "Run as Job…" in a real JupyterLab against the Slurm test cluster (started by
 * test/setup/global.ts): the form offers the cluster's partition from `sinfo`, takes time, CPUs,
 * memory and nodes, previews the batch script; the run is followed cell by cell in the Jobs panel
 * and its executed notebook opened; a 2 × 3 sweep runs as one job array and its summary is
 * plotted; a last run is cancelled from the panel.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { screenshot } from "../support/browser.js";
import { labSession } from "../support/lab-session.js";
import {
  activate,
  currentLabel,
  openFormFromFileBrowser,
  panelJob,
  seenPartWay,
  STUDY,
  studyNotebook,
  submitted,
} from "./notebook-jobs-support.js";

// No HPCFIT_JOBS_BACKEND: with a Slurm configuration the kernels pick the Slurm backend themselves.
const lab = labSession({ notebooks: { "study.ipynb": studyNotebook(STUDY) }, slurm: true, dataDir: true });

/** What Slurm and the runs' files say of a sweep, for a failure message. */
function sweepDiagnostics(runDir: string): string {
  const squeue = spawnSync("squeue", ["-a", "-t", "all", "-o", "%i %T %N %M %r"], {
    encoding: "utf8",
    env: { ...process.env, SLURM_CONF: inject("slurmConf") },
  });
  const files = join(runDir, ".study-sweep");
  const logs = existsSync(files)
    ? readdirSync(files)
        .filter((f) => f.endsWith(".log"))
        .map((f) => `${f}: ${readFileSync(join(files, f), "utf8").slice(-500)}`)
    : [`(no ${files})`];
  const outputs = existsSync(runDir)
    ? readdirSync(runDir)
        .filter((f) => f.endsWith(".ipynb"))
        .map((f) => {
          const nb = JSON.parse(readFileSync(join(runDir, f), "utf8")) as {
            metadata: { hpcfit?: { end_time?: string } };
            cells: { metadata: { hpcfit?: { status?: string } } }[];
          };
          return `${f}: ended ${nb.metadata.hpcfit?.end_time ?? "no"}, cells ${nb.cells.map((c) => c.metadata.hpcfit?.status ?? "-").join(",")}`;
        })
    : [];
  return [`squeue:\n${squeue.stdout}${squeue.stderr}`, ...logs, ...outputs].join("\n");
}

describe("Run as Job… on the Slurm test cluster", () => {
  it("submits a run with the cluster's partition and resources, follows it cell by cell and opens the executed notebook", async () => {
    const form = await openFormFromFileBrowser(lab.page, "study.ipynb", "workers");
    const backend = form.locator("select[name='backend']");
    expect(await backend.inputValue()).toBe("slurm");
    // The partitions are the cluster's, as sinfo lists them.
    const partition = form.locator("select[name='resources.partition']");
    expect(await partition.locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual([
      "",
      "debug",
    ]);
    await partition.selectOption("debug");
    await form.locator("input[name='resources.time']").fill("0:10:00");
    await form.locator("input[name='resources.cpus']").fill("2");
    await form.locator("input[name='resources.mem']").fill("1M");
    await form.locator("input[name='resources.nodes']").fill("1");
    await form.locator("input[name='parameters.size']").fill("40");
    await form.locator("input[name='parameters.pause']").fill("2");
    await form.locator("input[name='name']").fill("on-cluster");
    const preview = form.locator(".jp-hpcfit-script-preview");
    await expect
      .poll(() => preview.textContent(), { timeout: 30_000 })
      .toMatch(
        /^#!\/bin\/bash\n#SBATCH --job-name=on-cluster\n#SBATCH --partition=debug\n#SBATCH --time=0:10:00\n#SBATCH --cpus-per-task=2\n#SBATCH --mem=1M\n#SBATCH --nodes=1\n[\s\S]* run .*study\.ipynb/,
      );
    await screenshot(lab.page, "40-slurm-run-as-job-form");
    const id = await submitted(form);

    await activate(lab.page, "hpcfit-jobs-panel");
    await expect.poll(() => lab.page.getAttribute(".jp-hpcfit-panel-status", "data-backend"), { timeout: 30_000 }).toBe("slurm");
    const job = panelJob(lab.page, id);
    await seenPartWay(job, 7, 120_000);
    expect(await job.getAttribute("data-state")).toBe("RUNNING");
    expect(await job.locator(".jp-hpcfit-run-parameters").textContent()).toBe("size=40 pause=2");
    await screenshot(lab.page, "41-slurm-run-progress");
    await job.locator("[data-action='open-output']").click();
    await expect.poll(() => currentLabel(lab.page), { timeout: 30_000 }).toBe("study.ipynb");
    const progress = job.locator(".jp-hpcfit-run-progress");
    await activate(lab.page, "hpcfit-jobs-panel");
    await expect.poll(() => progress.getAttribute("data-run-state"), { timeout: 180_000 }).toBe("completed");
    expect(await progress.textContent()).toBe("7/7");
    await expect.poll(() => job.getAttribute("data-state"), { timeout: 60_000 }).toBe("COMPLETED");
    await job.locator("[data-action='open-output']").click();
    await expect
      .poll(() => lab.page.locator(".jp-NotebookPanel:visible .jp-Cell .jp-OutputArea-output").allTextContents(), {
        timeout: 30_000,
      })
      .toContainEqual(expect.stringContaining("time_per_item = 20"));
  }, 400_000);

  it("runs a 2 × 3 sweep as one job array on the cluster and plots its summary", async () => {
    const form = await openFormFromFileBrowser(lab.page, "study.ipynb", "workers");
    // The last order for this notebook fills the form, resources included.
    expect(await form.locator("select[name='resources.partition']").inputValue()).toBe("debug");
    expect(await form.locator("input[name='resources.time']").inputValue()).toBe("0:10:00");
    await form.locator("input[name='parameters.pause']").fill("0");
    await form.locator("input[name='parameters.size']").fill("");
    await form.locator("input[name='sweep.workers']").fill("1, 2");
    await form.locator("input[name='sweep.size']").fill("10:30:10");
    await form.locator("input[name='name']").fill("grid");
    await expect.poll(() => form.locator(".jp-hpcfit-run-count").getAttribute("data-runs"), { timeout: 30_000 }).toBe("6");
    await expect
      .poll(() => form.locator(".jp-hpcfit-script-preview").textContent(), { timeout: 30_000 })
      .toMatch(/#SBATCH --partition=debug\n[\s\S]*#SBATCH --array=0-5\n/);
    const arrayId = await submitted(form);
    await activate(lab.page, "hpcfit-jobs-panel");
    const group = lab.page.locator(`.jp-hpcfit-array[data-array-job-id='${arrayId}']`);
    await expect
      .poll(() => group.locator("summary").textContent(), { timeout: 240_000 })
      .toMatch(/sweep grid of study\.ipynb — 6 COMPLETED Summary$/)
      .catch((error: unknown) => {
        throw new Error(`${String(error)}\n${sweepDiagnostics(join(lab.dir, "runs", "grid"))}`);
      });
    await group.locator("[data-action='summary']").click();
    const viewer = lab.page.locator(".jp-hpcfit-summary-viewer").last();
    await expect.poll(() => viewer.locator("tr").count(), { timeout: 30_000 }).toBe(7);
    const rows = await viewer.locator("tr").evaluateAll((trs) => trs.slice(1).map((r) => (r as HTMLTableRowElement).innerText));
    expect(rows.filter((r) => !/\tok\t/.test(r))).toEqual([]);
    await viewer.locator("select[name='x']").selectOption("size");
    await viewer.locator("button[data-column='time_per_item']").click();
    await expect.poll(() => viewer.locator(".jp-hpcfit-summary-plot .scatterlayer .trace").count(), { timeout: 30_000 }).toBe(2);
    await screenshot(lab.page, "42-slurm-sweep-summary");
  }, 400_000);

  it("cancels a running notebook job from the panel, which then shows it stopped", async () => {
    const form = await openFormFromFileBrowser(lab.page, "study.ipynb", "workers");
    await form.locator("input[name='sweep.workers']").fill("");
    await form.locator("input[name='sweep.size']").fill("");
    await form.locator("input[name='parameters.pause']").fill("60");
    await form.locator("input[name='name']").fill("cancelled");
    const id = await submitted(form);
    await activate(lab.page, "hpcfit-jobs-panel");
    const job = panelJob(lab.page, id);
    await seenPartWay(job, 7, 120_000);
    await job.locator("[data-action='cancel']").click();
    await lab.page.locator(".jp-Dialog button", { hasText: "Yes" }).click();
    await expect.poll(() => job.getAttribute("data-state"), { timeout: 60_000 }).toBe("CANCELLED");
    const progress = job.locator(".jp-hpcfit-run-progress");
    await expect.poll(() => progress.getAttribute("data-run-state"), { timeout: 30_000 }).toBe("failed");
    expect(await job.locator(".jp-hpcfit-notebook-run .jp-hpcfit-warning").textContent()).toBe("stopped");
  }, 300_000);
});
