// The problems the MCMC benchmarks run, built from the compiled package, with their data shared
// with the Python anchors (`node bench/mcmc-problems.mjs NAME` prints NAME's data as JSON).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Seeded data: the same numbers every run (xorshift32 + Box–Muller, independent of hpcfit). */
function noise(seed) {
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  return {
    normal: () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()),
    poisson: (lam) => {
      let k = 0,
        p = Math.exp(-lam),
        c = p;
      const r = u();
      while (r > c) {
        k++;
        p *= lam / k;
        c += p;
      }
      return k;
    },
  };
}

export const LINE = { x: [1, 2, 3, 4, 5, 6], y: [2.1, 4.0, 6.3, 8.03, 9.6, 11.9], dy: [0.05, 0.05, 0.2, 0.05, 0.2, 0.2] };

export function peakData() {
  const r = noise(11);
  const x = Array.from({ length: 50 }, (_, i) => -4 + (8 * i) / 49);
  const dy = x.map(() => 0.1);
  const y = x.map((v) => 3 * Math.exp(-0.5 * ((v - 0.3) / 0.8) ** 2) + 0.5 + 0.1 * r.normal());
  return { x, y, dy };
}

export function poissonData() {
  const r = noise(12);
  const x = Array.from({ length: 30 }, (_, i) => 0.25 * i);
  const y = x.map((v) => r.poisson(80 * Math.exp(-v / 1.7) + 3));
  return { x, y };
}

export function misra1a() {
  const lines = readFileSync(`${root}test/fixtures/nist/Misra1a.dat`, "utf8").split("\n").slice(60);
  const x = [],
    y = [];
  for (const l of lines) {
    const w = l.trim().split(/\s+/).map(Number);
    if (w.length === 2 && w.every(Number.isFinite)) {
      y.push(w[0]);
      x.push(w[1]);
    }
  }
  return { x, y, dy: 0.1 };
}

/** hpcfit problems for the same data. */
export async function problems() {
  const { Curve, PoissonCurve, FitProblem } = await import(`${root}dist/index.js`);
  const line = () => {
    const M = new Curve((x, m = 1, b = 0) => m * x + b, LINE.x, LINE.y, LINE.dy);
    M.m.range(0, 4);
    M.b.range(-5, 5);
    return new FitProblem(M);
  };
  const peak = () => {
    const d = peakData();
    const M = new Curve(
      (x, A = 2, mu = 0, sigma = 1, bg = 0) => A * Math.exp(-0.5 * ((x - mu) / sigma) ** 2) + bg,
      d.x,
      d.y,
      d.dy,
    );
    M.A.range(0, 10);
    M.mu.range(-2, 2);
    M.sigma.range(0.1, 3);
    M.bg.range(-1, 2);
    return new FitProblem(M);
  };
  const poisson = () => {
    const d = poissonData();
    const M = new PoissonCurve((x, A = 50, tau = 2, bg = 1) => A * Math.exp(-x / tau) + bg, d.x, d.y);
    M.A.range(1, 500);
    M.tau.range(0.1, 20);
    M.bg.range(0, 20);
    return new FitProblem(M);
  };
  const misra = () => {
    const d = misra1a();
    const M = new Curve(
      (x, b1 = 238.94212918, b2 = 5.5015643181e-4) => b1 * (1 - Math.exp(-b2 * x)),
      d.x,
      d.y,
      d.x.map(() => d.dy),
    );
    M.b1.range(100, 400);
    M.b2.range(1e-4, 1e-3);
    return new FitProblem(M);
  };
  return { line, peak, poisson, misra };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const data = { peak: peakData, poisson: poissonData, misra1a }[process.argv[2]];
  if (!data) throw new Error("usage: node bench/mcmc-problems.mjs peak|poisson|misra1a");
  process.stdout.write(JSON.stringify(data()));
}
