/**
 * The Jobs panel against the real Slurm test cluster (started by test/setup/global.ts): a job
 * submitted with `%%sbatch` on the Slurm backend appears in the panel, runs, and is cancelled
 * from the panel.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, openLab, runCommand, screenshot, startJupyterLab, type Lab } from "../support/browser.js";
import { notebook } from "./notebook-fixtures.js";

let lab: Lab;
let browser: Browser;
let page: Page;
let dir: string;
let dataDir: string;

const SLEEPER = ["%%sbatch", "#!/bin/bash", "#SBATCH --job-name=slurm-panel-sleeper", "#SBATCH --time=2", "sleep 110", ""].join(
  "\n",
);

function job(name: string): Locator {
  return page
    .locator(".jp-hpcfit-job")
    .filter({ has: page.locator(".jp-hpcfit-job-name", { hasText: new RegExp(`^${name}$`) }) });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hpcfit-lab-slurm-"));
  dataDir = mkdtempSync(join(tmpdir(), "hpcfit-panel-data-"));
  writeFileSync(
    join(dir, "slurm-panel.ipynb"),
    JSON.stringify(notebook([{ source: "%slurm backend slurm" }, { source: SLEEPER }])),
  );
  lab = await startJupyterLab({ notebookDir: dir, env: { SLURM_CONF: inject("slurmConf"), HPCFIT_DATA_DIR: dataDir } });
  browser = await launchChromium();
  page = await openLab(browser, lab, "slurm-panel.ipynb");
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
  for (const d of [dir, dataDir]) if (d !== undefined) rmSync(d, { recursive: true, force: true });
});

describe("Jobs panel with the Slurm test cluster", () => {
  it("follows a %%sbatch job from submission to running, and cancels it", async () => {
    await page.click("[data-id='hpcfit-jobs-panel']");
    await expect.poll(() => page.getAttribute(".jp-hpcfit-jobs-panel", "data-connected"), { timeout: 30_000 }).toBe("true");
    await runCommand(page, "notebook:run-all-cells");
    await expect.poll(() => job("slurm-panel-sleeper").count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => job("slurm-panel-sleeper").getAttribute("data-state"), { timeout: 60_000 }).toBe("RUNNING");
    await expect.poll(() => page.getAttribute(".jp-hpcfit-panel-status", "data-backend")).toBe("slurm");
    await screenshot(page, "30-slurm-running");
    await job("slurm-panel-sleeper").locator("[data-action='cancel']").click();
    await page.locator(".jp-Dialog button", { hasText: "Yes" }).click();
    await expect.poll(() => job("slurm-panel-sleeper").getAttribute("data-state"), { timeout: 60_000 }).toBe("CANCELLED");
    await screenshot(page, "31-slurm-cancelled");
  });
});
