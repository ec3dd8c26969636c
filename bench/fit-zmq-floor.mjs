#!/usr/bin/env node
// The floor under bench/fit-node-scaling.mjs on this machine: W bare ZeroMQ workers (no hpcfit,
// no model file, no Slurm) that each sleep 5 ms per point in Atomics.wait, fed POINTS points per
// round (64: DREAM's 64 chains; 2000: SMC's particles), one contiguous slice per worker, as
// hpcfit's evaluator sends them. Prints the mean time per round after the warm-up rounds (a fifth
// of them); with --json, one JSON object. `node bench/fit-zmq-floor.mjs W [POINTS=64] [ROUNDS=150] [--json]`
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Dealer, Router } from "zeromq";

const nap = new Int32Array(new SharedArrayBuffer(4));
if (process.argv[2] === "worker") {
  const d = new Dealer({ linger: 0 });
  d.connect(process.argv[3]);
  await d.send(["hello"]);
  for (;;) {
    const [kind, data] = await d.receive();
    if (kind.toString() === "stop") break;
    const n = data.length / 16;
    for (let i = 0; i < n; i++) Atomics.wait(nap, 0, 0, 5);
    await d.send(["r", Buffer.alloc(8 * n)]);
  }
  d.close();
  process.exit(0);
}
const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const W = Number(positional[0] ?? 32);
const POINTS = Number(positional[1] ?? 64),
  ROUNDS = Number(positional[2] ?? 150),
  WARM = Math.floor(ROUNDS / 5);
const router = new Router({ linger: 0 });
await router.bind("tcp://127.0.0.1:0");
for (let i = 0; i < W; i++) fork(fileURLToPath(import.meta.url), ["worker", router.lastEndpoint]);
const ids = [];
while (ids.length < W) ids.push((await router.receive())[0]);
const times = [];
for (let g = 0; g < ROUNDS; g++) {
  const t = performance.now();
  for (let k = 0; k < W; k++) {
    const n = Math.floor(((k + 1) * POINTS) / W) - Math.floor((k * POINTS) / W);
    await router.send([ids[k], "e", Buffer.alloc(16 * n)]);
  }
  for (let k = 0; k < W; k++) await router.receive();
  if (g >= WARM) times.push(performance.now() - t);
}
const mean = times.reduce((a, b) => a + b, 0) / times.length;
const modelMs = Math.ceil(POINTS / W) * 5;
if (process.argv.includes("--json"))
  console.log(JSON.stringify({ workers: W, points: POINTS, rounds: times.length, msPerRound: mean, modelMs }));
else console.log(`${W} workers: ${mean.toFixed(3)} ms per round of ${POINTS} points (model alone: ${modelMs.toFixed(1)} ms)`);
for (const id of ids) await router.send([id, "stop"]);
router.close();
