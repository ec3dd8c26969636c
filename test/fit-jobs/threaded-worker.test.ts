// An evaluation worker with threads (`hpcfit fit-worker --threads K`, one per node of a spread
// fit): it tells the sampler its K threads in its hello, gets a slice sized by them next to a
// worker without threads, answers nllf, residual and band-curve requests with the model's own
// numbers and a model's error as such a worker does, and a thread that dies ends the worker with
// a clear error, so the sampler takes it for lost and the others finish the population. Its
// threads take a slice's points as they free up, so a slow point holds up one thread only.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { Problem } from "hpcfit";
import { bandGrids, bandWidth, curvesAt, type BandSource } from "../../fit/model-bands.js";
import { ZmqEvaluator } from "../../fit/node/zmq-evaluator.js";
import { compiledEntry } from "../../util/paths.js";

/**
 * A line model that throws for a > 9, and for a < -9 ends the thread it runs in when that is a
 * worker thread (`process.exit` in a worker thread ends that thread alone).
 */
const MODEL = [
  `import { isMainThread } from "node:worker_threads";`,
  `import { Curve, FitProblem } from "hpcfit";`,
  `const xs = [0, 1, 2, 3, 4];`,
  `const line = (x: number, a = 1, b = 0) => {`,
  `  if (a > 9) throw new Error("a is too large for this model");`,
  `  if (a < -9 && !isMainThread) process.exit(7);`,
  `  return a * x + b;`,
  `};`,
  `const M = new Curve(line, xs, xs.map((x) => 2 * x + 1), 0.2);`,
  `M.a.range(-10, 10);`,
  `M.b.range(-10, 10);`,
  `export const problem = new FitProblem(M);`,
  "",
].join("\n");

/**
 * A line model through two points whose evaluation in a worker thread takes a second at a = 0 and
 * logs which thread evaluated which a (in tenths) to the file named by HPCFIT_TEST_POINT_LOG;
 * below a = -5 it throws, naming a.
 */
const LOGGING_MODEL = [
  `import { appendFileSync } from "node:fs";`,
  `import { isMainThread, threadId } from "node:worker_threads";`,
  `import { Curve, FitProblem } from "hpcfit";`,
  `const nap = new Int32Array(new SharedArrayBuffer(4));`,
  `const line = (x: number, a = 1, b = 0) => {`,
  "  if (a < -5) throw new Error(`no line at a = ${a}`);",
  `  if (x === 0 && !isMainThread) {`,
  `    if (a === 0) Atomics.wait(nap, 0, 0, 1000);`,
  "    appendFileSync(process.env.HPCFIT_TEST_POINT_LOG!, `${threadId} ${Math.round(10 * a)}\\n`);",
  `  }`,
  `  return a * x + b;`,
  `};`,
  `const M = new Curve(line, [0, 1], [1, 3], 0.2);`,
  `M.a.range(-10, 10);`,
  `M.b.range(-10, 10);`,
  `export const problem = new FitProblem(M);`,
  "",
].join("\n");

