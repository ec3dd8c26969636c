/**
 * A kernel does not outlive the launcher that started it, even when the launcher died before the
 * kernel could read its parent (killed while the kernel was being spawned): the launcher names
 * itself in the kernel's environment, and the kernel, seeing that process gone, ends. A name that
 * belongs to a live process other than the parent keeps the kernel, and nothing the kernel starts
 * inherits it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { freeTcpConnection, KERNEL_LAUNCHER_ENV } from "../../jupyter/connection-file.js";
import { ROOT } from "../support/kernel-client.js";
import { environment, processes } from "../support/processes.js";

const started: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function kernelNamingLauncher(launcher: number): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), "hpcfit-launcher-"));
  dirs.push(dir);
  const file = join(dir, "kernel.json");
  writeFileSync(file, JSON.stringify(await freeTcpConnection("127.0.0.1", "k")), { mode: 0o600 });
  const kernel = spawn(process.execPath, [join(ROOT, "dist", "cli", "main.js"), "kernel", "-f", file], {
    env: { ...process.env, [KERNEL_LAUNCHER_ENV]: String(launcher) },
    stdio: "ignore",
  });
  started.push(kernel);
  return kernel;
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once("exit", resolve));

test("a kernel whose launcher is already gone ends by itself", async () => {
  const gone = spawnSync(process.execPath, ["-e", ""]).pid;
  const kernel = await kernelNamingLauncher(gone);
  await expect(exited(kernel)).resolves.toBe(0);
}, 30_000);

test("a kernel whose named launcher lives on stays, and its interpreter does not inherit the name", async () => {
  const other = spawn("sleep", ["60"], { stdio: "ignore" });
  started.push(other);
  const kernel = await kernelNamingLauncher(other.pid!);
  const interpreter = (): number | undefined =>
    processes().find((p) => p.ppid === kernel.pid && p.cmdline.includes("kernel-interpreter"))?.pid;
  await expect.poll(interpreter, { timeout: 20_000, interval: 100 }).toBeDefined();
  // Past several of the kernel's one-second parent checks.
  await new Promise((r) => setTimeout(r, 3000));
  expect(kernel.exitCode).toBeNull();
  const env = environment(interpreter()!);
  expect(env.some((v) => v.startsWith("PATH="))).toBe(true);
  expect(env.some((v) => v.startsWith(`${KERNEL_LAUNCHER_ENV}=`))).toBe(false);
  kernel.kill("SIGTERM");
  await expect(exited(kernel)).resolves.not.toBeUndefined();
}, 30_000);
