// Top-level loop speed through the interpreter: 10^7 float additions in a cell's top level vs
// the same loop inside a function, both run by hpcfit's TypeScriptInterpreter (built dist/), in
// one process, alternating, median of several runs. Also shown for reference: the same loop
// over a name declared in an *earlier* cell (a global property), and plain Node outside any
// interpreter. Usage: node bench/toplevel-loop.mjs [--write]  (--write replaces its section of RESULTS.md)
import { median, writeSection } from "./common.mjs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const { TypeScriptInterpreter } = await import(`${root}dist/kernel/interpreter/index.js`);
const { MagicRegistry } = await import(`${root}dist/kernel/magics/registry.js`);
const { KernelCommManager } = await import(`${root}dist/kernel/comms/comm-manager.js`);

const N = 10_000_000;
const RUNS = 15;

const sink = {
  out: "",
  stream(_name, text) {
    this.out += text;
  },
  display() {},
  clearOutput() {},
  input: async () => "",
};
const interpreter = new TypeScriptInterpreter({
  // A comm manager with no frontend behind it: what it would send goes nowhere.
  comms: new KernelCommManager(
    () => undefined,
    () => undefined,
  ),
  magics: new MagicRegistry(),
});
let count = 0;
async function cell(code) {
  const r = await interpreter.execute(
    code,
    { silent: false, storeHistory: false, allowStdin: false, executionCount: ++count },
    sink,
  );
  if (r.status !== "ok") throw new Error(`${r.ename}: ${r.evalue}`);
  return r.result?.["text/plain"];
}

// Each cell times its own loop with performance.now(), so transpiling is not counted.
const topLevel = `const t0 = performance.now();
let s = 0;
for (let i = 0; i < ${N}; i++) s += i * 0.5;
const ms = performance.now() - t0;
ms`;
const inFunction = `function loop(): number {
  let s = 0;
  for (let i = 0; i < ${N}; i++) s += i * 0.5;
  return s;
}
const t1 = performance.now();
loop();
performance.now() - t1`;
await cell("let g = 0;");
const overGlobal = `const t2 = performance.now();
g = 0;
for (let i = 0; i < ${N}; i++) g += i * 0.5;
performance.now() - t2`;

// Awaits in a top-level loop (10^4 awaits of a resolved promise) vs the same in an async function.
const AWAITS = 10_000;
const awaitTop = `const t3 = performance.now();
let a = 0;
for (let i = 0; i < ${AWAITS}; i++) a += await Promise.resolve(1);
performance.now() - t3`;
const awaitFunction = `async function awaits(): Promise<number> {
  let a = 0;
  for (let i = 0; i < ${AWAITS}; i++) a += await Promise.resolve(1);
  return a;
}
const t4 = performance.now();
await awaits();
performance.now() - t4`;

const times = { topLevel: [], inFunction: [], overGlobal: [], awaitTop: [], awaitFunction: [] };
for (let run = 0; run < RUNS; run++) {
  times.topLevel.push(Number(await cell(topLevel)));
  times.inFunction.push(Number(await cell(inFunction)));
  times.overGlobal.push(Number(await cell(overGlobal)));
  times.awaitTop.push(Number(await cell(awaitTop)));
  times.awaitFunction.push(Number(await cell(awaitFunction)));
}
interpreter.dispose();
const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
const lo = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.min(...v)]));
const ratio = m.topLevel / m.inFunction;
const ratioMin = lo.topLevel / lo.inFunction;
const machine = `${cpus().length} x ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}`;
const table = [
  `| loop of 10^7 float additions, ${RUNS} runs each, alternating | median ms | min ms |`,
  `| --- | --- | --- |`,
  `| cell top level (\`let s\` declared in the cell) | ${m.topLevel.toFixed(1)} | ${lo.topLevel.toFixed(1)} |`,
  `| same loop inside a function, in a cell | ${m.inFunction.toFixed(1)} | ${lo.inFunction.toFixed(1)} |`,
  `| **ratio top level / function** (target <= 1.5) | **${ratio.toFixed(2)}** | **${ratioMin.toFixed(2)}** |`,
  `| reference: loop over \`g\` declared in an earlier cell (a global property, no local copy) | ${m.overGlobal.toFixed(1)} | ${lo.overGlobal.toFixed(1)} |`,
  `| 10^4 \`await\`s in a top-level loop | ${m.awaitTop.toFixed(1)} | ${lo.awaitTop.toFixed(1)} |`,
  `| same awaits inside an async function, in a cell | ${m.awaitFunction.toFixed(1)} | ${lo.awaitFunction.toFixed(1)} |`,
].join("\n");
console.log(`Machine: ${machine}\n\n${table}`);
console.log(
  "\nall runs (ms):",
  JSON.stringify(Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.map((x) => +x.toFixed(1))]))),
);

if (process.argv.includes("--write")) {
  writeSection(
    "## Top-level loop — `bench/toplevel-loop.mjs`",
    `Machine: ${machine}; run on ${new Date().toISOString().slice(0, 10)}.\n\n${table}`,
  );
}
