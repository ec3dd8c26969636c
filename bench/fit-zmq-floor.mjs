#!/usr/bin/env node
// The floor under bench/fit-node-scaling.mjs on this machine: W bare ZeroMQ workers (no hpcfit,
// no model file, no Slurm) that each sleep 5 ms per point in Atomics.wait, fed POINTS points per
// round (64: DREAM's 64 chains; 2000: SMC's particles), one contiguous slice per worker, as
// hpcfit's evaluator sends them. Prints the mean time per round after the warm-up rounds (a fifth
// of them) and the sampler process's CPU time per round; with --json, one JSON object.
// With --pub the whole population goes out once per round on a PUB socket (each worker takes its
// slice by its index) instead of one message per worker, the replies still to the ROUTER: what a
// broadcast would save. With --agents=A the W workers are threads of A processes (W / A each, as
// hpcfit runs one worker process per node with the node's tasks as threads): each process holds
// the one DEALER socket, splits its slice over its threads, wakes them through a shared control
// block (Atomics.notify), and answers once the last is done (Atomics.waitAsync). With
// --model=FILE as well, each thread loads that model file through hpcfit's loader before its
// process says hello, and a point is the model's nllf at its start values instead of the bare
// sleep: the floor with the model's own call in it (the code a round runs in every thread), still
// without hpcfit's sampler, evaluator or worker.
// `node bench/fit-zmq-floor.mjs W [POINTS=64] [ROUNDS=150] [--pub | --agents=A [--model=FILE]] [--json]`
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { once } from "node:events";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { Dealer, Publisher, Router, Subscriber } from "zeromq";

const nap = new Int32Array(new SharedArrayBuffer(4));
/** Points of worker k's contiguous slice of `points` over `w` workers. */
const share = (k, points, w) => Math.floor(((k + 1) * points) / w) - Math.floor((k * points) / w);

if (!isMainThread) {
  // An agent's thread: cells [wake per thread..., points per thread..., threads still at work].
  const { control, index, model } = workerData;
  let evaluate = () => Atomics.wait(nap, 0, 0, 5);
  if (model !== undefined) {
    const { loadModelFile } = await import(new URL("../dist/fit/node/load-model.js", import.meta.url).href);
    const { problem } = await loadModelFile(model);
    const x = problem.getValues();
    evaluate = () => problem.nllf(x);
  }
  parentPort.postMessage("ready");
  const cells = new Int32Array(control);
  const threads = (cells.length - 1) / 2;
  for (let seen = 0; ;) {
    Atomics.wait(cells, index, seen);
    seen = Atomics.load(cells, index);
    if (seen < 0) break;
    for (let i = 0; i < cells[threads + index]; i++) evaluate();
    if (Atomics.sub(cells, 2 * threads, 1) === 1) Atomics.notify(cells, 2 * threads);
  }
} else if (process.argv[2] === "agent") {
  // The run's process is gone (it may die without telling, zeromq's native teardown can abort under load): so is its agent.
  process.on("disconnect", () => process.exit(0));
  const [, , , routerEndpoint, threadsText, model] = process.argv;
  const threads = Number(threadsText);
  const control = new SharedArrayBuffer(4 * (2 * threads + 1));
  const cells = new Int32Array(control);
  const team = Array.from(
    { length: threads },
    (_, index) => new Worker(fileURLToPath(import.meta.url), { workerData: { control, index, model } }),
  );
  // Loaded before the hello, as hpcfit's worker loads its threads' models before its own.
  await Promise.all(team.map((w) => once(w, "message")));
  const d = new Dealer({ linger: 0 });
  d.connect(routerEndpoint);
  await d.send(["hello"]);
  for (let round = 1; ; round++) {
    const [kind, data] = await d.receive();
    if (kind.toString() === "stop") break;
    const n = data.length / 16;
    const busy = Math.min(threads, n);
    Atomics.store(cells, 2 * threads, busy);
    for (let t = 0; t < busy; t++) {
      cells[threads + t] = share(t, n, busy);
      Atomics.store(cells, t, round);
      Atomics.notify(cells, t);
    }
    for (let left = busy; left !== 0; left = Atomics.load(cells, 2 * threads)) {
      const wait = Atomics.waitAsync(cells, 2 * threads, left);
      if (wait.async) await wait.value;
    }
    await d.send(["r", Buffer.alloc(8 * n)]);
  }
  for (let t = 0; t < threads; t++) {
    Atomics.store(cells, t, -1);
    Atomics.notify(cells, t);
  }
  await Promise.all(team.map((w) => w.terminate()));
  d.close();
  process.exit(0);
} else if (process.argv[2] === "worker") {
  process.on("disconnect", () => process.exit(0));
  const [, , , routerEndpoint, pubEndpoint, index, workers] = process.argv;
  const d = new Dealer({ linger: 0 });
  d.connect(routerEndpoint);
  let s;
  if (pubEndpoint !== "-") {
    s = new Subscriber({ linger: 0 });
    s.connect(pubEndpoint);
    s.subscribe();
  }
  await d.send(["hello"]);
  for (;;) {
    const [kind, data] = await (s ?? d).receive();
    const k = kind.toString();
    if (k === "stop") break;
    // A subscriber hears nothing sent before its connection is up: the sampler publishes until all answer.
    if (k === "sync") {
      await d.send(["synced"]);
      continue;
    }
    const n = s === undefined ? data.length / 16 : share(Number(index), data.length / 16, Number(workers));
    for (let i = 0; i < n; i++) Atomics.wait(nap, 0, 0, 5);
    await d.send(["r", Buffer.alloc(8 * n)]);
  }
  d.close();
  s?.close();
  process.exit(0);
} else {
  // The run itself: only the process started from the command line gets here, never an agent's
  // thread (its loop ends at the stop, and code after this chain would run in it as it ends).
  await runSampler();
}

