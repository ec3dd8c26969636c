/**
 * "Run as Job…" in a real JupyterLab against the real hpcfit kernel, on the local backend: the
 * form opened from the file browser's menu, a bad value refused beside its field, a run whose
 * progress in cells rises in the Jobs panel, its output opened while it runs and after, a failing
 * notebook opened at its failing cell, "Run again…" prefilled, and a 2 × 3 sweep whose summary
 * opens as a table and plots a recorded value against a parameter. Screenshots of the form and
 * the panel, light and dark, are compared with the committed snapshots.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compareSnapshot,
  launchChromium,
  openLab,
  runCommand,
  screenshot,
  startJupyterLab,
  type Lab,
} from "../support/browser.js";

let lab: Lab;
let browser: Browser;
let page: Page;
let dir: string;
let dataDir: string;

/** An nbformat 4 notebook for the hpcfit kernel; the first cell is its parameters cell. */
function studyNotebook(cells: string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "hpcfit", display_name: "HPCFit (TypeScript)", language: "typescript" } },
    cells: cells.map((source, i) => ({
      cell_type: "code",
      id: `cell-${i}`,
      execution_count: null,
      metadata: i === 0 ? { tags: ["parameters"] } : {},
      source,
      outputs: [],
    })),
  });
}

const STUDY = [
  "const workers = 2; // worker processes\nconst size = 10;\nlet pause = 0;",
  'import { record } from "hpcfit";',
  "await new Promise((r) => setTimeout(r, pause * 1000));",
  "await new Promise((r) => setTimeout(r, pause * 1000));",
  "await new Promise((r) => setTimeout(r, pause * 1000));",
  'record("time_per_item", size / workers);',
];

const FAILING = ["const x = 1;", "const y = x + 1;", 'throw new Error("boom at " + y);', "const never = 0;"];

/** Opens the form of `file` from the file browser's context menu. */
async function openFormFromFileBrowser(file: string): Promise<Locator> {
  const before = await page.locator(".jp-hpcfit-notebook-job-form").count();
  await page.evaluate(() =>
    (window as unknown as { jupyterapp: { shell: { activateById(id: string): void } } }).jupyterapp.shell.activateById(
      "filebrowser",
    ),
  );
  await page.locator(".jp-DirListing-item", { hasText: file }).first().click({ button: "right" });
  await page.locator(".lm-Menu-item", { hasText: "Run as Job…" }).click();
  await expect.poll(() => page.locator(".jp-hpcfit-notebook-job-form").count(), { timeout: 60_000 }).toBe(before + 1);
  const form = page.locator(".jp-hpcfit-notebook-job-form").last();
  await form
    .locator("input[name='parameters.workers']")
    .waitFor({ timeout: 60_000 })
    .catch(() => undefined);
  return form;
}

async function submitted(form: Locator): Promise<string> {
  const enabled = (): Promise<boolean> => form.locator("[data-action='submit']").isEnabled();
  await expect
    .poll(
      async () =>
        (await enabled())
          ? ""
          : (await form.locator(".jp-hpcfit-field-error, .jp-hpcfit-form-errors").allTextContents()).join(" | "),
      {
        timeout: 30_000,
      },
    )
    .toBe("");
  await form.locator("[data-action='submit']").click();
  const result = form.locator(".jp-hpcfit-submit-result");
  await expect
    .poll(async () => `${(await result.getAttribute("data-job-id")) ?? ""} ${await result.textContent()}`, { timeout: 30_000 })
    .toMatch(/^\d+ Submitted/);
  return (await result.getAttribute("data-job-id"))!;
}

/** Shows a widget of the shell by id (a click on a sidebar tab that is already open would close it). */
async function activate(id: string): Promise<void> {
  await page.evaluate(
    (widgetId) =>
      (window as unknown as { jupyterapp: { shell: { activateById(id: string): void } } }).jupyterapp.shell.activateById(
        widgetId,
      ),
    id,
  );
}

