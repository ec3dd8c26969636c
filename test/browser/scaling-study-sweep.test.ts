/**
 * The scaling study of `examples/` done from JupyterLab with the mouse only, on the 4-node Slurm
 * test cluster: "Run as Job…" from the file browser's menu on `scaling-study.ipynb` sweeps its
 * `workers` parameter over three counts as one job array (a cheap fit chosen in the form), the
 * Jobs panel shows the array's runs progressing cell by cell until all complete, the sweep's
 * summary opens as a table with one timed row per worker count (and the node that ran it) and
 * plots the time, the speedup and the efficiency against the worker count; the study notebook's
 * last cell, run with the toolbar, draws the same from that summary.
 */
import { join } from "node:path";
import type { Locator } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { ROOT, screenshot, waitForKernelIdle } from "../support/browser.js";
import { labSession } from "../support/lab-session.js";
import { activate, currentLabel, openFormFromFileBrowser, submitted } from "./notebook-jobs-support.js";

const lab = labSession({ copyOf: join(ROOT, "examples"), slurm: true, dataDir: true });

/** The worker counts of the sweep, as typed into the form. */
const WORKERS = [1, 2, 3];

/** The lines plotly drew in the summary viewer's plot. */
function plotted(viewer: Locator): Promise<{ name: string; x: number[]; y: number[] }[]> {
  return viewer.locator(".jp-hpcfit-summary-plot").evaluate((div) =>
    (div as unknown as { data?: { name: string; x: number[]; y: number[] }[] }).data === undefined
      ? []
      : (div as unknown as { data: { name: string; x: number[]; y: number[] }[] }).data.map((t) => ({
          name: t.name,
          x: [...t.x],
          y: [...t.y],
        })),
  );
}

