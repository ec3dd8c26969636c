/**
 * What the "Run as Job…" browser tests share: their notebooks, opening the form from the file
 * browser, submitting it, and finding a job in the Jobs panel.
 */
import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";

/** An nbformat 4 notebook for the hpcfit kernel; the first cell is its parameters cell. */
export function studyNotebook(cells: string[]): string {
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

/** A study of three parameters: three cells that wait `pause` seconds each, then a recorded value. */
export const STUDY = [
  "const workers = 2; // worker processes\nconst size = 10;\nlet pause = 0;",
  'import { record } from "hpcfit";',
  "await new Promise((r) => setTimeout(r, pause * 1000));",
  "await new Promise((r) => setTimeout(r, pause * 1000));",
  "await new Promise((r) => setTimeout(r, pause * 1000));",
  'record("time_per_item", size / workers);',
];

/** A notebook that fails in its third cell. */
export const FAILING = ["const x = 1;", "const y = x + 1;", 'throw new Error("boom at " + y);', "const never = 0;"];

/** Shows a widget of the shell by id (a click on a sidebar tab that is already open would close it). */
export async function activate(page: Page, id: string): Promise<void> {
  await page.evaluate(
    (widgetId) =>
      (window as unknown as { jupyterapp: { shell: { activateById(id: string): void } } }).jupyterapp.shell.activateById(
        widgetId,
      ),
    id,
  );
}

/** The label of the main area's current widget. */
export function currentLabel(page: Page): Promise<string | undefined> {
  return page.evaluate(
    () =>
      (window as unknown as { jupyterapp: { shell: { currentWidget: { title: { label: string } } | null } } }).jupyterapp.shell
        .currentWidget?.title.label,
  );
}

/** Opens the form of `file` from the file browser's context menu; resolves once its parameters are shown. */
export async function openFormFromFileBrowser(page: Page, file: string, firstParameter: string): Promise<Locator> {
  const before = await page.locator(".jp-hpcfit-notebook-job-form").count();
  await activate(page, "filebrowser");
  const item = page.locator(".lm-Menu-item", { hasText: "Run as Job…" });
  // A menu opened on a listing row JupyterLab is still re-rendering is the generic one, without
  // the item: close it (it would take the next clicks) and open the row's menu again.
  await expect
    .poll(
      async () => {
        await page.keyboard.press("Escape");
        await page.locator(".jp-DirListing-item", { hasText: file }).first().click({ button: "right" });
        return item.waitFor({ timeout: 3000 }).then(
          () => true,
          () => false,
        );
      },
      { timeout: 60_000, interval: 0 },
    )
    .toBe(true);
  await item.click();
  await expect.poll(() => page.locator(".jp-hpcfit-notebook-job-form").count(), { timeout: 60_000 }).toBe(before + 1);
  const form = page.locator(".jp-hpcfit-notebook-job-form").last();
  await form.locator(`input[name='parameters.${firstParameter}']`).waitFor({ timeout: 60_000 });
  return form;
}

/** Submits `form` once the kernel has checked it; resolves the job id it shows (the array's id for a sweep). */
export async function submitted(form: Locator): Promise<string> {
  const enabled = (): Promise<boolean> => form.locator("[data-action='submit']").isEnabled();
  // The errors, when the form stays disabled, say why in the failure message.
  await expect
    .poll(
      async () =>
        (await enabled())
          ? ""
          : (await form.locator(".jp-hpcfit-field-error, .jp-hpcfit-form-errors").allTextContents()).join(" | "),
      { timeout: 30_000 },
    )
    .toBe("");
  await form.locator("[data-action='submit']").click();
  const result = form.locator(".jp-hpcfit-submit-result");
  await expect
    .poll(async () => `${(await result.getAttribute("data-job-id")) ?? ""} ${await result.textContent()}`, { timeout: 30_000 })
    .toMatch(/^\d+ Submitted/);
  return (await result.getAttribute("data-job-id"))!;
}

/** Job `id`'s row in the Jobs panel. */
export function panelJob(page: Page, id: string): Locator {
  return page.locator(`.jp-hpcfit-jobs-panel .jp-hpcfit-job[data-job-id='${id}']`);
}

/** What the panel showed of a run while it was followed part-way: the cell running and the times. */
export interface SeenPartWay {
  cells: string[];
  times: string[];
}

/**
 * Waits until the progress of `job` has been seen part-way (more than none, fewer than `total`
 * cells done); resolves the running cells and the times the panel showed meanwhile.
 */
export async function seenPartWay(job: Locator, total: number, timeout = 60_000): Promise<SeenPartWay> {
  const progress = job.locator(".jp-hpcfit-run-progress");
  await expect.poll(() => progress.getAttribute("data-total"), { timeout }).toBe(String(total));
  const seen = new Set<string>();
  const cells = new Set<string>();
  const times = new Set<string>();
  const shown = async (selector: string, into: Set<string>): Promise<void> => {
    for (const text of await job.locator(selector).allTextContents()) into.add(text);
  };
  await expect
    .poll(
      async () => {
        seen.add((await progress.getAttribute("data-done")) ?? "");
        await shown(".jp-hpcfit-run-cell", cells);
        await shown(".jp-hpcfit-run-times", times);
        return [...seen].some((d) => Number(d) > 0 && Number(d) < total);
      },
      { timeout, interval: 200 },
    )
    .toBe(true);
  return { cells: [...cells], times: [...times] };
}
