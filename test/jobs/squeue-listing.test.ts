// Listing Slurm jobs through squeue's delimited fields gives exactly the rows that squeue's JSON
// gives, for names and paths with spaces, `|`, quotes, unicode, newlines and the field separator
// itself, for pending, split and finished arrays, and for finished jobs; and Slurm is asked for
// the user's jobs only. On a private cluster, so that no other test's jobs change under the
// comparison and the controller's RPC counts are this file's own.
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { JobRow } from "../../schema/jobs.js";
import { SlurmBackend } from "../../jobs/slurm-backend.js";
import { JobStore } from "../../jobs/store.js";
import { startSlurmCluster, type SlurmCluster } from "../setup/slurm-cluster.js";

const run = promisify(execFile);
const me = userInfo().username;

let cluster: SlurmCluster;
let work = "";

async function slurm(command: string, args: string[], cwd = work): Promise<string> {
  const { stdout } = await run(command, args, { cwd, env: { ...process.env, SLURM_CONF: cluster.env.SLURM_CONF } });
  return stdout;
}

async function sbatch(args: string[], cwd = work): Promise<number> {
  return Number((await slurm("sbatch", ["--parsable", ...args], cwd)).trim().split(";")[0]);
}

/**
 * Puts a `squeue` first on PATH that appends its arguments (one JSON array a line) to a log and
 * then runs the real squeue; returns a reader of the calls since the last read.
 */
