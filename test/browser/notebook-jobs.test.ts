/**
 * "Run as Job…" in a real JupyterLab against the real hpcfit kernel, on the local backend: the
 * form opened from the file browser's menu, a bad value refused beside its field, a run whose
 * progress in cells rises in the Jobs panel, its output opened while it runs and after, a failing
 * notebook opened at its failing cell, "Run again…" prefilled, and a 2 × 3 sweep whose summary
 * opens as a table and plots a recorded value against a parameter. Screenshots of the form and
 * the panel, light and dark, are compared with the committed snapshots.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareSnapshot, runCommand, screenshot } from "../support/browser.js";
import { labSession } from "../support/lab-session.js";
import {
  activate as activateIn,
  currentLabel as currentLabelOf,
  FAILING,
  openFormFromFileBrowser,
  panelJob as panelJobOf,
  seenPartWay,
  STUDY,
  studyNotebook,
  submitted,
} from "./notebook-jobs-support.js";

const lab = labSession({
  notebooks: { "study.ipynb": studyNotebook(STUDY), "failing.ipynb": studyNotebook(FAILING) },
  dataDir: true,
  env: { HPCFIT_JOBS_BACKEND: "local", HPCFIT_LOCAL_CPUS: "2" },
});

const activate = (id: string): Promise<void> => activateIn(lab.page, id);
const currentLabel = (): Promise<string | undefined> => currentLabelOf(lab.page);
const panelJob = (id: string): ReturnType<typeof panelJobOf> => panelJobOf(lab.page, id);

describe("Run as Job… on the local backend", () => {
  let runId = "";

  it("opens from the file browser, refuses a bad value beside its field, and submits a run", async () => {
    const form = await openFormFromFileBrowser(lab.page, "study.ipynb", "workers");
    expect(
      await form.locator("tr[data-parameter]").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.parameter)),
    ).toEqual(["workers", "size", "pause"]);
    await form.locator("input[name='parameters.size']").fill("ten");
    await expect
      .poll(() => form.locator(".jp-hpcfit-field-error[data-field='parameters.size']").textContent())
      .toBe('size is a number; "ten" is not one');
    expect(await form.locator("[data-action='submit']").isEnabled()).toBe(false);
    await form.locator("input[name='parameters.size']").fill("40");
    await form.locator("input[name='parameters.pause']").fill("2");
    await form.locator("input[name='name']").fill("first");
    await form.locator("input[name='html']").check();
    await expect.poll(() => form.locator(".jp-hpcfit-field-error[data-field='parameters.size']").textContent()).toBe("");
    await expect.poll(() => form.locator(".jp-hpcfit-run-count").getAttribute("data-runs"), { timeout: 30_000 }).toBe("1");
    await expect
      .poll(() => form.locator(".jp-hpcfit-script-preview").textContent(), { timeout: 30_000 })
      .toMatch(/#SBATCH --job-name=first\n[\s\S]* run .*study\.ipynb[\s\S]* --html\n$/);
    await screenshot(lab.page, "30-run-as-job-form");
    runId = await submitted(form);
  }, 300_000);

  it("shows the run's progress in cells rising in the Jobs panel, and opens its output while it runs and after", async () => {
    await activate("hpcfit-jobs-panel");
    const job = panelJob(runId);
    const progress = job.locator(".jp-hpcfit-run-progress");
    const partWay = await seenPartWay(job, 7);
    // While it runs: the cell running now, the time spent and the time left estimated from the cells so far.
    expect(partWay.cells.some((c) => /^cell [345]: await new Promise/.test(c))).toBe(true);
    expect(partWay.times.some((t) => /^\d\d:\d\d:\d\d elapsed, ~\d\d:\d\d:\d\d left$/.test(t))).toBe(true);
    expect(await job.locator(".jp-hpcfit-run-parameters").textContent()).toBe("size=40 pause=2");
    await job.locator("[data-action='open-output']").click();
    const output = lab.page
      .locator(".jp-NotebookPanel")
      .filter({ has: lab.page.locator(".jp-Cell") })
      .last();
    await expect.poll(currentLabel, { timeout: 30_000 }).toBe("study.ipynb");
    expect(await output.locator(".jp-Cell").count()).toBeGreaterThan(0);
    await screenshot(lab.page, "31-output-while-running");
    await expect.poll(() => progress.getAttribute("data-run-state"), { timeout: 120_000 }).toBe("completed");
    expect(await progress.textContent()).toBe("7/7");
    await expect.poll(() => job.getAttribute("data-state"), { timeout: 60_000 }).toBe("COMPLETED");
    await activate("hpcfit-jobs-panel");
    await job.locator("[data-action='open-output']").click();
    await expect
      .poll(() => lab.page.locator(".jp-NotebookPanel:visible .jp-Cell .jp-OutputArea-output").allTextContents(), {
        timeout: 30_000,
      })
      .toContainEqual(expect.stringContaining("time_per_item = 20"));
    // The HTML copy nbconvert made in the job.
    await activate("hpcfit-jobs-panel");
    await job.locator("[data-action='open-html']").click();
    await expect.poll(currentLabel, { timeout: 30_000 }).toBe("study.html");
    await expect
      .poll(() => lab.page.frameLocator(".jp-HTMLViewer:visible iframe").locator("body").textContent(), { timeout: 30_000 })
      .toContain("time_per_item = 20");
    // The log of a run that went well says what ran, cell by cell with its time, and where the output is.
    await activate("hpcfit-jobs-panel");
    await job.locator("[data-action='tail']").click();
    const log = lab.page.locator(`.jp-hpcfit-output-viewer[id='hpcfit-output-${runId}-stdout'] .jp-hpcfit-output`);
    await expect.poll(() => log.textContent(), { timeout: 30_000 }).toMatch(/Output saved to \S*runs\/first\/study\.ipynb/);
    const text = (await log.textContent()) ?? "";
    expect(text).toContain("Parameters: size=40, pause=2");
    expect(text).toContain("Executing code cell 4 of 7: await new Promise");
    expect(text.match(/^code cell \d of 7 \(In \[\d+\]\) done in \d+\.\d\d s$/gm)).toHaveLength(7);
    expect(text).toMatch(/^Ran 7 of 7 code cells in \d+\.\d\d s$/m);
  }, 300_000);

  it("opens a failed run's output at the failing cell", async () => {
    const form = await openFormFromFileBrowser(lab.page, "failing.ipynb", "x");
    await form.locator("input[name='name']").fill("broken");
    const id = await submitted(form);
    await activate("hpcfit-jobs-panel");
    const progress = panelJob(id).locator(".jp-hpcfit-run-progress");
    await expect.poll(() => progress.getAttribute("data-run-state"), { timeout: 120_000 }).toBe("failed");
    await panelJob(id).locator("[data-action='open-output']").click();
    await expect
      .poll(() => lab.page.locator(".jp-NotebookPanel:visible .jp-Cell.jp-mod-active .jp-InputArea").textContent(), {
        timeout: 30_000,
      })
      .toContain("boom at");
    await screenshot(lab.page, "32-failed-at-cell");
    // A run that fails is announced, and stays announced until dismissed.
    await expect
      .poll(() => lab.page.locator(".Toastify__toast", { hasText: `Job ${id} (broken) ended FAILED` }).count(), {
        timeout: 30_000,
      })
      .toBe(1);
    // The job's log says what failed.
    await activate("hpcfit-jobs-panel");
    await panelJob(id).locator("[data-action='tail']").click();
    const log = lab.page.locator(`.jp-hpcfit-output-viewer[id='hpcfit-output-${id}-stdout']`);
    await expect.poll(() => log.locator(".jp-hpcfit-output").textContent(), { timeout: 30_000 }).toContain("boom at 2");
  }, 300_000);

  it("Run again… opens the form filled with the run's values", async () => {
    await activate("hpcfit-jobs-panel");
    await panelJob(runId).locator("[data-action='run-again']").click();
    const form = lab.page.locator(".jp-hpcfit-notebook-job-form").last();
    await expect.poll(() => form.locator("input[name='parameters.size']").inputValue(), { timeout: 30_000 }).toBe("40");
    expect(await form.locator("input[name='parameters.pause']").inputValue()).toBe("2");
    expect(await form.locator("input[name='name']").inputValue()).toBe("");
  }, 300_000);

  it("opens the form of the notebook being edited from its toolbar's Run as Job… button", async () => {
    const before = await lab.page.locator(".jp-hpcfit-notebook-job-form").count();
    await activate("filebrowser");
    await lab.page.locator(".jp-DirListing-item", { hasText: "study.ipynb" }).first().dblclick();
    const notebook = lab.page.locator(".jp-NotebookPanel:visible");
    await expect.poll(() => notebook.locator(".jp-Cell").count(), { timeout: 60_000 }).toBe(STUDY.length);
    await notebook.locator(".jp-Toolbar-item[data-jp-item-name='hpcfit-run-as-job']").click();
    await expect.poll(() => lab.page.locator(".jp-hpcfit-notebook-job-form").count(), { timeout: 60_000 }).toBe(before + 1);
    const form = lab.page.locator(".jp-hpcfit-notebook-job-form").last();
    await expect.poll(currentLabel, { timeout: 30_000 }).toBe("Run study.ipynb as job");
    await form.locator("input[name='parameters.size']").waitFor({ timeout: 60_000 });
    expect(
      await form.locator("tr[data-parameter]").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.parameter)),
    ).toEqual(["workers", "size", "pause"]);
    // The same notebook as from the file browser: its remembered values, and its path in the script.
    expect(await form.locator("input[name='parameters.size']").inputValue()).toBe("40");
    await expect
      .poll(() => form.locator(".jp-hpcfit-script-preview").textContent(), { timeout: 30_000 })
      .toContain(` run ${join(lab.dir, "study.ipynb")} `);
    await form.locator("[data-action='submit']").waitFor();
    await lab.page
      .locator(".lm-TabBar-tab", { hasText: "Run study.ipynb as job" })
      .last()
      .locator(".lm-TabBar-tabCloseIcon")
      .click();
    await expect.poll(() => lab.page.locator(".jp-hpcfit-notebook-job-form").count(), { timeout: 30_000 }).toBe(before);
  }, 300_000);

  it("runs a 2 × 3 sweep as one job array and plots its summary", async () => {
    const form = await openFormFromFileBrowser(lab.page, "study.ipynb", "workers");
    // The form starts from what was last submitted for this notebook.
    expect(await form.locator("input[name='parameters.size']").inputValue()).toBe("40");
    expect(await form.locator("input[name='parameters.pause']").inputValue()).toBe("2");
    expect(await form.locator("input[name='html']").isChecked()).toBe(true);
    await form.locator("input[name='html']").uncheck();
    await form.locator("input[name='parameters.pause']").fill("0");
    await form.locator("input[name='parameters.size']").fill("");
    await form.locator("input[name='sweep.workers']").fill("1, 2");
    await form.locator("input[name='sweep.size']").fill("10:30:10");
    await form.locator("input[name='name']").fill("grid");
    await expect.poll(() => form.locator(".jp-hpcfit-run-count").getAttribute("data-runs"), { timeout: 30_000 }).toBe("6");
    await expect
      .poll(() => form.locator(".jp-hpcfit-script-preview").textContent(), { timeout: 30_000 })
      .toMatch(/--job-name=grid\n[\s\S]*#SBATCH --array=0-5\n/);
    const arrayId = await submitted(form);
    await activate("hpcfit-jobs-panel");
    const group = lab.page.locator(`.jp-hpcfit-array[data-array-job-id='${arrayId}']`);
    await expect
      .poll(() => group.locator("summary").textContent(), { timeout: 180_000 })
      .toMatch(/sweep grid of study\.ipynb — \d/);
    await group.locator("[data-action='summary']").waitFor({ timeout: 180_000 });
    await screenshot(lab.page, "33-sweep-in-panel");
    await group.locator("[data-action='summary']").click();
    const viewer = lab.page.locator(".jp-hpcfit-summary-viewer").last();
    await expect.poll(() => viewer.locator("tr").count(), { timeout: 30_000 }).toBe(7);
    // Every run ended well (the error column says why when one did not).
    const statuses = await viewer
      .locator("tr")
      .evaluateAll((rows) => rows.slice(1).map((r) => (r as HTMLTableRowElement).innerText));
    expect(statuses.filter((r) => !/\tok\t/.test(r))).toEqual([]);
    expect(await group.locator("summary").textContent()).toMatch(/sweep grid of study\.ipynb — 6 COMPLETED Summary$/);
    await viewer.locator("select[name='x']").selectOption("size");
    await viewer.locator("button[data-column='time_per_item']").click();
    await expect.poll(() => viewer.locator(".jp-hpcfit-summary-plot .scatterlayer .trace").count(), { timeout: 30_000 }).toBe(2);
    await screenshot(lab.page, "34-sweep-summary-plot");
  }, 300_000);

  it("looks the same as the committed snapshots, light and dark", async () => {
    // What does not change from run to run: the form's parameters (the sweep's form, filled) and the summary plot.
    const form = lab.page.locator(".jp-hpcfit-notebook-job-form").last();
    const viewer = lab.page.locator(".jp-hpcfit-summary-viewer").last();
    const shots = async (theme: string): Promise<void> => {
      // The toasts of the runs that ended sit over the bottom right of the main area.
      await runCommand(lab.page, "apputils:dismiss-notification", {});
      await expect.poll(() => lab.page.locator(".Toastify__toast").count(), { timeout: 10_000 }).toBe(0);
      await lab.page.mouse.move(0, 0);
      await lab.page.waitForTimeout(500);
      await lab.page.locator(".lm-TabBar-tab", { hasText: "study-summary.csv" }).first().click();
      expect(
        await compareSnapshot(
          lab.page,
          `notebook-sweep-summary-plot-${theme}`,
          await viewer.locator(".jp-hpcfit-summary-plot").screenshot(),
        ),
      ).toBeLessThan(0.01);
      await lab.page.locator(".lm-TabBar-tab", { hasText: "Run study.ipynb as job" }).last().click();
      expect(
        await compareSnapshot(
          lab.page,
          `notebook-job-form-parameters-${theme}`,
          await form.locator(".jp-hpcfit-parameters").screenshot(),
        ),
      ).toBeLessThan(0.01);
    };
    await shots("light");
    await runCommand(lab.page, "apputils:change-theme", { theme: "JupyterLab Dark" });
    await expect.poll(() => lab.page.evaluate(() => document.body.dataset.jpThemeLight), { timeout: 30_000 }).toBe("false");
    await shots("dark");
    await screenshot(lab.page, "35-dark");
  }, 300_000);
});
