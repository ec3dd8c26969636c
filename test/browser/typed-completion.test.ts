/**
 * In JupyterLab with the real kernel: Tab after `result.` opens the completer with the members of
 * the fit result, each labelled with its kind from the types (a field is a `property`, a method a
 * `function`), and the documentation panel shows the declaration JupyterLab fetches for the
 * active item (an inspect_request): its TypeScript type.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCommand, screenshot, waitForKernelIdle } from "../support/browser.js";
import { installTempKernelspec } from "../support/kernel-client.js";
import { labSession } from "../support/lab-session.js";
import { notebook } from "./notebook-fixtures.js";

const FIT = `import { Curve, FitProblem, fit } from "hpcfit";
const line = new Curve((x: number, m = 1, b = 0) => m * x + b, [1, 2, 3, 4], [2.1, 4.0, 6.3, 8.03], [0.1, 0.1, 0.1, 0.1]);
line.m.range(0, 4);
line.b.range(-5, 5);
const result = await fit(new FitProblem(line), { method: "lm" });`;

/** A cell with a type error: it runs, and its warning arrives in its output when the check is done. */
const WRONG = `const reading: number = "hot";\nconsole.log("ran", reading);`;

const lab = labSession({
  notebooks: { "typed.ipynb": notebook([{ source: FIT }, { source: "" }, { source: WRONG }]) },
  // The kernel of this build (dist/), found before any hpcfit kernelspec installed in .venv.
  prepare: () => ({ JUPYTER_PATH: join(installTempKernelspec(), "share", "jupyter") }),
  // Off by default in JupyterLab 4: the panel beside the completer with the active item's documentation.
  settings: { "@jupyterlab/completer-extension:manager": { showDocumentationPanel: true } },
  open: "typed.ipynb",
});

describe("typed completion in JupyterLab", () => {
  it("shows the kinds of a fit result's members in the completion popup", async () => {
    await runCommand(lab.page, "notebook:run-all-cells");
    // The fit cell has run when its prompt shows an execution count.
    const prompt = lab.page.locator(".jp-NotebookPanel .jp-Cell").nth(0).locator(".jp-InputPrompt");
    await expect.poll(() => prompt.textContent(), { timeout: 90_000 }).toMatch(/\[\d+\]/);
    await waitForKernelIdle(lab.page, 90_000);
    const editor = lab.page.locator(".jp-NotebookPanel .jp-Cell").nth(1).locator(".cm-content");
    await editor.click();
    await lab.page.keyboard.type("result.");
    const popup = lab.page.locator(".jp-Completer");
    const item = (name: string) => popup.locator(`li.jp-Completer-item[data-value="${name}"]`);
    const kind = (name: string) => item(name).locator(".jp-Completer-typeExtended");
    // The type service starts after the first cell and loads for a few seconds; until then the
    // kernel answers from runtime values, or later than JupyterLab waits (its providerTimeout),
    // and the popup shows no kinds from the types. Tab again until it does.
    const deadline = Date.now() + 90_000;
    let shown: string | null = null;
    while (shown !== "property" && Date.now() < deadline) {
      await lab.page.keyboard.press("Tab");
      shown = await kind("chisq")
        .textContent({ timeout: 3000 })
        .catch(() => null);
      if (shown !== "property") {
        // Escape closes an open completer; outside it, it would leave the editor.
        if (await popup.isVisible()) await lab.page.keyboard.press("Escape");
        await lab.page.waitForTimeout(1000);
        await editor.click();
        await lab.page.keyboard.press("End");
      }
    }
    await screenshot(lab.page, "typed-completion");
    // Runtime completion calls an own data field an "instance"; the types know it is a property.
    expect(shown).toBe("property");
    expect(await kind("converged").textContent()).toBe("property");
    // Narrowed to `chisq`, the active item's documentation is its declared type and TSDoc.
    await lab.page.keyboard.type("chis");
    const docs = popup.locator(".jp-Completer-docpanel");
    await expect.poll(() => docs.textContent(), { timeout: 30_000 }).toContain("chisq: number");
    await screenshot(lab.page, "typed-completion-docs");
  });

  it("shows a cell's type warning in its output, after the cell ran", async () => {
    const output = lab.page.locator(".jp-NotebookPanel .jp-Cell").nth(2).locator(".jp-OutputArea");
    await expect.poll(() => output.textContent(), { timeout: 60_000 }).toContain("Type warning (1):");
    const text = (await output.textContent()) ?? "";
    expect(text).toContain("ran hot");
    expect(text).toContain("Type 'string' is not assignable to type 'number'.");
  });
});
