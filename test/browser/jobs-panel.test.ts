/**
 * The Jobs panel against the real hpcfit kernel in a real JupyterLab: jobs submitted with
 * `%%sbatch` (local backend) appear in the panel and change state live, their output opens in a
 * following viewer, a running job is cancelled from the panel (with confirmation), `%squeue`'s
 * table sorts, and a fit submitted from the "New fit job" form runs as a `%%fit` job (the kernel
 * prepares and submits it), shows its progress in its output, completes, and its results open as
 * plots.
 */
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { ROOT, runCommand, screenshot } from "../support/browser.js";
import { labSession } from "../support/lab-session.js";
import { jobNamed, openJobsPanel } from "./jobs-panel-support.js";
import { notebook } from "./notebook-fixtures.js";

const SLEEPER = 'const sleeper = %sbatch -J panel-sleeper --wrap "echo started; sleep 300"\nconst sleeperId = sleeper.id';
const WAITER = [
  "%%sbatch",
  "#!/bin/bash",
  "#SBATCH --job-name=panel-waiter",
  "#SBATCH --dependency=afterany:{{sleeperId}}",
  "echo waited",
  "",
].join("\n");
const ECHO = [
  "%%sbatch",
  "#!/bin/bash",
  "#SBATCH --job-name=panel-echo",
  'for i in 1 2 3; do echo "line $i from the panel test"; done',
  "",
].join("\n");

const lab = labSession({
  copyOf: join(ROOT, "examples"),
  notebooks: {
    "jobs-panel.ipynb": notebook([
      { source: "%slurm backend local" },
      { source: SLEEPER },
      { source: ECHO },
      { source: WAITER },
      { source: "%squeue -t all" },
      { source: '%sbatch --array=0-2 -J panel-array --wrap "echo task $SLURM_ARRAY_TASK_ID"' },
    ]),
  },
  // Job records of this test only.
  dataDir: true,
  // The panel's settings schema: the user's column choice is applied.
  settings: {
    "hpcfit-labextension:jobs-panel": { columns: ["id", "name", "state", "elapsed", "nodes", "user"], refreshInterval: 5 },
  },
  open: "jobs-panel.ipynb",
});

const job = (name: string): Locator => jobNamed(lab.page, name);

