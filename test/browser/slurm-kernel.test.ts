/**
 * A notebook on the "HPCFit on Slurm" kernel in a real JupyterLab in Chromium: the kernel picker's
 * kernelspec (installed into a private JUPYTER_PATH) starts the proxy, the kernel runs on a node
 * of the test cluster, a fit runs there and its plot is drawn; the Jobs panel marks the kernel's
 * allocation. Shutting the kernel down from the Lab cancels the allocation.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium, openLab, runCommand, screenshot, startJupyterLab, type Lab } from "../support/browser.js";
import { ROOT } from "../support/kernel-client.js";
import { notebook } from "./notebook-fixtures.js";

let lab: Lab;
let browser: Browser;
let page: Page;
let dir: string;
let dataDir: string;
let prefix: string;

const FIT = `import { Curve, FitProblem, fit } from "hpcfit";
const L = new Curve((x: number, m = 1, b = 0) => m * x + b, [1, 2, 3, 4, 5, 6], [2.1, 4.0, 6.3, 8.03, 9.6, 11.9], [0.05, 0.05, 0.2, 0.05, 0.2, 0.2], {}, { name: "on-a-node" });
L.m.range(0, 4);
L.b.range(-5, 5);
await fit(new FitProblem(L), { method: "lm" })`;

const WHERE = "%kernel where";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hpcfit-lab-slurm-kernel-"));
  dataDir = mkdtempSync(join(tmpdir(), "hpcfit-lab-slurm-kernel-data-"));
  prefix = mkdtempSync(join(tmpdir(), "hpcfit-lab-slurm-kernel-prefix-"));
  const installed = spawnSync(
    process.execPath,
    [join(ROOT, "dist", "cli", "main.js"), "install", "--prefix", prefix, "--slurm", "lab", "--time", "10"],
    { encoding: "utf8" },
  );
  if (installed.status !== 0) throw new Error(`hpcfit install --slurm failed (did you build?): ${installed.stderr}`);
  const nb = notebook([{ source: FIT }, { source: WHERE }]);
  nb.metadata = {
    kernelspec: { name: "hpcfit-slurm-lab", display_name: "HPCFit on Slurm (lab)", language: "typescript" },
    language_info: { name: "typescript" },
  };
  writeFileSync(join(dir, "on-slurm.ipynb"), JSON.stringify(nb));
  lab = await startJupyterLab({
    notebookDir: dir,
    env: {
      SLURM_CONF: inject("slurmConf"),
      HPCFIT_DATA_DIR: dataDir,
      JUPYTER_PATH: [join(prefix, "share", "jupyter"), process.env.JUPYTER_PATH].filter(Boolean).join(":"),
    },
  });
  browser = await launchChromium();
  page = await openLab(browser, lab, "on-slurm.ipynb");
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
  for (const d of [dir, dataDir, prefix]) if (d !== undefined) rmSync(d, { recursive: true, force: true });
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
    await runCommand(page, "notebook:run-all-cells");
    const cells = page.locator(".jp-NotebookPanel .jp-Cell");
    await cells.nth(0).locator(".jp-hpcfit-fit .jp-hpcfit-plot .main-svg").first().waitFor({ timeout: 90_000 });
    await expect.poll(() => cells.nth(0).locator(".scatterlayer .trace").count(), { timeout: 30_000 }).toBeGreaterThan(1);
    await expect
      .poll(() => cells.nth(1).locator(".jp-OutputArea-output").first().textContent(), { timeout: 30_000 })
      .toMatch(/this kernel runs on node n\d, in Slurm job \d+, \d+:\d\d left/);
    const [job] = kernelJobs();
    expect(job).toMatch(/^\d+ RUNNING$/);
    await screenshot(page, "60-slurm-kernel-fit");
  });

  it("shows the kernel's allocation marked in the Jobs panel", async () => {
    await page.click("[data-id='hpcfit-jobs-panel']");
    const own = page.locator(".jp-hpcfit-job[data-kernel-allocation='true']");
    await expect.poll(() => own.count(), { timeout: 60_000 }).toBe(1);
    expect(await own.locator(".jp-hpcfit-job-kernel").textContent()).toMatch(/^kernel · \d\d:\d\d:\d\d left$/);
    await screenshot(page, "61-slurm-kernel-panel");
  });

  it("cancels the allocation when the kernel is shut down", async () => {
    const id = kernelJobs()[0].split(" ")[0];
    await runCommand(page, "kernelmenu:shutdown");
    const dialog = page.locator(".jp-Dialog button", { hasText: /Shut Down/i });
    if ((await dialog.count()) > 0) await dialog.first().click();
    await expect.poll(() => kernelJobs().find((l) => l.startsWith(`${id} `)), { timeout: 60_000 }).toBe(`${id} CANCELLED`);
  });
});
