#!/usr/bin/env node
// Speed of hpcfit's `lm` on the 27 NIST StRD problems from both starting points, side by side in
// one run with scipy's least_squares(method="lm") and lmfit's minimize(method="leastsq") (the
// anchor, bench/nist_anchor.py, run as a subprocess with .venv/bin/python). All three start from
// the certified start points with default options; each time is the median of repeated fits (at
// least 5 and at least 50 ms in all, after one untimed warm-up fit) of the fit call alone. Evaluations: every
// call of hpcfit's residual function and of its nllf during fit() (counted by wrapping them; each
// evaluates the model once: finite-difference Jacobians, line-search trials, the error bars'
// Jacobian when lm's last one cannot serve, the residuals at the start, which fit() checks and lm
// takes as its first evaluation, and the result's nllf at the optimum where the problem cannot read it
// off lm's last residuals, which the NIST curves' can), next to fit()'s own count
// of the method's evaluations;
// scipy's "lm" and lmfit's leastsq count every
// residual call, finite differences included (the anchor counts calls of the residual function
// itself, because scipy's own res.nfev leaves out the finite-difference calls).
//
//   node bench/nist-speed.mjs            print the table
//   node bench/nist-speed.mjs --write    also replace this script's section of bench/RESULTS.md
//   node bench/nist-speed.mjs Misra1a    only the problems named
// Run after the build (`npx tsc -p tsconfig.json`). scipy and lmfit (bench/requirements.txt)
// are installed into .venv when missing.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { python, root, writeSection } from "./common.mjs";
import { nistBench, nistDir, nistIndex, runPythonAnchor } from "./nist-common.mjs";

const { write, only } = nistBench("nist-speed", ["scipy", "lmfit"]);
const { fit, levenbergMarquardt } = await import(`${root}dist/index.js`);
const { parseNist, nistProblem } = await import(`${root}dist/nist/index.js`);
const names = nistIndex(only).map((r) => r[0]);

// The anchor runs first, alone, so the two never compete for the two cores.
const anchor = await runAnchor(names);

const rows = [];
const failures = [];
for (const name of names) {
  const data = parseNist(readFileSync(`${nistDir}/${name}.dat`, "utf8"), name);
  for (const start of [1, 2]) {
    const times = [];
    let total = 0;
    // Where lm's own evaluations go, from the run's record (the same run as fit()'s).
    const { spent } = await levenbergMarquardt(nistProblem(data, start));
    const breakdown = `${spent.forward} / ${spent.central} / ${spent.trials + spent.lineSearch + spent.walls}`;
    // Warm-up (JIT), untimed; it also counts every residual call of one fit.
    const counted = nistProblem(data, start);
    let calls = 0;
    const residuals = counted.residuals.bind(counted);
    counted.residuals = (x, out) => {
      calls++;
      return residuals(x, out);
    };
    // fit() would check the start with the nllf were the start's residuals not finite, and a result whose problem cannot read the nllf at the optimum off lm's residuals evaluates it there: each evaluates the model.
    const nllf = counted.nllf.bind(counted);
    counted.nllf = (x) => {
      calls++;
      return nllf(x);
    };
    let result = await fit(counted, { method: "lm" });
    while (times.length < 5 || total < 50) {
      const problem = nistProblem(data, start);
      const t0 = performance.now();
      result = await fit(problem, { method: "lm" });
      const dt = performance.now() - t0;
      times.push(dt);
      total += dt;
      if (times.length >= 1000) break;
    }
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)];
    const rss = result.chisq * result.dof;
    // An anchor that raised on this problem has no time: it counts as failed, hpcfit as faster.
    const ok = (r) => (r && r.error === undefined ? r : undefined);
    const scipy = ok(anchor.get(`${name}/${start}/scipy`));
    const lmfit = ok(anchor.get(`${name}/${start}/lmfit`));
    for (const tool of ["scipy", "lmfit"]) {
      const r = anchor.get(`${name}/${start}/${tool}`);
      if (r?.error) failures.push(`${tool} on ${name} start ${start}: ${r.error}`);
    }
    rows.push({
      name,
      start,
      ms,
      nfev: calls,
      methodEvals: result.evaluations,
      breakdown,
      rss,
      certified: data.rss,
      x: Array.from(result.x),
      certifiedX: data.certified,
      scipy,
      lmfit,
    });
  }
}

