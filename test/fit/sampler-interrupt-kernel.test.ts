// ■ on a cell running DREAM in the real kernel (driven by jupyter_client): the cell ends as
// interrupted, but the live line says "stopped", the draws so far are displayed, and the next
// cell reaches them through lastFit(), marked stopped: "interrupted".
import { afterAll, beforeAll, expect, test } from "vitest";
import { startKernel, type KernelClient } from "../support/kernel-client.js";

let kernel: KernelClient;

beforeAll(async () => {
  kernel = await startKernel();
});

afterAll(async () => {
  await kernel?.shutdown();
});

const text = (m: { content: Record<string, any> }): string => String(m.content.data?.["text/plain"] ?? "");

test("an interrupted DREAM keeps its draws and its live line says stopped", async () => {
  const setup = await kernel.execute(`
import { Curve, FitProblem, fit, lastFit } from "hpcfit";
const xs = Array.from({ length: 20 }, (_, i) => i / 4);
const ys = xs.map((v) => 1.5 - 0.7 * v + 0.05 * Math.sin(7 * v));
// About 4 ms per evaluation: the interrupt comes while the model runs (the kernel then stops the
// cell's code from outside), after a few generations, so the displayed result stays small.
const M = new Curve((x: number, a = 1, b = 0) => { const t = performance.now(); while (performance.now() - t < 0.2); return a + b * x; }, xs, ys, 0.1);
M.a.range(-10, 10);
M.b.range(-10, 10);
const problem = new FitProblem(M);
`);
  expect(setup.status, setup.error?.evalue).toBe("ok");
  for (const mode of ["signal", "message"] as const) {
    const id = await kernel.startExecute(
      `const r_${mode} = await fit(problem, { method: "dream", samples: 40000, burn: 2, seed: 1 });`,
      { stopOnError: false },
    );
    await new Promise((r) => setTimeout(r, 2500));
    await kernel.interrupt(mode);
    const r = await kernel.waitExecute(id, { timeout: 30 });
    expect(r.status).toBe("error");
    expect(r.error!.ename).toBe("KeyboardInterrupt");
    // The "stopped" line and the draws are published when the interrupt reaches the fit, which
    // may be just after the cell's idle: JupyterLab applies them by display id whenever they come.
    const late = (await kernel.iopub({ timeout: 1 })).filter((m) => m.parent_header?.msg_id === id);
    const outputs = [...r.outputs, ...late];
    const lines = outputs.filter((m) => m.header.msg_type === "update_display_data").map(text);
    expect(lines.some((l) => /running/.test(l))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(
      /^fit dream: stopped \(interrupted\): interrupted after \d+ generations; \d+ draws kept/,
    );
    const shown = outputs.filter((m) => m.header.msg_type === "display_data");
    expect(shown.some((m) => m.content.data["application/vnd.hpcfit.mcmc+json"] !== undefined)).toBe(true);
    const kept = await kernel.execute(
      "const k = lastFit()!; [k.stopped, k.samples.size > 0, k.samples.generations > 2, k.converged]",
    );
    expect(kept.status, kept.error?.evalue).toBe("ok");
    expect(kept.result?.["text/plain"]).toBe("[ 'interrupted', true, true, false ]");
    // The kernel goes on: the next fit runs to its end.
    const next = await kernel.execute(
      `const again = await fit(problem, { method: "dream", samples: 40, burn: 1, seed: 2 }); [again.stopped, lastFit() === again]`,
    );
    expect(next.result?.["text/plain"]).toBe("[ undefined, true ]");
  }
});
