#!/usr/bin/env node
// Agreement with bumps: DREAM in hpcfit and in bumps (PyPI) on the line fit, a Gaussian peak on a
// background and a Poisson decay; medians and 68% intervals side by side. `--write` updates RESULTS.md.
import { anchor, ensureAnchors, machine, root, sig, writeSection } from "./mcmc-common.mjs";
import { problems } from "./mcmc-problems.mjs";

const write = process.argv.includes("--write");
ensureAnchors();
const { fit } = await import(`${root}dist/index.js`);
const P = await problems();
const bumps = anchor("bumps_anchor.py", "agreement");
const lines = [
  `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}. Both: DREAM, 40 000 kept draws, burn-in 500 generations, pop 10.`,
  "",
  "| problem | parameter | hpcfit median | bumps median | hpcfit 68% interval | bumps 68% interval | Δmedian / σ |",
  "| --- | --- | ---: | ---: | --- | --- | ---: |",
];
let seed = 1;
for (const name of ["line", "peak", "poisson"]) {
  const r = await fit(P[name](), { method: "dream", samples: 40000, burn: 500, seed: seed++ });
  for (const s of r.samples.summary().stats) {
    const b = bumps[name][s.name];
    const sd = 0.5 * (s.p68[1] - s.p68[0]);
    lines.push(
      `| ${name} | ${s.name} | ${sig(s.median, 5)} | ${sig(b.median, 5)} | [${sig(s.p68[0], 5)}, ${sig(s.p68[1], 5)}] | ` +
        `[${sig(b.p68[0], 5)}, ${sig(b.p68[1], 5)}] | ${sig((s.median - b.median) / sd, 2)} |`,
    );
  }
}
const body = lines.join("\n");
console.log(body);
if (write) writeSection("## MCMC agreement with bumps — `bench/mcmc-agreement.mjs`", body);
