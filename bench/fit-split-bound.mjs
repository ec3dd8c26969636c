// What the split of a population over W workers allows at best, counted in model calls rather
// than timed (no noise): SMC on the node-scaling benchmark's line (without its sleep), run
// serially, recording which points of each population needed the model (the prior refuses the
// others without a call). Per round, the model time of the slowest worker is its number of model
// calls: with static slices of all points (every worker the same share of the population,
// refused points included) and with even slices of only the points that need the model (what the
// evaluator does now). Summed over the rounds and set against the ideal (model calls / W), this
// is the efficiency against the serial run that each split allows with no other overhead.
// `node bench/fit-split-bound.mjs [W ...]` prints a JSON array; fit-node-scaling.mjs reports it.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The bound for each W of `workers`, for SMC with `particles` particles and `moves` moves (seed 1). */
export async function splitBounds(workers, particles = 2000, moves = 2) {
  const { fit, Curve, FitProblem } = await import(join(ROOT, "dist/index.js"));
  const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const ys = xs.map((x, i) => 2 * x + 1 + 0.2 * Math.sin(5 * i));
  const M = new Curve((x, a = 1, b = 0) => a * x + b, xs, ys, 0.2);
  M.a.range(-10, 10);
  M.b.range(-10, 10);
  const inner = new FitProblem(M);
  // The serial evaluator calls nllf once per point of each population, in order; the line's own
  // function runs only for the points the prior lets through.
  const needs = [];
  const calls = [];
  const problem = Object.create(inner, {
    nllf: {
      value: (x) => {
        calls.push(Number.isFinite(inner.priorNllf(x)));
        return inner.nllf(x);
      },
    },
  });
  const r = await fit(problem, { method: "smc", particles, moves, seed: 1 });
  // fit() evaluates no starting point for SMC (its particles come from the prior), and the best point after the sampler.
  const evaluations = r.samples.evaluations;
  if (calls.length !== evaluations + 1 || evaluations % particles !== 0)
    throw new Error(`split bound: ${calls.length} nllf calls for ${evaluations} evaluations`);
  for (let k = 0; k < evaluations; k += particles) needs.push(calls.slice(k, k + particles));
  return workers.map((W) => {
    let staticSlices = 0;
    let evenSlices = 0;
    let ideal = 0;
    let modelCalls = 0;
    for (const round of needs) {
      const n = round.length;
      let slowest = 0;
      for (let k = 0; k < W; k++) {
        let c = 0;
        for (let i = Math.floor((k * n) / W); i < Math.floor(((k + 1) * n) / W); i++) if (round[i]) c++;
        slowest = Math.max(slowest, c);
      }
      const m = round.filter(Boolean).length;
      staticSlices += slowest;
      evenSlices += Math.ceil(m / W);
      ideal += m / W;
      modelCalls += m;
    }
    return {
      workers: W,
      rounds: needs.length,
      points: evaluations,
      modelCalls,
      staticSlices,
      evenSlices,
      staticBound: ideal / staticSlices,
      evenBound: ideal / evenSlices,
    };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ws = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(await splitBounds(ws.length ? ws : [2, 4, 8, 16, 32, 64, 128])));
}
