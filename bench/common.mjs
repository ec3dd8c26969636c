// What every benchmark script shares: the project's paths, the Python anchors in .venv (installed
// from bench/requirements.txt on first use), one line describing the machine, and replacing the
// script's own section of bench/RESULTS.md.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const python = `${root}.venv/bin/python`;
export const venvBin = `${root}.venv/bin`;

/** Makes sure .venv can import `modules`, installing bench/requirements.txt when it cannot. */
export function ensurePython(modules) {
  if (!existsSync(python)) throw new Error(".venv is missing: run `node scripts/setup.mjs --for=test` first");
  const probe = () => spawnSync(python, ["-c", `import ${modules.join(", ")}`], { stdio: "ignore" }).status === 0;
  if (!probe()) execFileSync(python, ["-m", "pip", "install", "-q", "-r", `${root}bench/requirements.txt`], { stdio: "inherit" });
  if (!probe()) throw new Error(`could not import ${modules.join(", ")} after installing bench/requirements.txt`);
}

/** Versions of Python packages in .venv, e.g. `{ papermill: "2.6.0" }`. */
export function pythonVersions(modules) {
  const code = `import sys, importlib.metadata as m; print(sys.version.split()[0]); [print(m.version(n)) for n in sys.argv[1:]]`;
  const [py, ...rest] = execFileSync(python, ["-c", code, ...modules])
    .toString()
    .trim()
    .split("\n");
  return { python: py, ...Object.fromEntries(modules.map((m, i) => [m, rest[i]])) };
}

/** One line describing this machine and the software compared, with the load while it ran. */
export function machine(versions = {}) {
  const c = cpus();
  const soft = Object.entries(versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return `${c.length} × ${c[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.versions.node}${soft ? `, ${soft}` : ""}; 1-min load average ${loadavg()[0].toFixed(1)} on ${c.length} CPUs when written`;
}

/** Replaces (or appends) the section starting with `heading` (a `## ` line) in bench/RESULTS.md. */
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

/** A scratch folder, removed when the process exits. */
export function scratch(name) {
  const dir = mkdtempSync(join(tmpdir(), `hpcfit-bench-${name}-`));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The median of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** `v` with `d` significant digits. */
export const sig = (v, d = 3) => (Number.isFinite(v) ? Number(v.toPrecision(d)).toString() : String(v));

/**
 * A jupyter_client bridge (test/support/jupyter_bridge.py) driven line by line: `call(cmd, args)`
 * resolves with the bridge's answer, `close()` ends it.
 */
export function kernelBridge() {
  const child = spawn(python, [join(root, "test", "support", "jupyter_bridge.py")], { stdio: ["pipe", "pipe", "inherit"] });
  const waiting = new Map();
  let next = 1;
  createInterface({ input: child.stdout }).on("line", (line) => {
    const a = JSON.parse(line);
    const w = waiting.get(a.id);
    waiting.delete(a.id);
    if (a.ok) w.resolve(a);
    else w.reject(new Error(a.error));
  });
  return {
    call(cmd, args = {}) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.stdin.write(JSON.stringify({ id, cmd, ...args }) + "\n");
      });
    },
    close() {
      child.stdin.end();
    },
  };
}
