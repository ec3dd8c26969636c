/** The Slurm kernelspec's settings: what `hpcfit install --slurm NAME ...` accepts, refuses and writes. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSettings, settingsFromInstall } from "../../remote-kernel/settings.js";
import { KernelJobDirectory } from "../../remote-kernel/job-directory.js";
import { ROOT } from "../support/kernel-client.js";

describe("Slurm kernel settings", () => {
  it("turns the install options into sbatch options and limits", () => {
    const s = settingsFromInstall({
      name: "debug",
      flags: { partition: "short", time: "30", "cpus-per-task": "4", mem: "8G" },
      extra: "--exclusive --constraint='a&b'",
      waitLimit: "2:00",
      warnBefore: "15",
    });
    expect(s.sbatch).toEqual([
      "--partition=short",
      "--time=30",
      "--cpus-per-task=4",
      "--mem=8G",
      "--exclusive",
      "--constraint=a&b",
    ]);
    expect(s.waitLimitSeconds).toBe(120);
    expect(s.warnBeforeSeconds).toBe(900);
    expect(s.leaseSeconds).toBe(120);
  });

  it("refuses bad names, bad times, unknown sbatch options and the options the proxy sets itself", () => {
    expect(() => settingsFromInstall({ name: "a b", flags: {} })).toThrow(/--slurm NAME must be letters/);
    expect(() => settingsFromInstall({ name: "x", flags: {}, waitLimit: "soon" })).toThrow(/--wait-limit must be minutes/);
    expect(() => settingsFromInstall({ name: "x", flags: {}, extra: "--frobnicate" })).toThrow(/frobnicate/);
    expect(() => settingsFromInstall({ name: "x", flags: {}, extra: "--output=out.txt" })).toThrow(/sets its own name, output/);
    expect(() => settingsFromInstall({ name: "x", flags: {}, leaseSeconds: "3" })).toThrow(/--lease must be/);
    expect(() => settingsFromInstall({ name: "x", flags: { time: "1:2:3:4" } })).toThrow(/time/);
  });

  it("installs a kernelspec whose argv starts the proxy, and refuses sbatch options without --slurm", () => {
    const prefix = mkdtempSync(join(tmpdir(), "hpcfit-slurm-settings-"));
    try {
      const cli = join(ROOT, "dist", "cli", "main.js");
      const ok = spawnSync(process.execPath, [cli, "install", "--prefix", prefix, "--slurm", "Long", "--time", "2:00:00"], {
        encoding: "utf8",
      });
      expect(ok.status, ok.stderr).toBe(0);
      const dir = join(prefix, "share", "jupyter", "kernels", "hpcfit-slurm-long");
      const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8")) as Record<string, unknown>;
      expect(spec.display_name).toBe("HPCFit on Slurm (Long)");
      expect(spec.interrupt_mode).toBe("message");
      expect((spec.argv as string[]).slice(2)).toEqual([
        "slurm-kernel",
        "proxy",
        "-f",
        "{connection_file}",
        "--spec",
        "{resource_dir}",
      ]);
      expect(readSettings(dir).sbatch).toEqual(["--time=2:00:00"]);
      const bad = spawnSync(process.execPath, [cli, "install", "--prefix", prefix, "--time", "5"], { encoding: "utf8" });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/--time is an option of a Slurm kernel: add --slurm NAME/);
      writeFileSync(join(dir, "slurm.json"), "{}");
      expect(() => readSettings(dir)).toThrow(/not a Slurm kernel's settings file/);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  it("keeps the session key in a file only its user can read, and refuses a wider one", () => {
    const data = mkdtempSync(join(tmpdir(), "hpcfit-slurm-keys-"));
    try {
      const dir = KernelJobDirectory.forConnection("t", "/run/kernel-1.json", { HPCFIT_DATA_DIR: data });
      expect(KernelJobDirectory.forConnection("t", "/run/kernel-1.json", { HPCFIT_DATA_DIR: data }).dir).toBe(dir.dir);
      expect(KernelJobDirectory.forConnection("t", "/run/kernel-2.json", { HPCFIT_DATA_DIR: data }).dir).not.toBe(dir.dir);
      dir.writeKey("secret", "hmac-sha256");
      expect(statSync(dir.keyFile).mode & 0o777).toBe(0o600);
      expect(statSync(dir.dir).mode & 0o777).toBe(0o700);
      expect(dir.readKey()).toEqual({ key: "secret", signature_scheme: "hmac-sha256" });
      spawnSync("chmod", ["644", dir.keyFile]);
      expect(() => dir.readKey()).toThrow(/readable by others/);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
