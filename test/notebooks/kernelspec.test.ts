/**
 * `hpcfit run` finds kernels in the order JupyterLab in the same environment does: the active
 * environment's (or the project's `.venv`) before the user's `~/.local`, so that a stale user
 * install never shadows the kernel Lab shows.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { findKernelSpec, jupyterDataDirs } from "../../notebooks/kernelspec.js";
import { ROOT, tempDir } from "./support.js";

function kernelspec(dataDir: string, name: string, displayName: string): void {
  const dir = join(dataDir, "kernels", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "kernel.json"),
    JSON.stringify({ argv: ["true", "{connection_file}"], display_name: displayName, language: "typescript" }),
  );
}

test("the search order is the one Jupyter itself reports for the project's environment", () => {
  const env = {
    ...process.env,
    VIRTUAL_ENV: undefined,
    JUPYTER_PATH: undefined,
    JUPYTER_DATA_DIR: undefined,
  } as NodeJS.ProcessEnv;
  const jupyter = spawnSync(join(ROOT, ".venv", "bin", "jupyter"), ["--paths", "--json"], { env, encoding: "utf8" });
  expect(jupyter.status).toBe(0);
  expect(jupyterDataDirs(env)).toEqual((JSON.parse(jupyter.stdout) as { data: string[] }).data);
  expect(jupyterDataDirs(env)[0]).toBe(join(ROOT, ".venv", "share", "jupyter"));
});

test("an environment's kernel wins over the user's, and the user's over the system's", () => {
  const home = tempDir("hpcfit-kernelspec-");
  const venv = join(home, "env");
  const user = join(home, ".local", "share", "jupyter");
  kernelspec(user, "probe", "user");
  kernelspec(join(venv, "share", "jupyter"), "probe", "environment");
  kernelspec(user, "only-user", "user");
  // This environment has no jupyter of its own, so the documented order stands in for its answer.
  const env = { PATH: "/usr/bin:/bin", HOME: home, VIRTUAL_ENV: venv } as NodeJS.ProcessEnv;
  expect(jupyterDataDirs(env).slice(0, 2)).toEqual([join(venv, "share", "jupyter"), user]);
  expect(findKernelSpec("probe", env).displayName).toBe("environment");
  expect(findKernelSpec("only-user", env).displayName).toBe("user");
  expect(findKernelSpec("probe", { ...env, JUPYTER_PREFER_ENV_PATH: "0" }).displayName).toBe("user");
});
