#!/usr/bin/env node
// Builds the JupyterLab extension and installs it into the project's .venv. Called by
// scripts/setup.mjs (npm start / npm test); safe to run by hand. Steps:
//   1. npm ci (fresh clone) or npm install inside labextension/ when node_modules is missing or
//      older than the lockfile or package.json;
//   2. tsc (src/ and the shared ../schema/ shapes) into lib/;
//   3. @jupyter/builder's build-labextension (rspack, module federation against JupyterLab's
//      core packages listed by @jupyterlab/core-meta) into hpcfit_labextension/;
//   4. install into <root>/.venv/share/jupyter/labextensions/hpcfit-labextension/ through
//      `hpcfit install --prefix` (cli/commands/install.ts), the one way the project installs it.
// Options: --no-install (stop after step 3), --prefix DIR (install elsewhere), --development.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const EXTENSION_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(EXTENSION_ROOT, "..");
const args = process.argv.slice(2);
const prefixArg = args.indexOf("--prefix");
const prefix = prefixArg >= 0 ? args[prefixArg + 1] : join(root, ".venv");

function log(message) {
  process.stderr.write(`[labextension] ${message}\n`);
}

function run(cmd, cmdArgs, cwd = EXTENSION_ROOT) {
  log(`${cmd} ${cmdArgs.join(" ")}`);
  const r = spawnSync(cmd, cmdArgs, { cwd, stdio: "inherit" });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(" ")} exited with ${r.status}`);
}

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function main() {
  const marker = join(EXTENSION_ROOT, "node_modules", ".package-lock.json");
  const lock = join(EXTENSION_ROOT, "package-lock.json");
  if (!existsSync(marker) || mtime(marker) < mtime(lock) || mtime(marker) < mtime(join(EXTENSION_ROOT, "package.json"))) {
    // A fresh clone installs exactly the committed lockfile and never rewrites it; an existing
    // install is brought up to date in place (the lockfile changes only if package.json did).
    const fresh = existsSync(lock) && !existsSync(join(EXTENSION_ROOT, "node_modules"));
    run("npm", [fresh ? "ci" : "install", "--no-audit", "--no-fund"]);
  }
  run(process.execPath, [join(EXTENSION_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"]);
  const builder = join(EXTENSION_ROOT, "node_modules", "@jupyter", "builder", "lib", "build-labextension.js");
  const core = join(EXTENSION_ROOT, "node_modules", "@jupyterlab", "core-meta", "core.package.json");
  const mode = args.includes("--development") ? ["--development"] : [];
  run(process.execPath, [builder, "--core-package-file", core, ...mode, "."]);
  const built = JSON.parse(readFileSync(join(EXTENSION_ROOT, "hpcfit_labextension", "package.json"), "utf8"));
  if (!built.jupyterlab?._build?.load) throw new Error("the builder wrote no jupyterlab._build.load: the build did not finish");
  if (args.includes("--no-install")) return;
  const cli = join(root, "dist", "cli", "main.js");
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build the package first (npx tsc -p tsconfig.json)`);
  run(process.execPath, [cli, "install", "--prefix", prefix], root);
}

try {
  main();
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
