// Local jobs outlive the process that submitted them, and their records stay true when the
// scheduler daemon itself is killed: another process (a restarted kernel, the CLI) sees them.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";
import { jobs } from "hpcfit";
import { JobStore } from "../../jobs/store.js";
import { ROOT } from "../support/kernel-client.js";
import { freshDirs } from "./support.js";

let dirs: { data: string; work: string };

beforeAll(() => {
  dirs = freshDirs();
  process.env.HPCFIT_LOCAL_CPUS = "2";
  jobs.useBackend("local");
});

/** Submits from a separate Node process (the built package), which exits right away. */
function submitFromAnotherProcess(args: string[]): string {
  const code = `const jobs = await import(${JSON.stringify(join(ROOT, "dist", "jobs", "index.js"))});
jobs.useBackend("local");
const job = await jobs.submit({ args: ${JSON.stringify(args)}, cwd: ${JSON.stringify(dirs.work)} });
process.stdout.write(job.id);`;
  return execFileSync(process.execPath, ["--input-type=module", "-e", code], {
    env: { ...process.env },
    encoding: "utf8",
    timeout: 30_000,
  });
}

test("a job submitted by a process that has exited keeps running and is seen here", async () => {
  const id = submitFromAnotherProcess(["-J", "orphan", "--wrap", "sleep 1; echo survived"]);
  expect(id).toMatch(/^\d+$/);
  const job = await jobs.get(id);
  expect(job.name).toBe("orphan");
  await job.wait({ pollMs: 100, live: false });
  expect(job.state).toBe("COMPLETED");
  expect(await job.output()).toBe("survived\n");
});

test("killing the scheduler daemon loses nothing: a new one takes over and records the true outcome", async () => {
  const job = await jobs.submit({ args: ["-J", "through a crash", "--wrap", "sleep 2; echo done; exit 7"] });
  const store = JobStore.open(dirs.data);
  const daemonPid = async (): Promise<number | undefined> =>
    (store.db.prepare("SELECT pid FROM daemon").get() as { pid: number } | undefined)?.pid;
  for (let i = 0; i < 100 && (await job.refresh()).state !== "RUNNING"; i++) await new Promise((r) => setTimeout(r, 100));
  expect(job.state).toBe("RUNNING");
  const first = await daemonPid();
  expect(first).toBeGreaterThan(0);
  process.kill(first!, "SIGKILL");
  // The job ends while no daemon is alive; its wrapper still writes the exit status.
  await new Promise((r) => setTimeout(r, 2500));
  await job.wait({ pollMs: 200, live: false });
  expect(job.state).toBe("FAILED");
  expect(job.exitCode).toBe(7);
  expect(await job.output()).toBe("done\n");
  const second = await daemonPid();
  expect(second === undefined || second !== first).toBe(true);
});
