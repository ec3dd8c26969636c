import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startKernel, type KernelClient } from "../support/kernel-client.js";

/** Evaluations so far of the model defined in the first cell. */
async function evaluations(k: KernelClient): Promise<number> {
  return Number((await k.execute("evaluations")).result?.["text/plain"]);
}

describe("interrupting a cell that runs a fit", () => {
  let k: KernelClient;
  beforeAll(async () => {
    k = await startKernel({ cwd: ROOT });
    const setup = await k.execute(
      [
        'import { Curve, FitProblem, fit } from "hpcfit";',
        "let evaluations = 0;",
        "const xs = Array.from({ length: 50 }, (_, i) => i / 5);",
        "const M = new Curve((x: number, a = 1, b = 0.5) => { evaluations++; return a * Math.exp(-b * x); }, xs, xs.map((x) => 3 * Math.exp(-0.2 * x) + 0.01 * Math.sin(7 * x)), xs.map(() => 0.1));",
        "M.a.range(0, 10);",
        "M.b.range(0, 2);",
        "const P = new FitProblem(M);",
      ].join("\n"),
      { timeout: 60 },
    );
    expect(setup.status).toBe("ok");
  }, 90_000);
  afterAll(async () => {
    await k?.shutdown().catch(() => k.kill());
  });

  for (const mode of ["message", "signal"] as const) {
    it(`stops a fit, puts the parameters back at their start, and leaves nothing running (${mode})`, async () => {
      // Tolerances of zero and a huge step budget: the fit runs until it is stopped.
      const id = await k.startExecute('await fit(P, { method: "de", steps: 1e9, ftol: 0, xtol: 0 });', { stopOnError: false });
      await new Promise((r) => setTimeout(r, 1000));
      await k.interrupt(mode);
      const r = await k.waitExecute(id, { timeout: 30 });
      expect(r.status, JSON.stringify(r.content).slice(0, 300)).toBe("error");
      expect(r.error?.ename).toBe("KeyboardInterrupt");
      // The fit stopped with its cell: the parameters are back at the start and no evaluation
      // happens any more while the kernel runs other cells and timers.
      expect((await k.execute("[M.a.value, M.b.value]")).result?.["text/plain"]).toBe("[ 1, 0.5 ]");
      const before = await evaluations(k);
      expect((await k.execute("await new Promise((r) => setTimeout(r, 300)); 'waited'")).status).toBe("ok");
      expect(await evaluations(k)).toBe(before);
    }, 120_000);
  }
});
