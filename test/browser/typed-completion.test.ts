/**
 * In JupyterLab with the real kernel: Tab after `result.` opens the completer with the members of
 * the fit result, each labelled with its kind from the types (a field is a `property`, a method a
 * `function`), and the documentation JupyterLab fetches for an item (an inspect_request) is its
 * TypeScript declaration.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  launchChromium,
  openLab,
  runCommand,
  screenshot,
  startJupyterLab,
  waitForKernelIdle,
  type Lab,
} from "../support/browser.js";
import { installTempKernelspec } from "../support/kernel-client.js";
import { notebook } from "./notebook-fixtures.js";

let lab: Lab;
let browser: Browser;
let page: Page;
let dir: string;

const FIT = `import { Curve, FitProblem, fit } from "hpcfit";
const line = new Curve((x: number, m = 1, b = 0) => m * x + b, [1, 2, 3, 4], [2.1, 4.0, 6.3, 8.03], [0.1, 0.1, 0.1, 0.1]);
line.m.range(0, 4);
line.b.range(-5, 5);
const result = await fit(new FitProblem(line), { method: "lm" });`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hpcfit-lab-typed-"));
  writeFileSync(join(dir, "typed.ipynb"), JSON.stringify(notebook([{ source: FIT }, { source: "" }])));
  // The kernel of this build (dist/), found before any hpcfit kernelspec installed in .venv.
  const prefix = installTempKernelspec();
  lab = await startJupyterLab({ notebookDir: dir, env: { JUPYTER_PATH: join(prefix, "share", "jupyter") } });
  browser = await launchChromium();
  page = await openLab(browser, lab, "typed.ipynb");
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("typed completion in JupyterLab", () => {
  it("shows the kinds of a fit result's members in the completion popup", async () => {
    await runCommand(page, "notebook:run-all-cells");
    // The fit cell has run when its prompt shows an execution count.
    const prompt = page.locator(".jp-NotebookPanel .jp-Cell").nth(0).locator(".jp-InputPrompt");
    await expect.poll(() => prompt.textContent(), { timeout: 90_000 }).toMatch(/\[\d+\]/);
    await waitForKernelIdle(page, 90_000);
    const editor = page.locator(".jp-NotebookPanel .jp-Cell").nth(1).locator(".cm-content");
    await editor.click();
    await page.keyboard.type("result.");
    await page.keyboard.press("Tab");
    const popup = page.locator(".jp-Completer");
    await popup.waitFor({ state: "visible", timeout: 30_000 });
    const item = (name: string) => popup.locator(`li.jp-Completer-item[data-value="${name}"]`);
    await item("chisq").waitFor({ timeout: 30_000 });
    await screenshot(page, "typed-completion");
    // Runtime completion calls an own data field an "instance"; the types know it is a property.
    expect(await item("chisq").locator(".jp-Completer-typeExtended").textContent()).toBe("property");
    expect(await item("converged").locator(".jp-Completer-typeExtended").textContent()).toBe("property");
  });
});