describe("the scaling study from the Lab UI on the Slurm test cluster", () => {
  it("sweeps scaling-study.ipynb over worker counts as a job array, follows its runs, and plots speedup and efficiency", async () => {
    const form = await openFormFromFileBrowser(lab.page, "scaling-study.ipynb", "workers");
    expect(
      await form.locator("tr[data-parameter]").evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.parameter)),
    ).toEqual(["workers", "samples", "burn", "steps"]);
    expect(await form.locator("select[name='backend']").inputValue()).toBe("slurm");
    // The cluster's one partition holds its 4 nodes: the array's tasks may run on any of them.
    await form.locator("select[name='resources.partition']").selectOption("debug");
    await form.locator("input[name='resources.time']").fill("0:10:00");
    // A short fit of a cheap model: the study's shape, not its cost.
    await form.locator("input[name='parameters.samples']").fill("2000");
    await form.locator("input[name='parameters.burn']").fill("100");
    await form.locator("input[name='parameters.steps']").fill("50");
    await form.locator("input[name='parameters.workers']").fill("");
    await form.locator("input[name='sweep.workers']").fill(WORKERS.join(", "));
    await form.locator("input[name='name']").fill("scaling");
    await expect
      .poll(() => form.locator(".jp-hpcfit-run-count").getAttribute("data-runs"), { timeout: 30_000 })
      .toBe(String(WORKERS.length));
    await expect
      .poll(() => form.locator(".jp-hpcfit-script-preview").textContent(), { timeout: 30_000 })
      .toMatch(new RegExp(`#SBATCH --partition=debug\\n[\\s\\S]*#SBATCH --array=0-${WORKERS.length - 1}\\n`));
    await screenshot(lab.page, "50-scaling-sweep-form");
    const arrayId = await submitted(form);

    // The file browser holds the left sidebar, so one click on the Jobs tab shows the panel.
    await lab.page.click("[data-id='hpcfit-jobs-panel']");
    const group = lab.page.locator(`.jp-hpcfit-array[data-array-job-id='${arrayId}']`);
    await group.locator("summary").click({ timeout: 60_000 });
    const tasks = group.locator(".jp-hpcfit-job");
    await expect.poll(() => tasks.count(), { timeout: 120_000 }).toBe(WORKERS.length);
    // Each run's cells done, as the panel showed them while the array ran.
    const seen = new Map<string, { done: Set<number>; total: number }>();
    await expect
      .poll(
        async () => {
          for (const task of await tasks.all()) {
            const id = (await task.getAttribute("data-job-id")) ?? "";
            const progress = task.locator(".jp-hpcfit-run-progress");
            if ((await progress.count()) === 0) continue;
            const done = Number(await progress.getAttribute("data-done"));
            const total = Number(await progress.getAttribute("data-total"));
            const run = seen.get(id) ?? { done: new Set<number>(), total };
            run.done.add(done);
            run.total = total;
            seen.set(id, run);
          }
          return (await group.locator("summary").textContent()) ?? "";
        },
        { timeout: 300_000, interval: 250 },
      )
      .toMatch(new RegExp(`sweep scaling of scaling-study\\.ipynb — ${WORKERS.length} COMPLETED Summary$`));
    await screenshot(lab.page, "51-scaling-sweep-panel");
    expect(await tasks.evaluateAll((ts) => ts.map((t) => (t as HTMLElement).dataset.state))).toEqual(
      WORKERS.map(() => "COMPLETED"),
    );
    // Every run was seen in the panel, and some run part-way through its cells.
    expect(seen.size).toBe(WORKERS.length);
    const partWay = [...seen.values()].some((run) => [...run.done].some((d) => d > 0 && d < run.total));
    expect(partWay, JSON.stringify([...seen].map(([id, run]) => [id, [...run.done], run.total]))).toBe(true);
    for (const task of await tasks.all()) {
      const progress = task.locator(".jp-hpcfit-run-progress");
      expect(await progress.getAttribute("data-run-state")).toBe("completed");
      // The parameters cell, the cell of the injected values, the timed fit, the comparison.
      expect(await progress.textContent()).toBe("4/4");
    }

    await group.locator("[data-action='summary']").click();
    const viewer = lab.page.locator(".jp-hpcfit-summary-viewer").last();
    await expect.poll(() => viewer.locator("tr").count(), { timeout: 30_000 }).toBe(WORKERS.length + 1);
    const header = await viewer.locator("th").evaluateAll((ths) => ths.map((th) => th.firstChild?.textContent ?? ""));
    const rows = await viewer
      .locator("tr")
      .evaluateAll((trs) => trs.slice(1).map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? "")));
    const column = (name: string): string[] => {
      const i = header.indexOf(name);
      expect(i, `column ${name} in ${header.join(", ")}`).toBeGreaterThanOrEqual(0);
      return rows.map((r) => r[i]);
    };
    expect(column("workers").map(Number).sort()).toEqual(WORKERS);
    expect(column("status")).toEqual(WORKERS.map(() => "ok"));
    for (const node of column("node")) expect(inject("slurmNodes")).toContain(node);
    const seconds = new Map(column("workers").map((w, i) => [Number(w), Number(column("seconds")[i])]));
    for (const s of seconds.values()) expect(s).toBeGreaterThan(0);

    // The time against the worker count, then the same as speedup and as efficiency.
    await viewer.locator("select[name='x']").selectOption("workers");
    await viewer.locator("button[data-column='seconds']").click();
    // One line: the other parameters (samples, burn, steps) were the same in every run.
    await expect
      .poll(() => plotted(viewer), { timeout: 30_000 })
      .toEqual([{ name: "samples=2000, burn=100, steps=50", x: WORKERS, y: WORKERS.map((w) => seconds.get(w)) }]);
    expect(await viewer.locator(".jp-hpcfit-summary-plot .scatterlayer .trace .points path").count()).toBe(WORKERS.length);
    const t1 = seconds.get(1)!;
    await viewer.locator("select[name='scale']").selectOption("speedup");
    await viewer.locator("button[data-column='seconds']").click();
    await expect
      .poll(() => plotted(viewer), { timeout: 30_000 })
      .toEqual([
        { name: "samples=2000, burn=100, steps=50", x: WORKERS, y: WORKERS.map((w) => t1 / seconds.get(w)!) },
        { name: "ideal", x: WORKERS, y: WORKERS },
      ]);
    await viewer.locator("select[name='scale']").selectOption("efficiency");
    await viewer.locator("button[data-column='seconds']").click();
    await expect
      .poll(() => plotted(viewer), { timeout: 30_000 })
      .toEqual([
        { name: "samples=2000, burn=100, steps=50", x: WORKERS, y: WORKERS.map((w) => t1 / seconds.get(w)! / w) },
        { name: "ideal", x: WORKERS, y: WORKERS.map(() => 1) },
      ]);
    expect(await viewer.locator(".jp-hpcfit-summary-plot .gtitle").textContent()).toBe("efficiency of seconds against workers");
    await screenshot(lab.page, "52-scaling-sweep-summary");

    // The study's last cell, run from the notebook's toolbar, reads the same summary and draws it.
    await activate(lab.page, "filebrowser");
    await lab.page.locator(".jp-DirListing-item", { hasText: "scaling-study.ipynb" }).first().dblclick();
    await expect.poll(() => currentLabel(lab.page), { timeout: 60_000 }).toBe("scaling-study.ipynb");
    await waitForKernelIdle(lab.page);
    const notebook = lab.page.locator(".jp-NotebookPanel:visible");
    // By its place: running it with the toolbar's ▶ adds an empty cell after it, the new last one.
    const last = notebook.locator(".jp-Cell").nth((await notebook.locator(".jp-Cell").count()) - 1);
    try {
      await last.locator(".jp-InputArea-editor").click();
      await expect.poll(() => last.getAttribute("class"), { timeout: 30_000 }).toContain("jp-mod-active");
      await notebook.locator(".jp-Toolbar-item[data-jp-item-name='run']").click();
      await expect.poll(() => last.locator(".jp-InputPrompt").textContent(), { timeout: 120_000 }).toMatch(/^\[\d+\]:$/);
      await expect
        .poll(() => last.locator(".jp-OutputArea-output").allTextContents(), { timeout: 30_000 })
        .toContainEqual(expect.stringContaining(`scaling/scaling-study-summary.csv: ${WORKERS.length} timed runs`));
      // Speedup and efficiency, each measured and ideal.
      await expect.poll(() => last.locator(".jp-RenderedSVG").count(), { timeout: 30_000 }).toBe(2);
    } catch (error) {
      await screenshot(lab.page, "53-scaling-study-notebook-failed");
      throw error;
    }
    await screenshot(lab.page, "53-scaling-study-notebook");
  }, 600_000);
});