describe("an evaluation worker with threads", () => {
  const dir = mkdtempSync(join(tmpdir(), "hpcfit-threaded-worker-"));
  const modelFile = join(dir, "model.ts");
  writeFileSync(modelFile, MODEL);
  const loggingModelFile = join(dir, "logging-model.ts");
  writeFileSync(loggingModelFile, LOGGING_MODEL);
  const pointLog = join(dir, "points.log");
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  const start = (
    endpoint: string,
    threads: number,
    model = modelFile,
  ): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } => {
    const child = spawn(
      process.execPath,
      [compiledEntry("cli/main.js"), "fit-worker", "--endpoint", endpoint, "--model", model, "--threads", String(threads)],
      { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, HPCFIT_TEST_POINT_LOG: pointLog } },
    );
    children.push(child);
    let text = "";
    child.stderr.on("data", (d: Buffer) => (text += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { child, stderr: () => text, exit };
  };
  const points = (count: number, shift: number): Float64Array =>
    Float64Array.from({ length: 2 * count }, (_, i) => (i % 2 === 0 ? 2 + Math.sin(shift + i) : Math.cos(shift + i)));

  test("says its threads in its hello, gets their share, and answers nllf, residuals, curves and errors", async () => {
    const { problem } = (await import(modelFile)) as { problem: Problem & BandSource };
    const lines: string[] = [];
    const ev = await ZmqEvaluator.bind({ labels: problem.labels(), bind: "tcp://127.0.0.1:0", log: (l) => lines.push(l) });
    try {
      const threaded = start(ev.endpoint, 3);
      start(ev.endpoint, 1);
      await ev.waitForWorkers(4);
      expect(ev.concurrency).toBe(4);
      const byThreads = (k: number) => ev.workers().find((w) => w.threads === k)!;
      expect(byThreads(3).pid).toBe(threaded.child.pid);
      expect(lines.join("\n")).toMatch(new RegExp(`worker \\S+:${threaded.child.pid} connected with 3 threads`));

      // 12 points over 4 threads: 9 to the worker of three threads, 3 to the other.
      const count = 12;
      const x = points(count, 0);
      const nllf = new Float64Array(count);
      await ev.evaluatePopulation(x, count, nllf);
      expect(Array.from(nllf)).toEqual(Array.from({ length: count }, (_, k) => problem.nllf(x.subarray(2 * k, 2 * k + 2))));
      expect(byThreads(3).evaluated).toBe(9);
      expect(byThreads(1).evaluated).toBe(3);

      // A point the model throws at, in the threaded worker's slice (points 0-8 or 3-11,
      // by the order the workers connected in): the sampler hears the model's message.
      const bad = points(count, 1);
      bad[2 * 4] = 9.5;
      await expect(ev.evaluatePopulation(bad, count, new Float64Array(count))).rejects.toThrow(
        new RegExp(`evaluation worker \\S+:${threaded.child.pid}: a is too large for this model`),
      );
      const m = problem.residualCount();
      const residuals = new Float64Array(count * m);
      await ev.evaluateResiduals(x, count, residuals);
      const expected = new Float64Array(count * m);
      for (let k = 0; k < count; k++) problem.residuals(x.subarray(2 * k, 2 * k + 2), expected.subarray(k * m, (k + 1) * m));
      expect(Array.from(residuals)).toEqual(Array.from(expected));

      const grids = bandGrids(problem);
      const width = bandWidth(grids);
      const curves = new Float64Array(count * width);
      await ev.evaluateCurves(x, count, width, curves);
      const expectedCurves = new Float64Array(count * width);
      for (let k = 0; k < count; k++)
        curvesAt(problem, grids, x.subarray(2 * k, 2 * k + 2), expectedCurves.subarray(k * width, (k + 1) * width));
      expect(Array.from(curves)).toEqual(Array.from(expectedCurves));
      await expect(ev.evaluateCurves(x, count, width + 1, new Float64Array(count * (width + 1)))).rejects.toThrow(
        `the model file's curves have ${width} values per draw, expected ${width + 1}`,
      );
      // Both workers answered that request with an error; the one heard second speaks of a failed
      // population, not of the next one, which gets the model's numbers.
      const again = new Float64Array(count);
      await ev.evaluatePopulation(x, count, again);
      expect(Array.from(again)).toEqual(Array.from(nllf));
    } finally {
      await ev.close();
    }
  });

  test("a thread that dies ends its worker with an error; the sampler loses it and the others finish", async () => {
    const { problem } = (await import(modelFile)) as { problem: Problem };
    const lines: string[] = [];
    const ev = await ZmqEvaluator.bind({
      labels: problem.labels(),
      bind: "tcp://127.0.0.1:0",
      // Only the closed connection may tell the sampler of the loss.
      deadAfterMs: 24 * 3600_000,
      log: (l) => lines.push(l),
    });
    try {
      const threaded = start(ev.endpoint, 2);
      start(ev.endpoint, 1);
      await ev.waitForWorkers(3);
      const count = 9;
      const x = points(count, 2);
      // Point 4 is the worker of two threads' (it has points 0-5 or 3-8, by the order the workers
      // connected in): its thread ends there.
      x[2 * 4] = -9.5;
      const out = new Float64Array(count);
      await ev.evaluatePopulation(x, count, out);
      expect(Array.from(out)).toEqual(Array.from({ length: count }, (_, k) => problem.nllf(x.subarray(2 * k, 2 * k + 2))));
      expect(await threaded.exit).toBe(1);
      expect(threaded.stderr()).toMatch(/hpcfit fit-worker: evaluation thread [12] of 2 exited \(code 7\)/);
      expect(lines.join("\n")).toMatch(
        new RegExp(
          `worker \\S+:${threaded.child.pid} lost \\(its connection closed\\); re-sending its \\d+ points to the others`,
        ),
      );
      expect(
        ev
          .workers()
          .filter((w) => w.alive)
          .map((w) => w.threads),
      ).toEqual([1]);
    } finally {
      await ev.close();
    }
  });
  test("its threads take a slice's points as they free up: a slow point holds up one thread, not a share of the slice", async () => {
    const { problem } = (await import(loggingModelFile)) as { problem: Problem };
    writeFileSync(pointLog, "");
    const ev = await ZmqEvaluator.bind({ labels: problem.labels(), bind: "tcp://127.0.0.1:0", log: () => undefined });
    try {
      start(ev.endpoint, 2, loggingModelFile);
      await ev.waitForWorkers(1);
      // a = 0, 0.1, ..., 0.7: the first point takes a second, the others next to nothing.
      const count = 8;
      const x = Float64Array.from({ length: 2 * count }, (_, i) => (i % 2 === 0 ? i / 20 : 0));
      const out = new Float64Array(count);
      await ev.evaluatePopulation(x, count, out);
      expect(Array.from(out)).toEqual(Array.from({ length: count }, (_, k) => problem.nllf(x.subarray(2 * k, 2 * k + 2))));
      const byPoint = new Map<number, string>();
      for (const line of readFileSync(pointLog, "utf8").trim().split("\n")) {
        const [thread, tenths] = line.split(" ");
        byPoint.set(Number(tenths), thread);
      }
      expect([...byPoint.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      // Dealt in two fixed halves, the slow point's thread would have had points 1-3 too.
      const slowThread = byPoint.get(0);
      expect([1, 2, 3, 4, 5, 6, 7].filter((k) => byPoint.get(k) === slowThread)).toEqual([]);

      // Whichever thread takes which point, the slice's first failing point is the one heard.
      const bad = Float64Array.from({ length: 2 * count }, (_, i) =>
        i % 2 === 0 ? [0.1, 0.2, -6, 0.4, -7, -8, 0.7, -9][i / 2] : 0,
      );
      for (let round = 0; round < 5; round++)
        await expect(ev.evaluatePopulation(bad, count, new Float64Array(count))).rejects.toThrow(/no line at a = -6$/);
    } finally {
      await ev.close();
    }
  });
});
