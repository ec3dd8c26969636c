// The ZeroMQ evaluator of a spread fit loses every worker whose process is killed, from the
// closed connection alone (no heartbeat deadline), however many die at once: libzmq reports a
// disconnect before the router drops that connection's pipe, so one probe per disconnect can come
// too early for the last of several connections closing together. Real `hpcfit fit-worker`
// processes; each round kills half of them while they hold a population, checks that exactly those
// are lost, then lets the population finish on the others with the model's own numbers.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { Problem } from "hpcfit";
import { ZmqEvaluator } from "../../fit/node/zmq-evaluator.js";
import { compiledEntry } from "../../util/paths.js";

const WORKERS = 8;
const KILLED_PER_ROUND = 4;
// A missed worker shows in about one round in six on a loaded machine: enough rounds to see it.
const ROUNDS = 12;

/** A line model whose evaluations wait while the hold file exists. */
function heldModel(hold: string): string {
  return [
    `import { existsSync } from "node:fs";`,
    `import { Curve, FitProblem } from "hpcfit";`,
    `const nap = new Int32Array(new SharedArrayBuffer(4));`,
    `const hold = (): void => { while (existsSync(${JSON.stringify(hold)})) Atomics.wait(nap, 0, 0, 20); };`,
    `const xs = [0, 1, 2, 3, 4];`,
    `const M = new Curve((x: number, a = 1, b = 0) => { if (x === 0) hold(); return a * x + b; }, xs, xs.map((x) => 2 * x + 1), 0.2);`,
    `M.a.range(-10, 10);`,
    `M.b.range(-10, 10);`,
    `export const problem = new FitProblem(M);`,
    "",
  ].join("\n");
}

describe("ZeroMQ evaluator losing workers", () => {
  const dir = mkdtempSync(join(tmpdir(), "hpcfit-worker-loss-"));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  test(
    "workers killed together are all lost from their closed connections, the others finish the population",
    { timeout: 600_000 },
    async () => {
      const hold = join(dir, "hold");
      const modelFile = join(dir, "model.ts");
      writeFileSync(modelFile, heldModel(hold));
      const { problem } = (await import(modelFile)) as { problem: Problem };
      const lines: string[] = [];
      const ev = await ZmqEvaluator.bind({
        labels: problem.labels(),
        bind: "tcp://127.0.0.1:0",
        deadAfterMs: 24 * 3600_000,
        log: (l) => lines.push(l),
      });
      const cli = compiledEntry("cli/main.js");
      const start = (): ChildProcess => {
        const child = spawn(process.execPath, [cli, "fit-worker", "--endpoint", ev.endpoint, "--model", modelFile], {
          stdio: ["ignore", "ignore", "ignore"],
        });
        children.push(child);
        return child;
      };
      try {
        let live = Array.from({ length: WORKERS }, start);
        const killed: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          await ev.waitForWorkers(WORKERS);
          writeFileSync(hold, "");
          const count = 3 * WORKERS;
          const points = Float64Array.from({ length: 2 * count }, (_, i) => Math.sin(round + 0.7 * i));
          const out = new Float64Array(count);
          const population = ev.evaluatePopulation(points, count, out);

          const victims = live.slice(0, KILLED_PER_ROUND);
          for (const v of victims) v.kill("SIGKILL");
          killed.push(...victims.map((v) => v.pid!));
          const dead = (): number[] =>
            ev
              .workers()
              .filter((w) => !w.alive)
              .map((w) => w.pid)
              .sort((a, b) => a - b);
          for (let i = 0; i < 300 && dead().length < killed.length; i++) await new Promise((r) => setTimeout(r, 100));
          expect(dead(), `round ${round}:\n${lines.join("\n")}`).toEqual([...killed].sort((a, b) => a - b));

          rmSync(hold);
          await population;
          const expected = Array.from({ length: count }, (_, k) => problem.nllf(points.subarray(2 * k, 2 * k + 2)));
          expect(Array.from(out)).toEqual(expected);
          live = [...live.slice(KILLED_PER_ROUND), ...victims.map(start)];
        }
        expect(lines.filter((l) => / lost \(its connection closed\)/.test(l))).toHaveLength(ROUNDS * KILLED_PER_ROUND);
      } finally {
        rmSync(hold, { force: true });
        await ev.close();
      }
    },
  );
});
