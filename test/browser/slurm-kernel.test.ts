/**
 * A notebook on the "HPCFit on Slurm" kernel in a real JupyterLab in Chromium: the kernel picker's
 * kernelspec (installed into a private JUPYTER_PATH) starts the proxy, the kernel runs on a node
 * of the test cluster, a fit runs there and its plot is drawn; the Jobs panel marks the kernel's
 * allocation. Shutting the kernel down from the Lab cancels the allocation.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { runCommand, screenshot } from "../support/browser.js";
import { ROOT } from "../support/kernel-client.js";
import { labSession } from "../support/lab-session.js";
import { notebook } from "./notebook-fixtures.js";

const FIT = `import { Curve, FitProblem, fit } from "hpcfit";
const L = new Curve((x: number, m = 1, b = 0) => m * x + b, [1, 2, 3, 4, 5, 6], [2.1, 4.0, 6.3, 8.03, 9.6, 11.9], [0.05, 0.05, 0.2, 0.05, 0.2, 0.2], {}, { name: "on-a-node" });
L.m.range(0, 4);
L.b.range(-5, 5);
await fit(new FitProblem(L), { method: "lm" })`;

const WHERE = "%kernel where";

const slurmNotebook = notebook([{ source: FIT }, { source: WHERE }]);
slurmNotebook.metadata = {
  kernelspec: { name: "hpcfit-slurm-lab", display_name: "HPCFit on Slurm (lab)", language: "typescript" },
  language_info: { name: "typescript" },
};

const lab = labSession({
  notebooks: { "on-slurm.ipynb": slurmNotebook },
  slurm: true,
  dataDir: true,
  prepare: (session) => {
    const prefix = session.tempDir("hpcfit-lab-slurm-kernel-prefix-");
    const installed = spawnSync(
      process.execPath,
      [join(ROOT, "dist", "cli", "main.js"), "install", "--prefix", prefix, "--slurm", "lab", "--time", "10"],
      { encoding: "utf8" },
    );
    if (installed.status !== 0) throw new Error(`hpcfit install --slurm failed (did you build?): ${installed.stderr}`);
    return { JUPYTER_PATH: [join(prefix, "share", "jupyter"), process.env.JUPYTER_PATH].filter(Boolean).join(":") };
  },
  open: "on-slurm.ipynb",
});

function kernelJobs(): string[] {
  const r = spawnSync("squeue", ["-h", "-t", "all", "-n", "hpcfit-kernel-lab", "-o", "%i %T"], {
    encoding: "utf8",
    env: { ...process.env, SLURM_CONF: inject("slurmConf") },
  });
  return r.stdout.trim().split("\n").filter(Boolean);
}

describe("a notebook on the Slurm kernel", () => {
  it("runs a fit on a compute node and draws its plot", async () => {
    await runCommand(lab.page, "notebook:run-all-cells");
    const cells = lab.page.locator(".jp-NotebookPanel .jp-Cell");
    await cells.nth(0).locator(".jp-hpcfit-fit .jp-hpcfit-plot .main-svg").first().waitFor({ timeout: 90_000 });
    await expect.poll(() => cells.nth(0).locator(".scatterlayer .trace").count(), { timeout: 30_000 }).toBeGreaterThan(1);
    await expect
      .poll(() => cells.nth(1).locator(".jp-OutputArea-output").first().textContent(), { timeout: 30_000 })
      .toMatch(/this kernel runs on node n\d, in Slurm job \d+, \d+:\d\d left/);
    const [job] = kernelJobs();
    expect(job).toMatch(/^\d+ RUNNING$/);
    await screenshot(lab.page, "60-slurm-kernel-fit");
  });

  it("shows the kernel's allocation marked in the Jobs panel", async () => {
    await lab.page.click("[data-id='hpcfit-jobs-panel']");
    const own = lab.page.locator(".jp-hpcfit-job[data-kernel-allocation='true']");
    await expect.poll(() => own.count(), { timeout: 60_000 }).toBe(1);
    expect(await own.locator(".jp-hpcfit-job-kernel").textContent()).toMatch(/^kernel · \d\d:\d\d:\d\d left$/);
    await screenshot(lab.page, "61-slurm-kernel-panel");
  });

  it("cancels the allocation when the kernel is shut down", async () => {
    const id = kernelJobs()[0].split(" ")[0];
    await runCommand(lab.page, "kernelmenu:shutdown");
    const dialog = lab.page.locator(".jp-Dialog button", { hasText: /Shut Down/i });
    if ((await dialog.count()) > 0) await dialog.first().click();
    await expect.poll(() => kernelJobs().find((l) => l.startsWith(`${id} `)), { timeout: 60_000 }).toBe(`${id} CANCELLED`);
  });
});
