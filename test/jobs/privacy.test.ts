// The data directory and its databases are the user's alone, and job records keep no environment.
import Database from "better-sqlite3";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { jobs } from "hpcfit";
import { HistoryStore } from "../../kernel/history/history-store.js";
import { JobStore } from "../../jobs/store.js";
import { freshDirs } from "./support.js";

const mode = (path: string): number => statSync(path).mode & 0o777;
const oldUmask = process.umask(0o022);
afterAll(() => void process.umask(oldUmask));

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

test("a new data directory is 0700 and jobs.sqlite, history.sqlite and their WAL files are 0600", () => {
  const dir = join(mkdtempSync(join(tmpdir(), "hpcfit-private-")), "data");
  const store = JobStore.open(dir);
  store.put("local", "c", []);
  expect(mode(dir)).toBe(0o700);
  for (const f of ["jobs.sqlite", "jobs.sqlite-wal", "jobs.sqlite-shm"]) expect(mode(join(dir, f)), f).toBe(0o600);
  const history = new HistoryStore(dir);
  history.add(1, "const token = 'secret'");
  for (const f of ["history.sqlite", "history.sqlite-wal", "history.sqlite-shm"]) expect(mode(join(dir, f)), f).toBe(0o600);
});

test("an existing data directory and databases that are readable by others are narrowed on open", () => {
  const dir = join(mkdtempSync(join(tmpdir(), "hpcfit-private-")), "data");
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  for (const name of ["jobs.sqlite", "history.sqlite"]) {
    const db = new Database(join(dir, name));
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE IF NOT EXISTS t (x)");
    db.close();
    chmodSync(join(dir, name), 0o644);
  }
  expect(mode(join(dir, "jobs.sqlite"))).toBe(0o644);
  JobStore.open(dir);
  new HistoryStore(dir);
  expect(mode(dir)).toBe(0o700);
  expect(mode(join(dir, "jobs.sqlite"))).toBe(0o600);
  expect(mode(join(dir, "history.sqlite"))).toBe(0o600);
});

test("a job's record holds none of the submitter's environment; the job still gets it", async () => {
  const { data } = freshDirs();
  process.env.HPCFIT_LOCAL_CPUS = "2";
  process.env.HPCFIT_TEST_TOKEN = "tok-3f9a1c-do-not-store";
  try {
    jobs.useBackend("local");
    const held = await jobs.submit({
      args: ["-J", "env", "--hold", "--wrap", 'echo "token=$HPCFIT_TEST_TOKEN job=$SLURM_JOB_ID"'],
    });
    const pendingFiles = filesUnder(data).filter((f) => readFileSync(f).includes("tok-3f9a1c"));
    // While it waits, the environment is only in the job's private spool file.
    expect(pendingFiles.map((f) => f.slice(data.length))).toEqual([`/local-jobs/${held.id}/environment`]);
    expect(mode(pendingFiles[0])).toBe(0o600);
    expect(mode(join(data, "local-jobs", held.id))).toBe(0o700);
    await jobs.release([held.id]);
    const [done] = await jobs.wait([held.id], { pollMs: 100, live: false });
    expect(done.state).toBe("COMPLETED");
    expect(await done.output()).toBe(`token=tok-3f9a1c-do-not-store job=${held.id}\n`);
    // Once it started, no file of the data directory holds any of it (the database included).
    expect(filesUnder(data).filter((f) => readFileSync(f).includes("tok-3f9a1c"))).toEqual([]);
    const local = JSON.parse(
      (
        new Database(join(data, "jobs.sqlite"), { readonly: true })
          .prepare("SELECT local FROM job_records WHERE display_id = ?")
          .get(held.id) as { local: string }
      ).local,
    ) as Record<string, unknown>;
    expect(local.env).toBeUndefined();
    expect(Object.keys(local.jobEnv as object).every((k) => k.startsWith("SLURM"))).toBe(true);
    expect(local.exported).toEqual([]);
    expect(mode(join(data, "local-scheduler.log"))).toBe(0o600);

    // A pending job cancelled before it started leaves no environment behind either.
    const never = await jobs.submit({ args: ["--hold", "--export=HPCFIT_TEST_TOKEN", "--wrap", "true"] });
    expect(existsSync(join(data, "local-jobs", never.id, "environment"))).toBe(true);
    await jobs.cancel([never.id]);
    expect(existsSync(join(data, "local-jobs", never.id, "environment"))).toBe(false);
    expect(filesUnder(data).filter((f) => readFileSync(f).includes("tok-3f9a1c"))).toEqual([]);
  } finally {
    delete process.env.HPCFIT_TEST_TOKEN;
  }
});
