// Helpers shared by bench/mcmc-*.mjs: the Python anchors (installed into .venv on first use),
// the machine description, and replacing one's own section of bench/RESULTS.md.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
const python = `${root}.venv/bin/python`;

/** Installs bench/requirements.txt into .venv when bumps or emcee is missing. */
export function ensureAnchors() {
  if (!existsSync(python)) throw new Error(".venv is missing: run `node scripts/setup.mjs --for=test` first");
  const ok = spawnSync(python, ["-c", "import bumps, emcee"], { stdio: "ignore" }).status === 0;
  if (!ok) execFileSync(python, ["-m", "pip", "install", "-q", "-r", `${root}bench/requirements.txt`], { stdio: "inherit" });
}

/** Runs a Python anchor script in bench/ and parses its JSON output. */
export function anchor(script, mode) {
  const out = execFileSync(python, [`${root}bench/${script}`, mode], { cwd: `${root}bench`, maxBuffer: 64 << 20 });
  return JSON.parse(out.toString());
}

/** One line describing this machine. */
export function machine() {
  const c = cpus();
  const py = execFileSync(python, ["-c", "import sys, bumps, emcee, numpy; print(sys.version.split()[0], bumps.__version__, emcee.__version__, numpy.__version__)"]).toString().trim().split(" ");
  return `${c.length} × ${c[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.versions.node}, Python ${py[0]}, bumps ${py[1]}, emcee ${py[2]}, numpy ${py[3]}; other work was running on the machine at the same time (1-min load average ${loadavg()[0].toFixed(1)} on ${c.length} CPUs when this section was written)`;
}

/** Replaces (or appends) the section starting with `heading` in bench/RESULTS.md. */
export function writeSection(heading, body) {
  const path = `${root}bench/RESULTS.md`;
  const text = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmark results\n";
  const section = `${heading}\n\n${body.trim()}\n`;
  const start = text.indexOf(heading);
  let next;
  if (start >= 0) {
    const after = text.indexOf("\n## ", start + heading.length);
    next = text.slice(0, start) + section + (after >= 0 ? "\n" + text.slice(after + 1) : "");
  } else next = text.trimEnd() + "\n\n" + section;
  writeFileSync(path, next);
}

/** Formats a number with `d` significant digits. */
export const sig = (v, d = 3) => (Number.isFinite(v) ? Number(v.toPrecision(d)).toString() : String(v));
