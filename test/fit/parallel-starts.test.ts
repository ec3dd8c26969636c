// Multi-start fits whose starts run at once on worker threads (each loading the model file), and
// amoeba's batches of independent vertices on worker threads: bit-identical to the serial fit
// (values, covariance, chisq, evaluation count, message).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { fit, FitError } from "hpcfit";
import { LIVE_DISPLAY, type MimeBundle } from "../../schema/display.js";
import { makeProblem } from "./mcmc-fixtures/peak-model.js";
import { expectIdenticalFits, peakModelFile as modelFile } from "../support/identical-fits.js";
import { batchThreads } from "../../fit/node/parallel-starts.js";

/** A model file (in a fresh temporary folder) exporting the peak problem changed by `lines`. */
function modelFileIn(name: string, ...lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "parallel-starts-")), name);
  const fixture = JSON.stringify(modelFile);
  writeFileSync(
    file,
    [`import { makeProblem } from ${fixture};`, `export const problem = makeProblem();`, ...lines, ""].join("\n"),
  );
  return file;
}

/** A problem whose nllf and residual calls in this thread are counted. */
function counted(): { problem: ReturnType<typeof makeProblem>; here: () => number } {
  const problem = makeProblem();
  let here = 0;
  const nllf = problem.nllf.bind(problem);
  const residuals = problem.residuals.bind(problem);
  problem.nllf = (x) => {
    here++;
    return nllf(x);
  };
  problem.residuals = (x, out) => {
    here++;
    return residuals(x, out);
  };
  return { problem, here: () => here };
}

