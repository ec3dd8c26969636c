// A sampler spread over ZeroMQ workers keeps the points its prior refuses (SMC's proposals outside
// the box) at home: real `hpcfit fit-worker` processes never see one, and the draws are the bits
// of a serial run with the same seed.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { fit, isSampledResult, type PopulationEvaluator } from "hpcfit";
import { ZmqEvaluator } from "../../fit/node/zmq-evaluator.js";
import { compiledEntry } from "../../util/paths.js";
import { makeProblem } from "./mcmc-fixtures/peak-model.js";

const modelFile = fileURLToPath(new URL("./mcmc-fixtures/peak-model.ts", import.meta.url));
const WORKERS = 3;

describe("spread sampler and the points its prior refuses", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });

  test("refused points never reach a worker; SMC and DREAM draws equal serial ones", { timeout: 300_000 }, async () => {
    const problem = makeProblem();
    const { lower, upper } = problem.bounds();
    const zmq = await ZmqEvaluator.bind({ labels: problem.labels(), bind: "tcp://127.0.0.1:0" });
    const cli = compiledEntry("cli/main.js");
    for (let i = 0; i < WORKERS; i++)
      children.push(
        spawn(process.execPath, [cli, "fit-worker", "--endpoint", zmq.endpoint, "--model", modelFile], { stdio: "ignore" }),
      );
    // What the sampler hands to the ZeroMQ evaluator, point by point.
    let sent = 0;
    let outside = 0;
    const p = problem.labels().length;
    const recording: PopulationEvaluator = {
      evaluatePopulation: (points, count, out) => {
        for (let i = 0; i < count; i++)
          for (let k = 0; k < p; k++) {
            const v = points[i * p + k];
            if (!(v >= lower[k] && v <= upper[k])) {
              outside++;
              break;
            }
          }
        sent += count;
        return zmq.evaluatePopulation(points, count, out);
      },
      close: () => Promise.resolve(),
    };
    try {
      await zmq.waitForWorkers(WORKERS);
      for (const opts of [
        { method: "smc", particles: 300, seed: 5 },
        { method: "dream", samples: 1200, burn: 30, seed: 5 },
      ] as const) {
        sent = 0;
        outside = 0;
        const before = zmq.evaluated;
        const serial = await fit(makeProblem(), opts);
        const spread = await fit(makeProblem(), { ...opts, evaluator: recording });
        if (!isSampledResult(serial) || !isSampledResult(spread)) throw new Error("expected sampler results");
        expect(Buffer.from(spread.samples.points.buffer).equals(Buffer.from(serial.samples.points.buffer))).toBe(true);
        expect(Buffer.from(spread.samples.logp.buffer).equals(Buffer.from(serial.samples.logp.buffer))).toBe(true);
        expect(spread.evaluations).toBe(serial.evaluations);
        expect(outside).toBe(0);
        expect(zmq.evaluated - before).toBe(sent);
        // SMC proposes outside the box (the test means something); DREAM folds its proposals back in.
        if (opts.method === "smc") expect(sent).toBeLessThan(spread.evaluations);
      }
    } finally {
      await zmq.close();
    }
  });
});
