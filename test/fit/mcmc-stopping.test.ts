// Stopping a sampler early keeps its draws: an aborted signal, a time budget (maxTime), the
// monitor, or an interrupt of the notebook cell (the kernel's cell signal) end sampling after a
// whole generation with a result that holds the draws so far, says why it stopped, and has its
// statistics computed on those draws; the live line says "stopped".
import { afterEach, describe, expect, test } from "vitest";
import { fit, lastFit, isSampledResult, type FitResult, type Problem } from "hpcfit";
import { CELL_SIGNAL } from "../../schema/cell.js";
import { LIVE_DISPLAY, type MimeBundle } from "../../schema/display.js";
import { MCMC_MIME } from "../../schema/mcmc.js";
import { Random } from "../../fit/random.js";
import { runDream } from "../../fit/samplers/dream.js";
import { lineProblem, syntheticLine } from "./mcmc-fixtures/linear.js";

const data = syntheticLine(new Random(5));

/** The line problem with a model that takes about `micros` µs per evaluation. */
function slowLine(micros: number): Problem {
  const p = lineProblem(data);
  const nllf = p.nllf.bind(p);
  return {
    ...p,
    nllf: (x) => {
      const until = performance.now() + micros / 1000;
      while (performance.now() < until);
      return nllf(x);
    },
  };
}

function sampled(r: FitResult) {
  if (!isSampledResult(r)) throw new Error(`expected a sampler result, got ${r.method}`);
  return r.samples;
}

const g = globalThis as unknown as Record<symbol, unknown>;
afterEach(() => {
  delete g[LIVE_DISPLAY];
  delete g[CELL_SIGNAL];
});