const fmt = (v) => (v === undefined ? "fail" : v < 0.1 ? v.toFixed(3) : v < 10 ? v.toFixed(2) : v.toFixed(1));
const rssDigits = (rss, cert) => {
  if (!Number.isFinite(rss)) return "—";
  if (cert < 1e-20) return rss < 1e-20 ? "ok" : "0"; // Lanczos1: below double precision, compare absolutely
  const d = -Math.log10(Math.abs(rss - cert) / cert);
  return d > 15 || !Number.isFinite(d) ? "15" : d.toFixed(1);
};
// Digits of agreement of fitted values with the certified ones (the least over the parameters).
const valueDigits = (x, certified) => {
  if (!x) return undefined;
  let least = 15;
  for (let j = 0; j < certified.length; j++) {
    const rel = Math.abs(x[j] - certified[j]) / Math.abs(certified[j]);
    least = Math.min(least, rel === 0 ? 15 : Number.isFinite(rel) ? -Math.log10(rel) : 0);
  }
  return least;
};
const digitText = (d) => (d === undefined ? "—" : d.toFixed(1));
const lines = [];
lines.push(
  "| problem | start | hpcfit lm ms | scipy lm ms | lmfit ms | hpcfit calls (lm's own) | lm's forward J / central J / steps | scipy calls | lmfit calls | RSS digits hpcfit / scipy / lmfit | value digits hpcfit / scipy / lmfit | hpcfit faster than both |",
);
lines.push("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |");
let fewerThanScipy = 0;
let faster = 0;
let fasterThanCorrect = 0;
let fewer = 0;
// An anchor "reached the minimum" when its RSS agrees with the certified one to 6 digits (as
// hpcfit's does on every run); being quick to a wrong answer is not counted against hpcfit.
const reached = (a, r) =>
  a !== undefined &&
  (() => {
    const d = rssDigits(a.rss, r.certified);
    return d === "ok" || Number(d) >= 6;
  })();
for (const r of rows) {
  const win = (!r.scipy || r.ms < r.scipy.ms) && (!r.lmfit || r.ms < r.lmfit.ms);
  if (win) faster++;
  if ((!reached(r.scipy, r) || r.ms < r.scipy.ms) && (!reached(r.lmfit, r) || r.ms < r.lmfit.ms)) fasterThanCorrect++;
  if ((!r.scipy || r.nfev <= r.scipy.nfev) && (!r.lmfit || r.nfev <= r.lmfit.nfev)) fewer++;
  if (!r.scipy || r.nfev <= r.scipy.nfev) fewerThanScipy++;
  lines.push(
    `| ${r.name} | ${r.start} | ${fmt(r.ms)} | ${fmt(r.scipy?.ms)} | ${fmt(r.lmfit?.ms)} | ${r.nfev} (${r.methodEvals}) | ${r.breakdown} | ${r.scipy?.nfev ?? "—"} | ${r.lmfit?.nfev ?? "—"} | ` +
      `${rssDigits(r.rss, r.certified)} / ${rssDigits(r.scipy?.rss, r.certified)} / ${rssDigits(r.lmfit?.rss, r.certified)} | ` +
      `${digitText(valueDigits(r.x, r.certifiedX))} / ${digitText(valueDigits(r.scipy?.x, r.certifiedX))} / ${digitText(valueDigits(r.lmfit?.x, r.certifiedX))} | ${win ? "yes" : "no"} |`,
  );
}
const reachedScipy = rows.filter((r) => reached(r.scipy, r));
// The accuracy hpcfit's fits are held to (bench/nist-accuracy.mjs): values to 6 digits.
const accurateScipy = rows.filter((r) => (valueDigits(r.scipy?.x, r.certifiedX) ?? 0) >= 6);
const sum = (f) => rows.reduce((s, r) => s + (f(r) ?? 0), 0);
const summary =
  `hpcfit faster than both anchors on ${faster} of ${rows.length} runs, and faster than every anchor that reached the certified minimum (RSS to 6 digits) on ${fasterThanCorrect} of ${rows.length}; ` +
  `no more calls (model evaluations) than both on ${fewer} of ${rows.length}, than scipy's MINPACK on ${fewerThanScipy} (an anchor that failed counts as beaten). ` +
  `Sum of median times: hpcfit ${sum((r) => r.ms).toFixed(1)} ms, scipy ${sum((r) => r.scipy?.ms).toFixed(1)} ms, lmfit ${sum((r) => r.lmfit?.ms).toFixed(1)} ms. ` +
  `Summed calls: hpcfit ${sum((r) => r.nfev)}, scipy ${sum((r) => r.scipy?.nfev)}, lmfit ${sum((r) => r.lmfit?.nfev)}. ` +
  (rows.length === 54
    ? `Target, no more calls than MINPACK on at least 45 of the 54 runs: ${fewerThanScipy >= 45 ? "met" : "not met"} (${fewerThanScipy}); `
    : "") +
  `${rows.length === 54 ? "on" : "On"} the ${reachedScipy.length} runs where MINPACK reached the certified RSS to 6 digits, no more calls than it on ${reachedScipy.filter((r) => r.nfev <= r.scipy.nfev).length}; ` +
  `on the ${accurateScipy.length} runs where MINPACK's values reached 6 digits (as hpcfit's must on every run), no more calls than it on ${accurateScipy.filter((r) => r.nfev <= r.scipy.nfev).length}.`;