/** Starts the workers, times the rounds, prints the result and stops the workers. */
async function runSampler() {
  const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const W = Number(positional[0] ?? 32);
  const POINTS = Number(positional[1] ?? 64),
    ROUNDS = Number(positional[2] ?? 150),
    WARM = Math.floor(ROUNDS / 5);
  const broadcast = process.argv.includes("--pub");
  const agentsArg = process.argv.find((a) => a.startsWith("--agents="));
  // Processes: W bare workers, or A agents of W / A threads each (the first W mod A get one more).
  const A = agentsArg ? Math.min(W, Number(agentsArg.slice(9))) : W;
  if (agentsArg && broadcast) throw new Error("--agents and --pub are two designs: give one");
  const model = process.argv.find((a) => a.startsWith("--model="))?.slice(8);
  if (model !== undefined && !agentsArg) throw new Error("--model needs --agents: the model runs in the agents' threads");
  const router = new Router({ linger: 0 });
  await router.bind("tcp://127.0.0.1:0");
  const pub = broadcast ? new Publisher({ linger: 0 }) : undefined;
  await pub?.bind("tcp://127.0.0.1:0");
  const children = [];
  // A worker that crashed (or a run stopped early) must not leave the others waiting on a dead socket.
  process.on("exit", () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  });
  for (let i = 0; i < A; i++)
    children.push(
      fork(
        fileURLToPath(import.meta.url),
        agentsArg
          ? ["agent", router.lastEndpoint, String(share(i, W, A)), ...(model === undefined ? [] : [model])]
          : ["worker", router.lastEndpoint, pub?.lastEndpoint ?? "-", String(i), String(W)],
        // No stdout: a worker left behind must not hold the pipe of whoever reads this run's output.
        { stdio: ["ignore", "ignore", "inherit", "ipc"] },
      ),
    );
  const ids = [];
  // A worker that dies before its hello would hold the run for ever: a minute, then the run fails.
  router.receiveTimeout = 60_000;
  while (ids.length < A) ids.push((await router.receive())[0]);
  router.receiveTimeout = -1;
  // An agent's slice is its threads' share of the points, so every thread gets POINTS / W, give or take one.
  const threadsBefore = (k) => Math.floor((k * W) / A);
  const sliceOf = (k) => Math.floor((threadsBefore(k + 1) * POINTS) / W) - Math.floor((threadsBefore(k) * POINTS) / W);
  if (pub !== undefined) {
    // Publish until every worker answered one sync, then let late answers to earlier syncs arrive and drop them.
    router.receiveTimeout = 200;
    for (let synced = 0; synced < W;) {
      await pub.send(["sync"]);
      synced = 0;
      try {
        while (synced < W) {
          await router.receive();
          synced++;
        }
      } catch {
        // not all within the timeout: publish again
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    router.receiveTimeout = 0;
    try {
      for (;;) await router.receive();
    } catch {
      // drained
    }
    router.receiveTimeout = -1;
  }
  const times = [];
  let cpu = { user: 0, system: 0 };
  for (let g = 0; g < ROUNDS; g++) {
    if (g === WARM) cpu = process.cpuUsage();
    const t = performance.now();
    if (pub !== undefined) await pub.send(["e", Buffer.alloc(16 * POINTS)]);
    else for (let k = 0; k < A; k++) await router.send([ids[k], "e", Buffer.alloc(16 * sliceOf(k))]);
    for (let k = 0; k < A; k++) await router.receive();
    if (g >= WARM) times.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  const cpuMsPerRound = (used.user + used.system) / 1000 / times.length;
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const modelMs = Math.ceil(POINTS / W) * 5;
  const how = broadcast
    ? "one PUB message per round"
    : agentsArg
      ? `threads of ${A} processes, one message per process${model === undefined ? "" : `, each point ${model}'s nllf`}`
      : "one message per worker";
  if (process.argv.includes("--json"))
    console.log(
      JSON.stringify({
        workers: W,
        processes: A,
        points: POINTS,
        rounds: times.length,
        msPerRound: mean,
        cpuMsPerRound,
        modelMs,
        broadcast,
        model: model ?? null,
      }),
    );
  else
    console.log(
      `${W} workers, ${how}: ${mean.toFixed(3)} ms per round of ${POINTS} points (model alone: ${modelMs.toFixed(1)} ms), sampler CPU ${cpuMsPerRound.toFixed(3)} ms per round`,
    );
  if (pub !== undefined) await pub.send(["stop"]);
  else for (const id of ids) await router.send([id, "stop"]);
  router.close();
  pub?.close();
}