describe("a sampler stopped early keeps its draws", () => {
  test("DREAM: an aborted signal mid-run returns the draws so far, marked stopped", async () => {
    const ac = new AbortController();
    const r = await fit(lineProblem(data), {
      method: "dream",
      samples: 20000,
      burn: 20,
      seed: 2,
      signal: ac.signal,
      monitor: (step) => {
        if (step === 50) ac.abort();
      },
    });
    const s = sampled(r);
    expect(r.stopped).toBe("signal");
    expect(r.converged).toBe(false);
    // The signal is read before the monitor is called: the generation after the abort sees it.
    expect(s.generations).toBe(51);
    expect(s.nthin).toBe(31);
    expect(s.size).toBe(31 * s.nchains);
    expect(r.message).toMatch(/stopped by the abort signal after 51 generations; 620 draws kept/);
    // Statistics and diagnostics are those of the draws made.
    const summary = s.summary();
    expect(summary.stats.map((q) => q.name)).toEqual(["a", "b"]);
    let mean = 0;
    for (let i = 0; i < s.size; i++) mean += s.points[i * 2] / s.size;
    expect(summary.stats[0].mean).toBeCloseTo(mean, 10);
    expect(summary.diagnostics.rhat.every((v) => v === null || Number.isFinite(v))).toBe(true);
    expect(r.toJSON().stopped).toBe("signal");
  });

  test("DREAM: a signal aborted from a timer while it runs stops it at a generation's end", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const r = await fit(slowLine(20), { method: "dream", samples: 200000, burn: 5, seed: 3, signal: ac.signal });
    const s = sampled(r);
    expect(r.stopped).toBe("signal");
    expect(s.generations).toBeLessThan(5 + 200000 / 20);
    expect(s.size).toBeGreaterThan(0);
    expect(s.genLogp.length).toBe(s.generations * s.nchains);
  });

  test("SMC: an aborted signal returns the particles of the last whole stage", async () => {
    const ac = new AbortController();
    const r = await fit(lineProblem(data), {
      method: "smc",
      particles: 300,
      seed: 4,
      signal: ac.signal,
      monitor: (step) => {
        if (step === 2) ac.abort();
      },
    });
    const s = sampled(r);
    expect(r.stopped).toBe("signal");
    expect(s.generations).toBe(3);
    expect(s.size).toBe(300);
    expect(r.message).toMatch(
      /stopped by the abort signal after 3 tempering stages; 300 draws kept .*before the particles reached the posterior/,
    );
  });

  test("maxTime stops DREAM and SMC with their draws, as seconds or as a duration", async () => {
    const d = await fit(slowLine(20), { method: "dream", samples: 200000, burn: 5, seed: 5, maxTime: 0.3 });
    expect(d.stopped).toBe("maxTime");
    expect(sampled(d).generations).toBeLessThan(5 + 200000 / 20);
    expect(sampled(d).size).toBeGreaterThan(0);
    expect(d.message).toMatch(/stopped at the time limit \(maxTime\)/);
    const s = await fit(slowLine(200), { method: "smc", particles: 400, seed: 6, maxTime: "0.2s" });
    expect(s.stopped).toBe("maxTime");
    expect(sampled(s).size).toBe(400);
    // A budget the run does not reach changes nothing.
    const free = await fit(lineProblem(data), { method: "dream", samples: 400, burn: 10, seed: 7, maxTime: "1h" });
    const same = await fit(lineProblem(data), { method: "dream", samples: 400, burn: 10, seed: 7 });
    expect(free.stopped).toBeUndefined();
    expect(Array.from(sampled(free).points)).toEqual(Array.from(sampled(same).points));
  });

  test("maxTime: bad values get an error naming the option", async () => {
    const go = (maxTime: unknown) =>
      runDream(lineProblem(data), { maxTime: maxTime as number }, { rng: new Random(1), report: () => true });
    for (const bad of [0, -5, "soon", "10 parsecs", "", Number.NaN, {}])
      await expect(go(bad)).rejects.toThrow(/option maxTime must be a positive number of seconds or a duration/);
  });

  test("the monitor returning false is told apart from the signal", async () => {
    const r = await fit(lineProblem(data), { method: "dream", samples: 4000, burn: 10, seed: 8, monitor: (step) => step < 15 });
    expect(r.stopped).toBe("monitor");
    expect(sampled(r).generations).toBe(15);
  });

  test("an interrupted cell: the live line says stopped, the draws so far are shown and kept for lastFit()", async () => {
    const shown: MimeBundle[][] = [];
    g[LIVE_DISPLAY] = (bundle: MimeBundle) => {
      const updates = [bundle];
      shown.push(updates);
      return { update: (next: MimeBundle) => updates.push(next) };
    };
    const cell = new AbortController();
    g[CELL_SIGNAL] = cell.signal;
    const r = await fit(lineProblem(data), {
      method: "dream",
      samples: 20000,
      burn: 20,
      seed: 9,
      monitor: (step) => {
        // The kernel aborts the cell's signal when the user interrupts it.
        if (step === 40) cell.abort(new Error("KeyboardInterrupt"));
      },
    });
    expect(r.stopped).toBe("interrupted");
    expect(sampled(r).generations).toBe(40);
    const kept = lastFit();
    expect(kept?.stopped).toBe("interrupted");
    expect(sampled(kept!).size).toBe(20 * sampled(kept!).nchains);
    // The live line, then the result itself (the cell ends without a value).
    expect(shown.length).toBe(2);
    const line = shown[0];
    expect(String(line[line.length - 1]["text/plain"])).toMatch(
      /^fit dream: stopped \(interrupted\): interrupted after 40 generations; 400 draws kept.*lastFit\(\) returns this result/,
    );
    expect(line.some((b) => /running/.test(String(b["text/plain"])))).toBe(true);
    expect(shown[1][0][MCMC_MIME]).toBeDefined();
    expect(String(shown[1][0]["text/plain"])).toMatch(/interrupted after 40 generations/);
  });

  test("an interrupted cell running SMC keeps the particles of its last whole stage", async () => {
    g[LIVE_DISPLAY] = () => ({ update: () => undefined });
    const cell = new AbortController();
    g[CELL_SIGNAL] = cell.signal;
    await fit(lineProblem(data), {
      method: "smc",
      particles: 300,
      seed: 11,
      monitor: (step) => {
        if (step === 2) cell.abort(new Error("KeyboardInterrupt"));
      },
    });
    const kept = lastFit()!;
    expect(kept.stopped).toBe("interrupted");
    expect(sampled(kept).generations).toBe(2);
    expect(sampled(kept).size).toBe(300);
    expect(Number.isFinite(kept.nllf)).toBe(true);
  });

  test("a fit that ends normally says done and leaves lastFit() at its result", async () => {
    const r = await fit(lineProblem(data), { method: "dream", samples: 400, burn: 10, seed: 10 });
    expect(r.stopped).toBeUndefined();
    expect(lastFit()).toBe(r);
  });
});