describe("Jobs panel with the local backend", () => {
  it("shows jobs submitted with %%sbatch, live, with their states", async () => {
    await openJobsPanel(lab.page);
    await runCommand(lab.page, "notebook:run-all-cells");
    await expect.poll(() => job("panel-sleeper").getAttribute("data-state"), { timeout: 60_000 }).toBe("RUNNING");
    await expect.poll(() => job("panel-echo").getAttribute("data-state"), { timeout: 60_000 }).toBe("COMPLETED");
    await expect
      .poll(() => job("panel-waiter").locator(".jp-hpcfit-job-nodes").textContent(), { timeout: 30_000 })
      .toBe("(Dependency)");
    // Newest first.
    const names = await lab.page.locator(".jp-hpcfit-job .jp-hpcfit-job-name").allTextContents();
    expect(names.indexOf("panel-echo")).toBeLessThan(names.indexOf("panel-sleeper"));
    // The columns of the settings, the user among them.
    expect(await job("panel-echo").locator(".jp-hpcfit-job-user").textContent()).toBe(userInfo().username);
    expect(await job("panel-echo").locator(".jp-hpcfit-job-partition").count()).toBe(0);
    // The panel says whose jobs it lists, and marks those submitted from this notebook.
    expect(await lab.page.textContent(".jp-hpcfit-panel-status")).toMatch(
      new RegExp(
        `^Your jobs \\(${userInfo().username}\\) on the local backend, from every notebook and the command line; ● marks those submitted from jobs-panel\\.ipynb\\.$`,
      ),
    );
    expect(await job("panel-echo").getAttribute("data-here")).toBe("true");
    expect(await job("panel-echo").locator(".jp-hpcfit-job-here").textContent()).toBe("●");
    // A plain job has no results to open.
    expect(await job("panel-echo").locator("[data-action='results']").count()).toBe(0);
    await screenshot(lab.page, "10-jobs-panel-running");
  });

  it("groups the tasks of a job array", async () => {
    const group = lab.page.locator(".jp-hpcfit-array").filter({ hasText: "panel-array" });
    await expect
      .poll(() => group.locator("summary").textContent(), { timeout: 60_000 })
      .toMatch(/_\[3\] panel-array — 3 COMPLETED/);
    await group.locator("summary").click();
    expect(await group.locator(".jp-hpcfit-job").count()).toBe(3);
  });

  it("filters by state and text", async () => {
    await lab.page.click(".jp-hpcfit-chip[data-filter='Active']");
    await expect
      .poll(() => lab.page.locator(".jp-hpcfit-job .jp-hpcfit-job-name").allTextContents())
      .toEqual(["panel-waiter", "panel-sleeper"]);
    await lab.page.click(".jp-hpcfit-chip[data-filter='All']");
    await lab.page.fill(".jp-hpcfit-jobs-panel .jp-hpcfit-filter-text", "echo");
    await expect.poll(() => lab.page.locator(".jp-hpcfit-job .jp-hpcfit-job-name").allTextContents()).toEqual(["panel-echo"]);
    await lab.page.fill(".jp-hpcfit-jobs-panel .jp-hpcfit-filter-text", "");
  });

  it("renders %squeue as a sortable table", async () => {
    // The %%sbatch cells show their jobs' live status as jobs tables too: take the %squeue cell's.
    const table = lab.page.locator(".jp-NotebookPanel .jp-Cell").nth(4).locator(".jp-OutputArea-output.jp-hpcfit-jobs table");
    await table.waitFor({ state: "attached", timeout: 60_000 });
    await table.scrollIntoViewIfNeeded();
    const ids = async (): Promise<string[]> =>
      table.locator("tbody tr").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.jobId ?? ""));
    const before = await ids();
    expect(before.length).toBeGreaterThanOrEqual(2);
    await table.locator("th[data-column='id']").click();
    await expect.poll(ids).toEqual([...before].reverse());
  });

  it("opens a job's output in a viewer", async () => {
    await job("panel-echo").locator("[data-action='tail']").click();
    const viewer = lab.page.locator(".jp-hpcfit-output-viewer").last();
    await expect
      .poll(() => viewer.locator("pre").textContent(), { timeout: 30_000 })
      .toBe("line 1 from the panel test\nline 2 from the panel test\nline 3 from the panel test\n");
    await expect.poll(() => viewer.getAttribute("data-done"), { timeout: 30_000 }).toBe("true");
    await screenshot(lab.page, "11-job-output");
  });

  it("holds and releases a pending job", async () => {
    const waiter = job("panel-waiter");
    await waiter.locator("[data-action='hold']").click();
    await expect.poll(() => waiter.locator(".jp-hpcfit-job-nodes").textContent(), { timeout: 30_000 }).toBe("(JobHeldUser)");
    expect(await waiter.locator("[data-action='hold']").count()).toBe(0);
    await waiter.locator("[data-action='release']").click();
    await expect.poll(() => waiter.locator(".jp-hpcfit-job-nodes").textContent(), { timeout: 30_000 }).not.toBe("(JobHeldUser)");
    expect(await waiter.getAttribute("data-state")).toBe("PENDING");
  });

  it("cancels a running job from the panel after confirmation, its output viewer following until the end", async () => {
    await job("panel-sleeper").locator("[data-action='tail']").click();
    const viewer = lab.page.locator(".jp-hpcfit-output-viewer").last();
    await expect.poll(() => viewer.locator("pre").textContent(), { timeout: 30_000 }).toBe("started\n");
    expect(await viewer.getAttribute("data-done")).toBeNull();
    await job("panel-sleeper").locator("[data-action='cancel']").click();
    const dialog = lab.page.locator(".jp-Dialog");
    await expect.poll(() => dialog.locator(".jp-Dialog-header").textContent()).toMatch(/Cancel job/);
    await screenshot(lab.page, "12-cancel-confirm");
    await dialog.locator("button", { hasText: "Yes" }).click();
    await expect.poll(() => job("panel-sleeper").getAttribute("data-state"), { timeout: 30_000 }).toBe("CANCELLED");
    await screenshot(lab.page, "13-cancelled");
    // The viewer that was following the job's output learns that it ended, and how.
    await expect.poll(() => viewer.getAttribute("data-done"), { timeout: 30_000 }).toBe("true");
    expect(await viewer.locator(".jp-hpcfit-output-notice").textContent()).toMatch(
      /^Job \d+ was cancelled at .*; its output ends here\.$/,
    );
    // The job waiting for it (afterany) runs now.
    await expect.poll(() => job("panel-waiter").getAttribute("data-state"), { timeout: 60_000 }).toBe("COMPLETED");
  });

  it("deletes a finished job's record and output file after confirmation", async () => {
    const echo = job("panel-echo");
    const output = join(lab.dir, `slurm-${await echo.getAttribute("data-job-id")}.out`);
    expect(existsSync(output)).toBe(true);
    await echo.locator("[data-action='forget']").click();
    await expect.poll(() => lab.page.locator(".jp-Dialog-body").textContent()).toContain(output);
    await lab.page.locator(".jp-Dialog button", { hasText: "Yes" }).click();
    await expect.poll(() => echo.count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => existsSync(output), { timeout: 10_000 }).toBe(false);
  });

  it("submits a fit from the form as a %%fit job, shows the script first, its progress, and opens its results as plots", async () => {
    await lab.page.click(".jp-hpcfit-new-job");
    const form = lab.page.locator(".jp-hpcfit-fit-job-form").last();
    await form.waitFor();
    // The fields come from the kernel's fit options: the chosen method's, with their defaults.
    await form.locator("input[name='modelFile']").fill("curve.ts");
    await form.locator("select[name='method']").selectOption("dream");
    expect(await form.locator("input[name='samples']").getAttribute("placeholder")).toBe("default 10000");
    await form.locator("input[name='pop']").fill("2.5");
    await expect
      .poll(() => form.locator(".jp-hpcfit-form-errors").textContent(), { timeout: 30_000 })
      .toBe("option pop must be a positive integer, got 2.5");
    await form.locator("select[name='method']").selectOption("lm");
    expect(await form.locator("input[name='pop']").isHidden()).toBe(true);
    await form.locator("input[name='job-name']").fill("formfit");
    await form.locator("input[name='time']").fill("00:05:00");
    // The preview is the kernel's dry run of the same order: %%fit's script, with its job driver.
    await expect
      .poll(() => form.locator(".jp-hpcfit-script-preview").textContent(), { timeout: 30_000 })
      .toContain("#SBATCH --time=00:05:00");
    expect(await form.locator(".jp-hpcfit-script-preview").textContent()).toContain("#SBATCH --job-name=formfit");
    expect(await form.locator(".jp-hpcfit-script-preview").textContent()).toContain("fit-jobs/job-main.js");
    expect(await form.locator(".jp-hpcfit-form-errors").textContent()).toBe("");
    await screenshot(lab.page, "14-new-fit-job-form");
    await expect.poll(() => form.locator("button", { hasText: "Submit" }).isEnabled(), { timeout: 30_000 }).toBe(true);
    await form.locator("button", { hasText: "Submit" }).click();
    await expect
      .poll(() => form.locator(".jp-hpcfit-submit-result").textContent(), { timeout: 30_000 })
      .toMatch(/^Submitted job \d+$/);
    await expect.poll(() => job("formfit").getAttribute("data-state"), { timeout: 90_000 }).toBe("COMPLETED");
    expect(await job("formfit").getAttribute("data-here")).toBe("true");
    // The job driver's progress lines, followed in the output viewer, end with the stored result.
    await job("formfit").locator("[data-action='tail']").click();
    const output = lab.page.locator(".jp-hpcfit-output-viewer").last();
    await expect
      .poll(() => output.locator("pre").textContent(), { timeout: 30_000 })
      .toMatch(/lm step \d+, best chisq [0-9.]+[\s\S]*fit done: chisq/);
    // A notification says so (the job was submitted from this JupyterLab).
    await expect
      .poll(() => lab.page.locator(".Toastify__toast", { hasText: "formfit" }).count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await job("formfit").locator("[data-action='results']").click();
    const results = lab.page.locator(".jp-hpcfit-results-viewer").last();
    await expect.poll(() => results.locator(".jp-hpcfit-fit .scatterlayer .trace").count(), { timeout: 60_000 }).toBe(3);
    expect(await results.locator("tr[data-parameter='m'] .jp-hpcfit-value").textContent()).toBe("1.970 ± 0.021");
    await screenshot(lab.page, "15-form-fit-results");
    // Its directory opens in the file browser (the kernel's working directory, the server root here).
    await job("formfit").locator("[data-action='directory']").click();
    await expect
      .poll(() => lab.page.locator(".jp-FileBrowser .jp-DirListing-item[title^='Name: store']").count(), { timeout: 30_000 })
      .toBe(1);
  });

  it("reconnects after a kernel restart and still knows the jobs", async () => {
    await runCommand(lab.page, "docmanager:open", { path: "jobs-panel.ipynb" });
    await lab.page.click("[data-id='hpcfit-jobs-panel']");
    // The command resolves once its confirmation dialog is answered.
    const restart = runCommand(lab.page, "notebook:restart-kernel");
    await lab.page.locator(".jp-Dialog button", { hasText: "Restart" }).click();
    await restart;
    await expect
      .poll(() => lab.page.textContent(".jp-hpcfit-panel-status"), { timeout: 30_000 })
      .toMatch(/restarting|Your jobs|Waiting/);
    await expect.poll(() => lab.page.getAttribute(".jp-hpcfit-jobs-panel", "data-connected"), { timeout: 60_000 }).toBe("true");
    // A new kernel starts on the default backend (Slurm, here): back to the local one, and the
    // job records, which persist per user, list the jobs submitted before the restart.
    await lab.page.evaluate(async () => {
      type Kernel = { requestExecute(content: { code: string }): { done: Promise<unknown> } };
      const app = (
        window as unknown as { jupyterapp: { shell: { currentWidget: { sessionContext: { session: { kernel: Kernel } } } } } }
      ).jupyterapp;
      await app.shell.currentWidget.sessionContext.session.kernel.requestExecute({ code: "%slurm backend local" }).done;
    });
    await lab.page.click(".jp-hpcfit-refresh");
    await expect.poll(() => job("formfit").getAttribute("data-state"), { timeout: 60_000 }).toBe("COMPLETED");
    await screenshot(lab.page, "16-after-restart");
  });
});
