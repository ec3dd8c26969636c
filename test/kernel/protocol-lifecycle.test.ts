// The kernel's life: install and discovery by Jupyter, history across a restart and across
// kernels, shutdown that exits cleanly, SIGINT sent straight to the process. Uses dist/.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PYTHON, ROOT, startKernel } from "../support/kernel-client.js";

const temps: string[] = [];
const temp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe("hpcfit install", () => {
  it("writes a kernelspec that `jupyter kernelspec list` shows", () => {
    const prefix = temp("hpcfit-install-");
    const install = spawnSync(process.execPath, [join(ROOT, "dist", "cli", "main.js"), "install", "--prefix", prefix], {
      encoding: "utf8",
    });
    expect(install.status, install.stderr).toBe(0);
    const dir = join(prefix, "share", "jupyter", "kernels", "hpcfit");
    const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8"));
    expect(spec).toMatchObject({ display_name: "HPCFit (TypeScript)", language: "typescript", interrupt_mode: "signal" });
    expect(spec.argv).toEqual([process.execPath, join(ROOT, "dist", "cli", "main.js"), "kernel", "-f", "{connection_file}"]);
    for (const logo of ["logo-32x32.png", "logo-64x64.png"]) {
      expect(readFileSync(join(dir, logo)).subarray(1, 4).toString()).toBe("PNG");
    }
    const list = spawnSync(PYTHON, ["-m", "jupyter", "kernelspec", "list", "--json"], {
      encoding: "utf8",
      env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter") },
    });
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).kernelspecs.hpcfit.resource_dir).toBe(dir);
  });

  it("refuses two targets at once and a bad connection file with clear errors", () => {
    const both = spawnSync(process.execPath, [join(ROOT, "dist", "cli", "main.js"), "install", "--user", "--prefix", "/tmp/x"], {
      encoding: "utf8",
    });
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/choose one of --user, --sys-prefix, --prefix DIR/);
    const missing = spawnSync(
      process.execPath,
      [join(ROOT, "dist", "cli", "main.js"), "kernel", "-f", "/nonexistent/conn.json"],
      { encoding: "utf8" },
    );
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read connection file \/nonexistent\/conn.json/);
  });
});

describe("kernel lifecycle", () => {
  it("keeps history across a restart and across kernels of the same user", async () => {
    const dataDir = temp("hpcfit-history-");
    const k = await startKernel({ env: { HPCFIT_DATA_DIR: dataDir } });
    try {
      await k.execute("const planet = 'Mars';");
      await k.execute("planet.length");
      const before = k.pid;
      await k.restart();
      expect(k.pid).not.toBe(before);
      // State is gone after a restart, history is not.
      expect((await k.execute("typeof planet")).result?.["text/plain"]).toMatch(/undefined/);
      const tail = await k.request("history_request", { hist_access_type: "tail", n: 3, output: false, raw: true });
      const sources = tail.reply!.content.history.map((e: [number, number, string]) => e[2]);
      expect(sources).toEqual(["const planet = 'Mars';", "planet.length", "typeof planet"]);
      const previous = await k.request("history_request", {
        hist_access_type: "range",
        session: -1,
        start: 1,
        stop: 0,
        output: true,
        raw: true,
      });
      expect(previous.reply!.content.history).toEqual([
        [expect.any(Number), 1, ["const planet = 'Mars';", null]],
        [expect.any(Number), 2, ["planet.length", "4"]],
      ]);
      const search = await k.request("history_request", {
        hist_access_type: "search",
        pattern: "*planet*",
        unique: true,
        n: 10,
        output: false,
        raw: true,
      });
      expect(search.reply!.content.history.map((e: [number, number, string]) => e[2])).toEqual([
        "const planet = 'Mars';",
        "planet.length",
        "typeof planet",
      ]);
      expect(existsSync(join(dataDir, "history.sqlite"))).toBe(true);
    } finally {
      await k.kill();
    }
  });

  it("survives SIGINT while idle and shuts down cleanly on shutdown_request", async () => {
    const k = await startKernel();
    try {
      await k.signal("SIGINT");
      expect(await k.alive()).toBe(true);
      expect((await k.execute("6*7")).result?.["text/plain"]).toBe("42");
      const id = await k.startExecute("const t = Date.now(); while (Date.now() - t < 20000) {}", { stopOnError: false });
      await new Promise((r) => setTimeout(r, 300));
      await k.signal("SIGINT");
      expect((await k.waitExecute(id, { timeout: 10 })).status).toBe("error");
      const down = await k.shutdown();
      expect(down.reply.content).toEqual({ status: "ok", restart: false });
      expect(down.exited).toBe(true);
      expect(down.exitCode).toBe(0);
    } finally {
      await k.kill();
    }
  });
});