/** The label of the main area's current widget. */
function currentLabel(): Promise<string | undefined> {
  return page.evaluate(
    () =>
      (window as unknown as { jupyterapp: { shell: { currentWidget: { title: { label: string } } | null } } }).jupyterapp.shell
        .currentWidget?.title.label,
  );
}

function panelJob(id: string): Locator {
  return page.locator(`.jp-hpcfit-jobs-panel .jp-hpcfit-job[data-job-id='${id}']`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hpcfit-nbjobs-lab-"));
  dataDir = mkdtempSync(join(tmpdir(), "hpcfit-nbjobs-data-"));
  writeFileSync(join(dir, "study.ipynb"), studyNotebook(STUDY));
  writeFileSync(join(dir, "failing.ipynb"), studyNotebook(FAILING));
  lab = await startJupyterLab({
    notebookDir: dir,
    env: { HPCFIT_DATA_DIR: dataDir, HPCFIT_JOBS_BACKEND: "local", HPCFIT_LOCAL_CPUS: "2" },
  });
  browser = await launchChromium();
  page = await openLab(browser, lab);
  await page.waitForFunction(() => "jupyterapp" in window, undefined, { timeout: 60_000 });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
  for (const d of [dir, dataDir]) if (d !== undefined) rmSync(d, { recursive: true, force: true });
});

