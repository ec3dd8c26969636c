// A spread fit's driver whose thread is held longer than the workers' silence limit (a model call
// of its own, a long synchronous step) takes none of its workers for lost: their heartbeats of
// that time wait unread in its socket, so the time it was held is not their silence. Real
// `hpcfit fit-worker` processes; the held thread is this test's own, busy for 2.5 silence limits.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { Problem } from "hpcfit";
import { ZmqEvaluator } from "../../fit/node/zmq-evaluator.js";
import { compiledEntry } from "../../util/paths.js";

const WORKERS = 3;
const DEAD_AFTER_MS = 1000;

const MODEL = [
  `import { Curve, FitProblem } from "hpcfit";`,
  `const xs = [0, 1, 2, 3, 4];`,
  `const M = new Curve((x: number, a = 1, b = 0) => a * x + b, xs, xs.map((x) => 2 * x + 1), 0.2);`,
  `M.a.range(-10, 10);`,
  `M.b.range(-10, 10);`,
  `export const problem = new FitProblem(M);`,
  "",
].join("\n");

describe("a spread fit's driver held longer than the silence limit", () => {
  const dir = mkdtempSync(join(tmpdir(), "hpcfit-held-driver-"));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  test("loses no worker and evaluates the next population on all of them", { timeout: 120_000 }, async () => {
    const modelFile = join(dir, "model.ts");
    writeFileSync(modelFile, MODEL);
    const { problem } = (await import(modelFile)) as { problem: Problem };
    const lines: string[] = [];
    const ev = await ZmqEvaluator.bind({
      labels: problem.labels(),
      bind: "tcp://127.0.0.1:0",
      deadAfterMs: DEAD_AFTER_MS,
      log: (l) => lines.push(l),
    });
    try {
      for (let k = 0; k < WORKERS; k++) {
        const child = spawn(
          process.execPath,
          [compiledEntry("cli/main.js"), "fit-worker", "--endpoint", ev.endpoint, "--model", modelFile],
          {
            stdio: ["ignore", "ignore", "ignore"],
          },
        );
        children.push(child);
      }
      await ev.waitForWorkers(WORKERS);
      // Heartbeats flow before the hold: the watchdog has run at least once with every worker seen.
      await new Promise((r) => setTimeout(r, 3 * DEAD_AFTER_MS));
      expect(ev.aliveCount()).toBe(WORKERS);

      const end = performance.now() + 2.5 * DEAD_AFTER_MS;
      while (performance.now() < end);
      // The watchdog's first check after the hold comes before the socket is read again.
      await new Promise((r) => setTimeout(r, 2 * DEAD_AFTER_MS));

      const count = 4 * WORKERS;
      const points = Float64Array.from({ length: 2 * count }, (_, i) => Math.cos(0.3 * i));
      const out = new Float64Array(count);
      await ev.evaluatePopulation(points, count, out);
      expect(Array.from(out)).toEqual(Array.from({ length: count }, (_, k) => problem.nllf(points.subarray(2 * k, 2 * k + 2))));
      expect(ev.aliveCount()).toBe(WORKERS);
      expect(lines.filter((l) => / lost /.test(l))).toEqual([]);
    } finally {
      await ev.close();
    }
  });
});
