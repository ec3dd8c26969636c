/**
 * Through the real kernel in JupyterLab: a fit of two models draws two panels whose x zoom is
 * linked, and a live display updated later (`update_display_data`) redraws the same plot in place
 * (the same DOM node, new data) instead of rebuilding it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCommand, screenshot } from "../support/browser.js";
import { labSession } from "../support/lab-session.js";
import { notebook } from "./notebook-fixtures.js";

const MODELS = `import { Curve, FitProblem, fit } from "hpcfit";
const x = [1, 2, 3, 4, 5, 6];
const A = new Curve((x: number, m = 1, b = 0) => m * x + b, x, [2.1, 4.0, 6.3, 8.03, 9.6, 11.9], [0.05, 0.05, 0.2, 0.05, 0.2, 0.2], {}, { name: "A" });
A.m.range(0, 4);
A.b.range(-5, 5);
const B = new Curve((x: number, k = 1, c = 0) => k * x * x + c, x, [1.1, 4.2, 9.1, 15.8, 25.3, 35.9], [0.2, 0.2, 0.2, 0.3, 0.3, 0.4], {}, { name: "B" });
B.k.range(0, 4);
B.c.range(-5, 5);
await fit(new FitProblem([A, B]), { method: "lm" })`;

// The first display fits the line with b fixed at 0; when the test creates the file "go", the
// same output is updated with the fit that frees b too.
const LIVE = `import { existsSync } from "node:fs";
const L = new Curve((x: number, m = 1, b = 0) => m * x + b, x, [2.1, 4.0, 6.3, 8.03, 9.6, 11.9], [0.05, 0.05, 0.2, 0.05, 0.2, 0.2], {}, { name: "live" });
L.m.range(0, 4);
const handle = display(await fit(new FitProblem(L), { method: "lm" }));
const waiting = setInterval(() => {
  if (!existsSync("go")) return;
  clearInterval(waiting);
  L.b.range(-5, 5);
  void fit(new FitProblem(L), { method: "lm" }).then((r) => handle.update(r));
}, 200);`;

const lab = labSession({ notebooks: { "live.ipynb": notebook([{ source: MODELS }, { source: LIVE }]) }, open: "live.ipynb" });

type PlotDiv = HTMLElement & { layout?: { xaxis?: { range?: number[] } }; data?: { y?: number[] }[] };

describe("linked panels and live updates", () => {
  it("runs the notebook", async () => {
    await runCommand(lab.page, "notebook:run-all-cells");
    await lab.page
      .locator(".jp-NotebookPanel .jp-Cell")
      .nth(1)
      .locator(".jp-hpcfit-fit .main-svg")
      .first()
      .waitFor({ timeout: 90_000 });
  });

  it("draws one panel per model and zooming one zooms the other", async () => {
    const panels = lab.page.locator(".jp-NotebookPanel .jp-Cell").nth(0).locator(".jp-hpcfit-fit .jp-hpcfit-plot");
    await expect.poll(() => panels.count(), { timeout: 60_000 }).toBe(2);
    await panels.nth(0).locator(".main-svg").first().waitFor();
    await panels.nth(0).scrollIntoViewIfNeeded();
    const ranges = (): Promise<(number[] | undefined)[]> =>
      panels.evaluateAll((divs) => divs.map((d) => (d as PlotDiv).layout?.xaxis?.range?.map((v) => Math.round(v * 1e6) / 1e6)));
    const zoomed = (r: (number[] | undefined)[]): boolean => r[0] !== undefined && r[0][1] - r[0][0] < 3;
    // A box zoom dragged across the first panel's plot area (again if the lab.page moved under it).
    for (let attempt = 0; attempt < 3 && !zoomed(await ranges()); attempt++) {
      await lab.page.mouse.move(0, 0);
      const box = await panels.nth(0).locator(".nsewdrag").first().boundingBox();
      if (box === null) throw new Error("the first panel has no drag area");
      await lab.page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
      await lab.page.mouse.down();
      await lab.page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.5, { steps: 5 });
      await lab.page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 5 });
      await lab.page.mouse.up();
      await lab.page.waitForTimeout(500);
    }
    await expect
      .poll(ranges, { timeout: 15_000 })
      .toSatisfy((r: (number[] | undefined)[]) => zoomed(r) && JSON.stringify(r[0]) === JSON.stringify(r[1]));
    await screenshot(lab.page, "40-linked-panels");
  });

  it("redraws a live display in place when it is updated", async () => {
    const output = lab.page.locator(".jp-NotebookPanel .jp-Cell").nth(1).locator(".jp-OutputArea-output.jp-hpcfit-fit");
    const plot = output.locator(".jp-hpcfit-plot").first();
    const value = output.locator("tr[data-parameter='m'] .jp-hpcfit-value");
    const rough = await value.textContent();
    await plot.evaluate((div) => {
      div.dataset.marker = "first-draw";
    });
    writeFileSync(join(lab.dir, "go"), "");
    // The new fit arrives as update_display_data: the table changes ...
    await expect.poll(() => value.textContent(), { timeout: 30_000 }).not.toBe(rough);
    expect(await value.textContent()).toBe("1.970 ± 0.021");
    // ... in the same plot node: redrawn in place (Plotly.react), not rebuilt.
    expect(await plot.getAttribute("data-marker")).toBe("first-draw");
    expect(await output.locator(".jp-hpcfit-plot").count()).toBe(1);
    await screenshot(lab.page, "41-live-update");
  });
});