describe("Run as Job… on the local backend", () => {
  let runId = "";

  it("opens from the file browser, refuses a bad value beside its field, and submits a run", async () => {
    const form = await openFormFromFileBrowser("study.ipynb");
    await form.locator("input[name='parameters.workers']").waitFor({ timeout: 60_000 });
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
    await expect.poll(() => form.locator(".jp-hpcfit-field-error[data-field='parameters.size']").textContent()).toBe("");
    await expect.poll(() => form.locator(".jp-hpcfit-run-count").getAttribute("data-runs"), { timeout: 30_000 }).toBe("1");
    await expect
      .poll(() => form.locator(".jp-hpcfit-script-preview").textContent(), { timeout: 30_000 })
      .toMatch(/#SBATCH --job-name=first\n[\s\S]* run .*study\.ipynb/);
    await screenshot(page, "30-run-as-job-form");
    runId = await submitted(form);
  }, 300_000);

  it("shows the run's progress in cells rising in the Jobs panel, and opens its output while it runs and after", async () => {
    await activate("hpcfit-jobs-panel");
    const job = panelJob(runId);
    const progress = job.locator(".jp-hpcfit-run-progress");
    await expect.poll(() => progress.getAttribute("data-total"), { timeout: 60_000 }).toBe("7");
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          seen.add((await progress.getAttribute("data-done")) ?? "");
          return [...seen].some((d) => Number(d) > 0 && Number(d) < 7);
        },
        { timeout: 60_000, interval: 200 },
      )
      .toBe(true);
    expect(await job.locator(".jp-hpcfit-run-parameters").textContent()).toBe("size=40 pause=2");
    await job.locator("[data-action='open-output']").click();
    const output = page
      .locator(".jp-NotebookPanel")
      .filter({ has: page.locator(".jp-Cell") })
      .last();
    await expect.poll(currentLabel, { timeout: 30_000 }).toBe("study.ipynb");
    expect(await output.locator(".jp-Cell").count()).toBeGreaterThan(0);
    await screenshot(page, "31-output-while-running");
    await expect.poll(() => progress.getAttribute("data-run-state"), { timeout: 120_000 }).toBe("completed");
    expect(await progress.textContent()).toBe("7/7");
    await expect.poll(() => job.getAttribute("data-state"), { timeout: 60_000 }).toBe("COMPLETED");
    await activate("hpcfit-jobs-panel");
    await job.locator("[data-action='open-output']").click();
    await expect
      .poll(() => page.locator(".jp-NotebookPanel:visible .jp-Cell .jp-OutputArea-output").allTextContents(), { timeout: 30_000 })
      .toContainEqual(expect.stringContaining("time_per_item = 20"));
  }, 300_000);

  it("opens a failed run's output at the failing cell", async () => {
    const form = await openFormFromFileBrowser("failing.ipynb");
    await form.locator("input[name='parameters.x']").waitFor({ timeout: 60_000 });
    await form.locator("input[name='name']").fill("broken");
    const id = await submitted(form);
    await activate("hpcfit-jobs-panel");
    const progress = panelJob(id).locator(".jp-hpcfit-run-progress");
    await expect.poll(() => progress.getAttribute("data-run-state"), { timeout: 120_000 }).toBe("failed");
    await panelJob(id).locator("[data-action='open-output']").click();
    await expect
      .poll(() => page.locator(".jp-NotebookPanel:visible .jp-Cell.jp-mod-active .jp-InputArea").textContent(), {
        timeout: 30_000,
      })
      .toContain("boom at");
    await screenshot(page, "32-failed-at-cell");
  }, 300_000);

  it("Run again… opens the form filled with the run's values", async () => {
    await activate("hpcfit-jobs-panel");
    await panelJob(runId).locator("[data-action='run-again']").click();
    const form = page.locator(".jp-hpcfit-notebook-job-form").last();
    await expect.poll(() => form.locator("input[name='parameters.size']").inputValue(), { timeout: 30_000 }).toBe("40");
    expect(await form.locator("input[name='parameters.pause']").inputValue()).toBe("2");
    expect(await form.locator("input[name='name']").inputValue()).toBe("");
  }, 300_000);

  it("runs a 2 × 3 sweep as one job array and plots its summary", async () => {
    const form = await openFormFromFileBrowser("study.ipynb");
    await form.locator("input[name='sweep.workers']").waitFor({ timeout: 60_000 });
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
    const group = page.locator(`.jp-hpcfit-array[data-array-job-id='${arrayId}']`);
    await expect
      .poll(() => group.locator("summary").textContent(), { timeout: 180_000 })
      .toMatch(/sweep grid of study\.ipynb — \d/);
    await group.locator("[data-action='summary']").waitFor({ timeout: 180_000 });
    await screenshot(page, "33-sweep-in-panel");
    await group.locator("[data-action='summary']").click();
    const viewer = page.locator(".jp-hpcfit-summary-viewer").last();
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
    await screenshot(page, "34-sweep-summary-plot");
  }, 300_000);

  it("looks the same as the committed snapshots, light and dark", async () => {
    // What does not change from run to run: the form's parameters (the sweep's form, filled) and the summary plot.
    const form = page.locator(".jp-hpcfit-notebook-job-form").last();
    const viewer = page.locator(".jp-hpcfit-summary-viewer").last();
    const shots = async (theme: string): Promise<void> => {
      await page.mouse.move(0, 0);
      await page.waitForTimeout(500);
      await page.locator(".lm-TabBar-tab", { hasText: "sweep-summary.csv" }).first().click();
      expect(
        await compareSnapshot(
          page,
          `notebook-sweep-summary-plot-${theme}`,
          await viewer.locator(".jp-hpcfit-summary-plot").screenshot(),
        ),
      ).toBeLessThan(0.01);
      await page.locator(".lm-TabBar-tab", { hasText: "Run study.ipynb as job" }).last().click();
      expect(
        await compareSnapshot(
          page,
          `notebook-job-form-parameters-${theme}`,
          await form.locator(".jp-hpcfit-parameters").screenshot(),
        ),
      ).toBeLessThan(0.01);
    };
    await shots("light");
    await runCommand(page, "apputils:change-theme", { theme: "JupyterLab Dark" });
    await expect.poll(() => page.evaluate(() => document.body.dataset.jpThemeLight), { timeout: 30_000 }).toBe("false");
    await shots("dark");
    await screenshot(page, "35-dark");
  }, 300_000);
});