describe("multi-start fits with their starts on worker threads", () => {
  const cases = [
    { method: "lm", starts: 5, seed: 2 },
    { method: "amoeba", starts: 4, seed: 7 },
    { method: "newton", starts: 4, seed: 3 },
    { method: "de", starts: 3, seed: 5, steps: 30 },
  ] as const;
  for (const options of cases) {
    test(`${options.method}, ${options.starts} starts on 3 threads give the bits of the serial fit`, async () => {
      const serial = await fit(makeProblem(), options);
      const { problem, here } = counted();
      const parallel = await fit(problem, { ...options, parallel: 3, modelFile });
      expectIdenticalFits(parallel, serial);
      // The starts ran in the threads: this one evaluated the start, the random start points, and
      // the winner's nllf and residuals for its result.
      expect(here()).toBe(options.starts + 2);
      expect(problem.getValues()).toEqual(serial.x);
    });
  }

  test("the best of the starts wins, as in the serial fit, whatever order they end in", async () => {
    // More starts than threads: the threads take the next start as they become free.
    const options = { method: "lm", starts: 7, seed: 11 } as const;
    const serial = await fit(makeProblem(), options);
    const { problem, here } = counted();
    const parallel = await fit(problem, { ...options, parallel: 2, modelFile });
    expectIdenticalFits(parallel, serial);
    expect(here()).toBe(options.starts + 2);
  });

  test("a monitor that stops the fit stops every running start", async () => {
    // A model of 1 ms per evaluation: amoeba's starts take seconds, the monitor stops them early.
    const file = modelFileIn(
      "slow-model.ts",
      `const cell = new Int32Array(new SharedArrayBuffer(4));`,
      `const nllf = problem.nllf.bind(problem);`,
      `problem.nllf = (x) => { Atomics.wait(cell, 0, 0, 1); return nllf(x); };`,
    );
    let calls = 0;
    const result = await fit(makeProblem(), {
      method: "amoeba",
      starts: 4,
      parallel: 2,
      modelFile: file,
      monitor: () => (++calls < 2 ? undefined : false),
    });
    expect(result.converged).toBe(false);
    expect(result.message).toMatch(/^stopped by the monitor/);
  });

  afterEach(() => {
    delete (globalThis as Record<symbol, unknown>)[LIVE_DISPLAY];
  });

  test("the live line counts the starts that ended and every start's evaluations", async () => {
    const shown: string[] = [];
    (globalThis as Record<symbol, unknown>)[LIVE_DISPLAY] = (b: MimeBundle) => {
      shown.push(b["text/plain"] as string);
      return { update: (u: MimeBundle) => shown.push(u["text/plain"] as string) };
    };
    const result = await fit(makeProblem(), { method: "lm", starts: 4, seed: 2, parallel: 2, modelFile });
    const done = shown.at(-1) ?? "";
    const m = /^fit lm 4 starts at once, 4 done: done, step \d+, chisq [0-9.]+, (\d+) evaluations/.exec(done);
    expect(m, done).not.toBeNull();
    // All the starts' evaluations, but the random start points' and the derivative check's, which the fit counts itself.
    expect(Number(m![1])).toBe(result.evaluations - 3);
  });

  test("a start whose model throws fails the fit as a serial start does: the error, and the parameters restored", async () => {
    // Each thread's model throws on its 40th evaluation, in the middle of a start.
    const file = modelFileIn(
      "breaking-model.ts",
      `let calls = 0;`,
      `const residuals = problem.residuals.bind(problem);`,
      `problem.residuals = (x, out) => { if (++calls === 40) throw new Error("the model broke"); return residuals(x, out); };`,
    );
    const problem = makeProblem();
    const start = problem.getValues();
    const failure = await fit(problem, { method: "lm", starts: 3, parallel: 2, modelFile: file }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(FitError);
    expect((failure as FitError).message).toMatch(/^the model broke\nthe parameters were restored to their starting values/);
    expect(problem.getValues()).toEqual(start);
  });

  test("the next fit of the same model file finds the threads loaded", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "parallel-starts-")), "loads.log");
    const file = modelFileIn(
      "noting-model.ts",
      `import { appendFileSync } from "node:fs";`,
      `appendFileSync(${JSON.stringify(log)}, "loaded\\n");`,
    );
    const options = { method: "lm", starts: 4, seed: 1, parallel: 2, modelFile: file } as const;
    const first = await fit(makeProblem(), options);
    const second = await fit(makeProblem(), options);
    expectIdenticalFits(second, first);
    // Two threads loaded the model, once each, for both fits.
    expect(readFileSync(log, "utf8")).toBe("loaded\nloaded\n");
  });

  test("fewer starts than threads: the spare threads evaluate each start's batches, with the serial bits", async () => {
    // 7 threads for 2 starts: the first start's batches get 4 threads (its own and 3 spare), the second's 3.
    expect([0, 1].map((t) => batchThreads(t, 2, 7, 2))).toEqual([4, 3]);
    expect(batchThreads(0, 3, 3, 5)).toBe(1);
    expect(batchThreads(2, 3, 8, 3)).toBe(2);
    for (const method of ["lm", "de"] as const) {
      const log = join(mkdtempSync(join(tmpdir(), "parallel-starts-")), "loads.log");
      const file = modelFileIn(
        "spare-threads-model.ts",
        `import { appendFileSync } from "node:fs";`,
        `appendFileSync(${JSON.stringify(log)}, "loaded\\n");`,
      );
      const options = { method, starts: 2, seed: 4, ...(method === "de" ? { steps: 20 } : {}) };
      const serial = await fit(makeProblem(), options);
      const parallel = await fit(makeProblem(), { ...options, parallel: 6, modelFile: file });
      expectIdenticalFits(parallel, serial);
      // Two start threads, each with a pool of 3 for its batches (the start's thread waits while they
      // work, so 6 at most are busy): 8 threads loaded the model.
      expect(readFileSync(log, "utf8")).toBe("loaded\n".repeat(8));
    }
  });

  test("parallel starts without a model file are a clear error", async () => {
    await expect(fit(makeProblem(), { method: "newton", starts: 3, parallel: 2 })).rejects.toThrow(/pass modelFile/);
  });
});

describe("amoeba with its simplexes' vertices on worker threads", () => {
  test("2 workers give the same bits as serial", async () => {
    const inSerial = counted();
    const serial = await fit(inSerial.problem, { method: "amoeba" });
    const { problem, here } = counted();
    const parallel = await fit(problem, { method: "amoeba", parallel: 2, modelFile });
    expectIdenticalFits(parallel, serial);
    // The simplex of the first run and of every restart (p = 4 vertices each) went to the workers.
    expect(inSerial.here() - here()).toBeGreaterThanOrEqual(8);
  });
});
