#!/usr/bin/env node
// Brings a fresh clone to a working state; `npm start` and `npm test` both call it first.
// Every step is idempotent and skipped when its inputs have not changed since it last ran
// (a stamp under .setup/ records a hash of the inputs), so a second run takes a second.
//
//   node scripts/setup.mjs --for=start   npm deps, .venv with JupyterLab, build, kernelspec, extension
//   node scripts/setup.mjs --for=test    the same, plus what tests need from Debian (Slurm, munge, PostgreSQL, Chromium)
//
// With CI=true nothing is optional: a component that cannot be installed fails the run.
// Plain Node only: this runs before node_modules exists.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const purpose = (process.argv.find((a) => a.startsWith("--for=")) ?? "--for=start").slice(6);
const inCI = process.env.CI === "true" || process.env.CI === "1";
const stampDir = join(root, ".setup");
const venv = join(root, ".venv");
const venvBin = join(venv, "bin");

/**
 * Debian packages the tests start for real: a private Slurm cluster, a PostgreSQL server and a
 * browser. A package is present when its command is on PATH, or for PostgreSQL (whose server
 * programs are not on PATH) when some /usr/lib/postgresql/<version>/bin holds initdb and pg_ctl.
 */
const DEBIAN_FOR_TESTS = [
  { command: "slurmctld", pkg: "slurm-wlm" },
  { command: "slurmd", pkg: "slurm-wlm" },
  { command: "munged", pkg: "munge" },
  { command: "chromium", pkg: "chromium" },
  { present: postgresServerInstalled, pkg: "postgresql" },
];

function log(message) {
  process.stderr.write(`[setup] ${message}\n`);
}

function run(cmd, args, options = {}) {
  log(`${cmd} ${args.join(" ")}`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...options });
  if (result.error) throw new Error(`${cmd} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${result.status}`);
}

function which(command) {
  const r = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Hash of files and folders (recursively, skipping generated folders). */
function hashInputs(paths) {
  const h = createHash("sha256");
  const visit = (p) => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (["node_modules", "lib", "dist", "hpcfit_labextension", ".ipynb_checkpoints"].includes(name)) continue;
        visit(join(p, name));
      }
    } else {
      h.update(p);
      h.update(readFileSync(p));
    }
  };
  for (const p of paths) visit(join(root, p));
  return h.digest("hex");
}

/**
 * Runs `action` unless the stamp named `name` already records the same input hash and what the
 * step makes (`output`, a path under the project) still exists.
 */
function step(name, inputs, action, output) {
  mkdirSync(stampDir, { recursive: true });
  const stamp = join(stampDir, name);
  const key = hashInputs(inputs);
  const made = output === undefined || existsSync(join(root, output));
  if (made && existsSync(stamp) && readFileSync(stamp, "utf8") === key) return;
  action();
  writeFileSync(stamp, key);
}

function postgresServerInstalled() {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return false;
  return readdirSync(base).some((v) => existsSync(join(base, v, "bin", "initdb")) && existsSync(join(base, v, "bin", "pg_ctl")));
}

function installDebian() {
  const present = (d) => (d.present ? d.present() : which(d.command) !== null);
  const missing = [...new Set(DEBIAN_FOR_TESTS.filter((d) => !present(d)).map((d) => d.pkg))];
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    const message = `missing Debian packages ${missing.join(", ")} and not root to install them`;
    if (inCI) throw new Error(message);
    log(`${message}; tests that need them will fail`);
    return;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  run("apt-get", ["update", "-qq"], { env });
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { env });
}

function main() {
  if (purpose === "test") installDebian();

  step(
    "npm",
    ["package.json", "package-lock.json"],
    () => {
      // A fresh clone installs exactly the committed lockfile and never rewrites it.
      const fresh = existsSync(join(root, "package-lock.json")) && !existsSync(join(root, "node_modules"));
      run("npm", [fresh ? "ci" : "install", "--no-audit", "--no-fund"]);
    },
    "node_modules",
  );

  step(
    "venv",
    ["requirements.txt"],
    () => {
      if (!existsSync(join(venvBin, "python"))) run("python3", ["-m", "venv", venv]);
      run(join(venvBin, "python"), ["-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", "requirements.txt"]);
      // .venv sits inside this "type": "module" package; without a package.json of its own, Node
      // would load the JavaScript that Python packages ship (JupyterLab's yarn) as ES modules.
      writeFileSync(join(venv, "package.json"), '{ "type": "commonjs" }\n');
    },
    ".venv/package.json",
  );

  // The compiler's own list of sources, so that a new source folder cannot be missed here.
  const sources = JSON.parse(readFileSync(join(root, "tsconfig.json"), "utf8")).include;
  step(
    "build",
    ["package.json", "tsconfig.json", ...sources],
    () => {
      run(join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"]);
    },
    "dist/cli/main.js",
  );

  // The kernelspec and the extension go into .venv, never into the user's own Jupyter.
  step(
    "kernelspec",
    ["dist/cli/main.js", "kernel/logos"],
    () => {
      run(process.execPath, [join(root, "dist", "cli", "main.js"), "install", "--prefix", venv]);
    },
    ".venv/share/jupyter/kernels/hpcfit/kernel.json",
  );

  if (existsSync(join(root, "labextension", "package.json"))) {
    step(
      "labextension",
      ["labextension/package.json", "labextension/src", "labextension/style", "labextension/schema", "schema"],
      () => {
        run(process.execPath, [join(root, "labextension", "scripts", "build.mjs")]);
      },
      ".venv/share/jupyter/labextensions/hpcfit-labextension/package.json",
    );
  }
}

try {
  main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
