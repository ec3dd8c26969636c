// A spread fit's rounds split into the last worker's own time (the model, its threads' waking
// and gathering), what the messages took on their way, and the sampler's work between rounds:
// a worker says in each result how long the slice took it. Lower bounds only (a sleep never
// ends early); the machine's speed sets the rest.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import type { Problem } from "hpcfit";
import type { BandSource } from "../../fit/model-bands.js";
import { bandGrids, bandWidth } from "../../fit/model-bands.js";
import { ZmqEvaluator } from "../../fit/node/zmq-evaluator.js";
import { compiledEntry } from "../../util/paths.js";

/** Milliseconds each evaluation sleeps (at its first data point), using no CPU. */
const SLEEP_MS = 20;
const MODEL = [
  `import { Curve, FitProblem } from "hpcfit";`,
  `const nap = new Int32Array(new SharedArrayBuffer(4));`,
  `const xs = [0, 1, 2, 3];`,
  `const M = new Curve((x: number, a = 1, b = 0) => { if (x === 0) Atomics.wait(nap, 0, 0, ${SLEEP_MS}); return a * x + b; }, xs, xs.map((x) => 2 * x + 1), 0.2);`,
  `M.a.range(-10, 10);`,
  `M.b.range(-10, 10);`,
  `export const problem = new FitProblem(M);`,
  "",
].join("\n");

const dir = mkdtempSync(join(tmpdir(), "hpcfit-round-times-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

test("rounds split into the last worker's time, the transport and the sampler's time between them; a band is not counted", async () => {
  const modelFile = join(dir, "model.ts");
  writeFileSync(modelFile, MODEL);
  const { problem } = (await import(modelFile)) as { problem: Problem & BandSource };
  const ev = await ZmqEvaluator.bind({ labels: problem.labels(), bind: "tcp://127.0.0.1:0" });
  try {
    const worker = spawn(
      process.execPath,
      [compiledEntry("cli/main.js"), "fit-worker", "--endpoint", ev.endpoint, "--model", modelFile, "--threads", "2"],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    children.push(worker);
    await ev.waitForWorkers(2);
    expect(ev.roundTimes()).toBeUndefined();
    // Four points over two threads: each thread evaluates two, one after the other.
    const count = 4;
    const x = Float64Array.from({ length: 2 * count }, (_, i) => (i % 2 === 0 ? 2 : 1) + i / 100);
    const pauseMs = 30;
    for (let round = 0; round < 5; round++) {
      if (round > 0) await new Promise((r) => setTimeout(r, pauseMs));
      await ev.evaluatePopulation(x, count, new Float64Array(count));
    }
    const grids = bandGrids(problem);
    await ev.evaluateCurves(x, count, bandWidth(grids), new Float64Array(count * bandWidth(grids)));
    const times = ev.roundTimes()!;
    expect(times.rounds).toBe(5);
    expect(times.workerMs).toBeGreaterThanOrEqual(2 * SLEEP_MS);
    expect(times.workerMs).toBeLessThanOrEqual(times.roundMs);
    expect(times.transportMs).toBeCloseTo(times.roundMs - times.workerMs, 9);
    expect(times.transportMs).toBeGreaterThan(0);
    // setTimeout may fire up to a millisecond early by performance.now's clock.
    expect(times.betweenMs).toBeGreaterThanOrEqual(pauseMs - 1);
  } finally {
    await ev.close();
  }
});
