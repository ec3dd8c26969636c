// The progress file's chisq of a spread fit is evaluated on a thread of its own: the driver's
// thread goes on (its timers fire) while a slow model evaluates there, the value is the one the
// driver would have computed itself, only the newest of the points asked for meanwhile is
// evaluated, and an unchanged point is not evaluated again. In place (no model file), the value is
// there as soon as it is asked for.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { Problem } from "hpcfit";
import { BestChisq } from "../../fit-jobs/best-chisq.js";
import { reducedChisq } from "../../fit/result.js";

/** A line whose evaluations in a worker thread take `SLOW_MS` and are counted in `calls.txt`. */
const SLOW_MS = 400;
function slowModel(callsFile: string): string {
  return [
    `import { appendFileSync } from "node:fs";`,
    `import { isMainThread } from "node:worker_threads";`,
    `import { Curve, FitProblem } from "hpcfit";`,
    `const nap = new Int32Array(new SharedArrayBuffer(4));`,
    `const xs = [0, 1, 2, 3, 4, 5];`,
    `const line = (x: number, a = 1, b = 0) => {`,
    `  if (x === 0 && !isMainThread) { appendFileSync(${JSON.stringify(callsFile)}, a + "\\n"); Atomics.wait(nap, 0, 0, ${SLOW_MS}); }`,
    `  return a * x + b;`,
    `};`,
    `const M = new Curve(line, xs, xs.map((x) => 2 * x + 1 + 0.1 * Math.sin(3 * x)), 0.2);`,
    `M.a.range(-10, 10);`,
    `M.b.range(-10, 10);`,
    `export const problem = new FitProblem(M);`,
    "",
  ].join("\n");
}

describe("the progress file's chisq", () => {
  const dir = mkdtempSync(join(tmpdir(), "hpcfit-best-chisq-"));
  const calls = join(dir, "calls.txt");
  const modelFile = join(dir, "model.ts");
  writeFileSync(modelFile, slowModel(calls));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const evaluatedAt = (): number[] => (existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n").map(Number) : []);

  test(
    "on its own thread: the driver's thread goes on, the newest point only, each point once",
    { timeout: 60_000 },
    async () => {
      const { problem } = (await import(modelFile)) as { problem: Problem };
      const logged: string[] = [];
      const best = await BestChisq.start(problem, modelFile, (l) => logged.push(l));
      try {
        const first = Float64Array.of(1.5, 0.5);
        let ticks = 0;
        const ticker = setInterval(() => ticks++, 20);
        best.update(first);
        expect(best.value).toBeNull();
        // Asked for while the first evaluates: only the last of these is evaluated next.
        best.update(Float64Array.of(1.8, 0.7));
        const last = Float64Array.of(2, 1);
        best.update(last);
        await new Promise((r) => setTimeout(r, SLOW_MS / 2));
        expect(ticks).toBeGreaterThan(3);
        while (best.value === null) await new Promise((r) => setTimeout(r, 20));
        expect(best.value).toBe(reducedChisq(problem, first).chisq);
        const expected = reducedChisq(problem, last).chisq;
        while (best.value !== expected) await new Promise((r) => setTimeout(r, 20));
        clearInterval(ticker);
        best.update(Float64Array.of(2, 1));
        await new Promise((r) => setTimeout(r, SLOW_MS));
        expect(evaluatedAt()).toEqual([1.5, 2]);
        expect(best.value).toBe(expected);
        expect(logged).toEqual([]);
      } finally {
        await best.close();
      }
    },
  );

  test("in place: the value at once", async () => {
    const { problem } = (await import(modelFile)) as { problem: Problem };
    const best = await BestChisq.start(problem, undefined, () => undefined);
    const x = Float64Array.of(2.1, 0.9);
    best.update(x);
    expect(best.value).toBe(reducedChisq(problem, x).chisq);
    await best.close();
  });
});