const table = lines.join("\n");
const failureText = failures.length ? `Anchor failures: ${failures.join("; ")}.` : "No anchor failed.";
console.log(table);
console.log(`\n${summary}\n${failureText}`);

if (write) {
  const load = loadavg()[0].toFixed(1);
  const versions = execFileSync(
    python,
    [
      "-c",
      "import sys, scipy, lmfit, numpy; print(sys.version.split()[0], scipy.__version__, lmfit.__version__, numpy.__version__)",
    ],
    { encoding: "utf8" },
  )
    .trim()
    .split(" ");
  const cpu = cpus();
  const machine =
    `${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} logical CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
    `${platform()} ${release()}, Node ${process.version}, Python ${versions[0]}, scipy ${versions[1]}, lmfit ${versions[2]}, numpy ${versions[3]}; 1-minute load average at the end of the run ${load} (the machine is shared with other engineers' builds and tests)`;
  const heading = '## NIST StRD speed: hpcfit lm vs scipy least_squares(method="lm") and lmfit leastsq';
  const section = [
    `Generated by \`node bench/nist-speed.mjs --write\` on ${new Date().toISOString().slice(0, 10)}. Machine: ${machine}.`,
    "",
    "Same start points (NIST start 1 and 2), default options, one run; times are medians of repeated",
    "fits (ms per fit). hpcfit's time includes building the FitResult (covariance from lm's last",
    "Jacobian, forward or central, when taken within 1e-5 of the optimum, else one more of its kind there);",
    "scipy's least_squares computes no covariance but evaluates a forward-difference Jacobian at the end",
    "(counted in its calls); lmfit computes a covariance from MINPACK's Jacobian. Calls: every call of the",
    "residual function during the fit, counted the same way on all three sides by wrapping it",
    "(finite-difference Jacobians included: scipy's own nfev omits them; scipy's include least_squares' own",
    "evaluation at the start); hpcfit's include its error bars' Jacobian when lm's last one cannot serve (the",
    "result's chisq and nllf are read off lm's last residuals, a NIST curve's nllf being half their sum of",
    "squares; the start's residuals, which fit() checks, are lm's first evaluation); in brackets, lm's own count (fit()'s",
    "`evaluations`), and where it went: forward- and",
    "central-difference Jacobians' evaluations, and trial points of steps (line-search points included); the",
    'rest is the start point. "RSS digits":',
    "agreement of the final residual sum of squares with the certified one (Lanczos1: below 1e-20 = ok);",
    '"value digits": that of the fitted values with the certified ones, the least over the parameters',
    "(hpcfit's Lanczos1 runs here use double residuals; bench/nist-accuracy.mjs has the precise ones).",
    "",
    summary,
    "",
    failureText,
    "",
    table,
  ].join("\n");
  writeSection(heading, section);
  console.log(`\nwrote ${root}bench/RESULTS.md`);
}

/** Runs the Python anchor and returns its results keyed by "name/start/tool". */
function runAnchor(problemNames) {
  return runPythonAnchor("nist_anchor.py", [nistDir, ...problemNames], (r) => `${r.name}/${r.start}/${r.tool}`);
}
