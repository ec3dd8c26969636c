#!/usr/bin/env node
// Opens JupyterLab from the project's .venv on examples/, with the hpcfit kernel and extension
// that setup.mjs installed there. Extra arguments go to `jupyter lab` (e.g. `npm start -- --no-browser`).
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const venvBin = join(root, ".venv", "bin");
const env = { ...process.env, PATH: `${venvBin}:${process.env.PATH ?? ""}`, VIRTUAL_ENV: join(root, ".venv") };
// JupyterLab refuses to run as root unless told; on this kind of machine everyone is root.
const asRoot = process.getuid?.() === 0 ? ["--allow-root"] : [];
const lab = spawn(
  join(venvBin, "jupyter"),
  ["lab", `--notebook-dir=${join(root, "examples")}`, ...asRoot, ...process.argv.slice(2)],
  {
    stdio: "inherit",
    env,
  },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => lab.kill(signal));
lab.on("exit", (code) => process.exit(code ?? 0));
