/**
 * The example notebooks run for real in JupyterLab with the hpcfit kernel, as a user would:
 * `examples/curve-fit.ipynb` (Run All) draws the fit with its data and model traces and the
 * parameter table shows the fitted values; `examples/mcmc-line.ipynb` draws every MCMC tab, the
 * model's bands in its best fit, and writes and reads its ArviZ store.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fit } from "hpcfit";
import { formatWithUncertainty } from "../../labextension/src/transforms/fit-series.js";
import { ROOT, runCommand, screenshot, waitForKernelIdle } from "../support/browser.js";
import { labSession } from "../support/lab-session.js";
import { MCMC_TAB_CONTENT, openMcmcTab } from "./mcmc-view-support.js";
import { lineProblem } from "../support/line-problem.js";

const lab = labSession({ copyOf: join(ROOT, "examples"), open: "curve-fit.ipynb" });

/** Runs every cell of the current notebook and waits until the kernel is idle again. */
async function runAll(): Promise<void> {
  await runCommand(lab.page, "notebook:run-all-cells");
  // Execution counts fill in cell by cell; the last code cell's prompt gets a number at the end.
  await lab.page.waitForFunction(
    () => {
      const prompts = Array.from(document.querySelectorAll(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt"));
      return prompts.length > 0 && prompts.every((p) => /\[\d+\]/.test(p.textContent ?? ""));
    },
    undefined,
    { timeout: 120_000, polling: 250 },
  );
  await waitForKernelIdle(lab.page);
}

describe("example notebooks, run in JupyterLab", () => {
  it("curve-fit.ipynb draws the fit with data and model traces and the fitted values", async () => {
    await runAll();
    const expected = await fit(lineProblem(), { method: "lm" });
    const fitView = lab.page.locator(".jp-OutputArea-output.jp-hpcfit-fit").first();
    await fitView.locator(".main-svg").first().waitFor({ timeout: 60_000 });
    const traces = fitView.locator(".scatterlayer .trace");
    await expect.poll(() => traces.count()).toBe(3);
    expect(await traces.nth(0).locator(".points path").count()).toBe(6);
    expect(await traces.nth(1).locator("path.js-line").count()).toBe(1);
    for (const p of expected.parameters) {
      await expect
        .poll(() => fitView.locator(`tr[data-parameter='${p.name}'] .jp-hpcfit-value`).textContent())
        .toBe(formatWithUncertainty(p.value, p.stderr));
    }
    await screenshot(lab.page, "20-curve-fit-run-all");
  });

  it("mcmc-line.ipynb draws every tab of the MCMC view", async () => {
    await runCommand(lab.page, "docmanager:open", { path: "mcmc-line.ipynb" });
    await waitForKernelIdle(lab.page, 90_000);
    // The Jobs panel follows the notebook that has focus.
    await lab.page.click("[data-id='hpcfit-jobs-panel']");
    await expect.poll(() => lab.page.textContent(".jp-hpcfit-panel-status"), { timeout: 30_000 }).toContain("mcmc-line.ipynb");
    await runAll();
    const mcmc = lab.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output.jp-hpcfit-mcmc").first();
    await mcmc.waitFor({ state: "attached", timeout: 60_000 });
    await mcmc.scrollIntoViewIfNeeded();
    for (const [tab, selector] of Object.entries(MCMC_TAB_CONTENT)) {
      const pageNode = await openMcmcTab(lab.page, mcmc, tab);
      await expect.poll(() => pageNode.locator(selector).count(), { timeout: 30_000 }).toBeGreaterThan(0);
      await screenshot(lab.page, `21-mcmc-line-${tab}`);
    }
    expect(await mcmc.locator("table.jp-hpcfit-diagnostics tbody tr").count()).toBe(2);
    // The run sampled until R-hat <= 1.01: the diagnostics tab says the target was met.
    const summary = mcmc.locator(".jp-hpcfit-tab-page[data-tab='diagnostics'] table.jp-hpcfit-summary");
    expect(await summary.textContent()).toMatch(/until targetsR-hat ≤ 1\.01until outcomemet \(worst R-hat 1\.0(0\d|10), /);
    expect(await summary.locator("td.jp-hpcfit-warning").count()).toBe(0);
    // The best fit carries the model's 68% and 95% bands: two filled areas under the curve.
    expect(await mcmc.locator(".jp-hpcfit-tab-page[data-tab='fit'] .scatterlayer .trace .fills path").count()).toBe(2);
    // The last cell wrote the ArviZ store and read it back without an error.
    const panel = lab.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)");
    await expect
      .poll(() => panel.locator(".jp-Cell").last().locator(".jp-OutputArea-output").first().textContent())
      .toMatch(/name: 'm'/);
    expect(await panel.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()).toBe(0);
  });
});
