/**
 * A notebook run keeps its kernel's connection file (which holds the signing key) in a private
 * runtime folder, and a run killed with SIGKILL leaves nothing behind for long: the next run
 * removes what it left.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { removeStaleRunDirs } from "../../notebooks/run-directory.js";
import { processes } from "../support/processes.js";
import { CLI, runCli, tempDir, writeTestNotebook } from "./support.js";

test("a killed run's folder is removed by the next run; run folders are private and outside the shared tmp", async () => {
  const dir = tempDir();
  const data = join(dir, "data");
  const env = { ...process.env, HPCFIT_DATA_DIR: data, XDG_RUNTIME_DIR: "" };
  const runtime = join(data, "runtime");
  const slow = writeTestNotebook(dir, "slow.ipynb", ["await new Promise((r) => setTimeout(r, 60_000))"]);
  const child = spawn(process.execPath, [CLI, "run", slow, join(dir, "slow-out.ipynb"), "--no-progress"], {
    env,
    stdio: "ignore",
  });
  const runDirs = (): string[] => (existsSync(runtime) ? readdirSync(runtime).filter((n) => n.startsWith("hpcfit-run-")) : []);
  await expect.poll(runDirs, { timeout: 60_000, interval: 200 }).toHaveLength(1);
  const killed = join(runtime, runDirs()[0]);
  expect(statSync(runtime).mode & 0o777).toBe(0o700);
  expect(readdirSync(killed).sort()).toEqual(["kernel.json", "owner.pid"]);
  expect(statSync(join(killed, "kernel.json")).mode & 0o777).toBe(0o600);
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  expect(existsSync(killed)).toBe(true);
  // Its kernel, orphaned, ends by itself.
  const kernelOfKilled = (): number => processes().filter((p) => p.cmdline.includes(join(killed, "kernel.json"))).length;
  await expect.poll(kernelOfKilled, { timeout: 20_000, interval: 200 }).toBe(0);

  // A folder an older version left in the shared tmp an hour and more ago goes too; a fresh one stays.
  const legacyOld = mkdtempSync(join(tmpdir(), "hpcfit-run-"));
  const legacyNew = mkdtempSync(join(tmpdir(), "hpcfit-run-"));
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  utimesSync(legacyOld, twoHoursAgo, twoHoursAgo);

  const quick = writeTestNotebook(dir, "quick.ipynb", ["1 + 1"]);
  const next = await runCli(["run", quick, join(dir, "quick-out.ipynb"), "--no-progress"], { env });
  expect(next.code).toBe(0);
  expect(existsSync(killed)).toBe(false);
  expect(existsSync(legacyOld)).toBe(false);
  expect(existsSync(legacyNew)).toBe(true);
  expect(runDirs()).toEqual([]);
  rmSync(legacyNew, { recursive: true });
});

test("a run folder whose owner file another run is still writing is left alone until it is an hour old", () => {
  const runtime = tempDir();
  const writing = mkdtempSync(join(runtime, "hpcfit-run-"));
  writeFileSync(join(writing, "owner.pid"), "");
  const abandoned = mkdtempSync(join(runtime, "hpcfit-run-"));
  writeFileSync(join(abandoned, "owner.pid"), "");
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  utimesSync(abandoned, twoHoursAgo, twoHoursAgo);

  expect(removeStaleRunDirs(runtime)).toEqual([abandoned]);
  expect(existsSync(writing)).toBe(true);
  rmSync(writing, { recursive: true });
});