function recordSqueueCalls(): () => string[][] {
  const bin = mkdtempSync(join(tmpdir(), "hpcfit-squeue-bin-"));
  const log = join(bin, "calls.log");
  const real = execFileSync("sh", ["-c", "command -v squeue"], { encoding: "utf8" }).trim();
  writeFileSync(log, "");
  writeFileSync(
    join(bin, "squeue"),
    `#!/usr/bin/env node\nrequire("fs").appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + "\\n");\n` +
      `const r = require("child_process").spawnSync(${JSON.stringify(real)}, process.argv.slice(2), { stdio: "inherit" });\nprocess.exit(r.status ?? 1);\n`,
    { mode: 0o755 },
  );
  process.env.PATH = `${bin}:${process.env.PATH}`;
  let seen = 0;
  return () => {
    const lines = readFileSync(log, "utf8")
      .split("\n")
      .filter((l) => l !== "");
    const calls = lines.slice(seen).map((l) => JSON.parse(l) as string[]);
    seen = lines.length;
    return calls;
  };
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const byId = (rows: JobRow[]): JobRow[] =>
  [...rows].sort((a, b) => a.jobId - b.jobId || (a.arrayTaskId ?? -1) - (b.arrayTaskId ?? -1));

describe("listing through squeue's fields", () => {
  let store: JobStore;
  const tricky = [
    "two words",
    "pipe|in|name",
    `quotes "double" and 'single'`,
    "unicode ü 名前 🚀",
    "trailing space ",
    "line\nbreak",
    "unit\x1fseparator",
    "percent %j %x %%",
  ];

  beforeAll(async () => {
    cluster = await startSlurmCluster({ nodes: 1, cpusPerNode: 2 });
    process.env.SLURM_CONF = cluster.env.SLURM_CONF;
    store = JobStore.open(mkdtempSync(join(tmpdir(), "hpcfit-squeue-records-")));
    work = mkdtempSync(join(tmpdir(), "hpcfit-squeue-"));
    const odd = join(work, "dir with space|pipe 'q' ü");
    mkdirSync(odd);
    for (const name of tricky) await sbatch(["--hold", "-J", name, "--wrap", "true"], odd);
    await sbatch(
      ["--hold", "-J", "out pattern", "-o", "o %j %x|%u.txt", "-e", "e_%A_%a.err", "-t", "1-02:03:04", "--wrap", "true"],
      odd,
    );
    await sbatch(["--hold", "-J", "pending array", "--array=3-5", "-o", "arr_%A_%a.out", "-t", "30", "--wrap", "true"], odd);
    await sbatch(["--hold", "-J", "stepped array", "--array=0-12:4%2", "--wrap", "true"]);
    await sbatch(["--hold", "-J", "default output array", "--array=1,7", "-n", "2", "--wrap", "true"]);
    // Finished: an exit status, a split array whose tasks all ended, a job killed by a signal.
    const failed = await sbatch(["-J", "exit 3", "--wrap", "exit 3"]);
    const split = await sbatch(["-J", "split array", "--array=1-2", "-o", "split_%A_%a", "--wrap", "true"]);
    const killed = await sbatch(["-J", "killed", "--wrap", "kill -9 $$"]);
    await until("the short jobs end", async () => {
      const states = (await slurm("squeue", ["-h", "-t", "all", "-j", `${failed},${split},${killed}`, "-o", "%T"]))
        .trim()
        .split("\n");
      return states.length === 4 && states.every((s) => ["COMPLETED", "FAILED"].includes(s));
    });
    // Another user's job, which a listing of this user's jobs must not ask for.
    await sbatch(["--uid=nobody", "--hold", "-J", "foreign", "-D", "/tmp", "-o", "/dev/null", "--wrap", "true"]);
  });

  afterAll(async () => {
    await cluster?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("gives the same rows as squeue's JSON for tricky names, paths and arrays", async () => {
    const json = byId(await new SlurmBackend(store, { listing: "json" }).list({ states: "all", user: me }));
    const fields = byId(await new SlurmBackend(store, { listing: "fields" }).list({ states: "all", user: me }));
    // Every job this file submitted as this user, with the pending arrays as one row per task.
    expect(json.map((r) => r.name)).toEqual(expect.arrayContaining([...tricky, "pending array", "split array", "killed"]));
    expect(json.filter((r) => r.name === "pending array").map((r) => r.id)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\d+_3$/), expect.stringMatching(/^\d+_5$/)]),
    );
    expect(json.filter((r) => r.name === "stepped array").map((r) => r.arrayTaskId)).toEqual([0, 4, 8, 12]);
    expect(json.find((r) => r.name === "exit 3")).toMatchObject({ state: "FAILED", exitCode: 3 });
    expect(json.find((r) => r.name === "killed")).toMatchObject({ state: "FAILED", signal: 9 });
    expect(json.find((r) => r.name === "out pattern")!.stdout).toMatch(new RegExp(`/o \\d+ out pattern\\|${me}\\.txt$`));
    expect(json.every((r) => r.user === me)).toBe(true);
    expect(fields).toEqual(json);
  });

  test("everyone's jobs are the same both ways too", async () => {
    const json = byId(await new SlurmBackend(store, { listing: "json" }).list({ states: "all" }));
    const fields = byId(await new SlurmBackend(store, { listing: "fields" }).list({ states: "all" }));
    expect(json.some((r) => r.name === "foreign" && r.user === "nobody")).toBe(true);
    expect(fields).toEqual(json);
  });

  test("a user's listing asks squeue for that user's jobs, and for JSON only when a record cannot be split", async () => {
    const calls = recordSqueueCalls();
    const rows = await new SlurmBackend(store, { listing: "fields" }).list({ states: "all", user: me });
    expect(rows.some((r) => r.name === "foreign")).toBe(false);
    expect(rows.find((r) => r.name === "unit\x1fseparator")).toBeDefined();
    const mine = calls();
    // The user's jobs through -u, then the whole queue's JSON for the job whose name holds the separator.
    expect(mine).toHaveLength(2);
    expect(mine[0].slice(0, 4)).toEqual(["-t", "all", "-u", me]);
    expect(mine[0]).toContain("-O");
    expect(mine[1]).toEqual(["--json"]);

    // When no listed record needs it, no JSON at all.
    const theirs = await new SlurmBackend(store, { listing: "fields" }).list({ states: "all", user: "nobody" });
    expect(theirs.map((r) => r.name)).toEqual(["foreign"]);
    const others = calls();
    expect(others).toHaveLength(1);
    expect(others[0].slice(0, 4)).toEqual(["-t", "all", "-u", "nobody"]);
    expect(others[0]).not.toContain("--json");
  });
});
