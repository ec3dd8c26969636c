/**
 * The Jobs panel against the real Slurm test cluster (started by test/setup/global.ts): a job
 * submitted with `%%sbatch` on the Slurm backend appears in the panel, runs, and is cancelled
 * from the panel.
 */
import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { runCommand, screenshot } from "../support/browser.js";
import { labSession } from "../support/lab-session.js";
import { jobNamed, openJobsPanel } from "./jobs-panel-support.js";
import { notebook } from "./notebook-fixtures.js";

const SLEEPER = ["%%sbatch", "#!/bin/bash", "#SBATCH --job-name=slurm-panel-sleeper", "#SBATCH --time=2", "sleep 110", ""].join(
  "\n",
);

const lab = labSession({
  notebooks: { "slurm-panel.ipynb": notebook([{ source: "%slurm backend slurm" }, { source: SLEEPER }]) },
  slurm: true,
  dataDir: true,
  open: "slurm-panel.ipynb",
});

const job = (name: string): Locator => jobNamed(lab.page, name);

describe("Jobs panel with the Slurm test cluster", () => {
  it("follows a %%sbatch job from submission to running, and cancels it", async () => {
    await openJobsPanel(lab.page);
    await runCommand(lab.page, "notebook:run-all-cells");
    await expect.poll(() => job("slurm-panel-sleeper").count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => job("slurm-panel-sleeper").getAttribute("data-state"), { timeout: 60_000 }).toBe("RUNNING");
    await expect.poll(() => lab.page.getAttribute(".jp-hpcfit-panel-status", "data-backend")).toBe("slurm");
    await screenshot(lab.page, "30-slurm-running");
    await job("slurm-panel-sleeper").locator("[data-action='cancel']").click();
    await lab.page.locator(".jp-Dialog button", { hasText: "Yes" }).click();
    await expect.poll(() => job("slurm-panel-sleeper").getAttribute("data-state"), { timeout: 60_000 }).toBe("CANCELLED");
    await screenshot(lab.page, "31-slurm-cancelled");
  });
});
