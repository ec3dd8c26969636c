// A fit job's default for the optimizers is parallel: "auto": a model that costs a millisecond or
// more per evaluation gets worker threads (lm's Jacobians here), a cheap one is fitted in the
// driver's own thread; either way the result is the serial fit's, bit for bit.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { fit, type Problem } from "hpcfit";
import { useBackend } from "../../jobs/api.js";
import { asFitJob, freshDirs, runFit } from "./support.js";

let work = "";

/**
 * A line model whose evaluations busy-wait `spinMs`, and that notes in `log` every process and
 * thread that evaluated it, once per thread.
 */
function recordingModel(spinMs: number, log: string): string {
  return [
    `import { appendFileSync } from "node:fs";`,
    `import { threadId } from "node:worker_threads";`,
    `import { Curve, FitProblem } from "hpcfit";`,
    `const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];`,
    `const ys = xs.map((x, i) => 2 * x + 1 + 0.2 * Math.sin(5 * i));`,
    `let noted = false;`,
    `const note = (): void => { if (!noted) { noted = true; appendFileSync(${JSON.stringify(log)}, process.pid + " " + threadId + "\\n"); } };`,
    `const spin = (ms: number): void => { const end = performance.now() + ms; while (performance.now() < end); };`,
    `const M = new Curve((x: number, a = 1, b = 0) => { if (x === 0) { note(); spin(${spinMs}); } return a * x + b; }, xs, ys, 0.2);`,
    `M.a.range(-10, 10);`,
    `M.b.range(-10, 10);`,
    `export const problem = new FitProblem(M);`,
    "",
  ].join("\n");
}

/** The threads that evaluated the model in the job, not in this process (0 is the driver's own). */
function threadsOf(log: string): number[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((line) => line.split(" ").map(Number))
    .filter(([pid]) => pid !== process.pid)
    .map(([, thread]) => thread);
}

describe("%%fit's default parallel: auto for the optimizers", () => {
  beforeAll(() => {
    ({ work } = freshDirs());
    useBackend("local");
  });

  for (const [spinMs, costly] of [
    [3, true],
    [0, false],
  ] as const) {
    test(`a model of ${spinMs} ms per evaluation is fitted ${costly ? "with" : "without"} worker threads, as the serial fit`, async () => {
      const log = join(work, `threads-${spinMs}.log`);
      const { value } = await runFit(`--fit=lm --time=5 --job-name=auto${spinMs}`, recordingModel(spinMs, log));
      const job = asFitJob(value);
      const result = await job.wait({ pollMs: 200 });
      const threads = threadsOf(log);
      expect(threads).toContain(0);
      expect(threads.some((t) => t > 0)).toBe(costly);

      const module = (await import(join(job.dir, "model.ts"))) as { problem: Problem };
      const serial = await fit(module.problem, { method: "lm" });
      expect(Array.from(result.x)).toEqual(Array.from(serial.x));
      expect(Array.from(result.cov)).toEqual(Array.from(serial.cov));
      expect(result.evaluations).toBe(serial.evaluations);
    });
  }
});
