// A job that Slurm forgot (MinJobAge after it ended) before hpcfit saw it end, on a cluster with
// no accounting: its record says so, and wait() ends with a clear error instead of polling for
// ever. Against the real test cluster: the record is of a job id that cluster never ran.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, inject, test } from "vitest";
import { Job } from "../../jobs/job.js";
import { SlurmBackend } from "../../jobs/slurm-backend.js";
import { VANISHED_REASON } from "../../jobs/states.js";
import { JobStore } from "../../jobs/store.js";

process.env.SLURM_CONF = inject("slurmConf");

test("a recorded job Slurm no longer knows is reported as ended unobserved, and wait() says so", async () => {
  const store = JobStore.open(mkdtempSync(join(tmpdir(), "hpcfit-vanished-")));
  const backend = new SlurmBackend(store);
  // A real submission gives a record of this cluster; a copy under an id Slurm never had stands
  // for a job that ended and was purged while nobody watched.
  const [row] = await backend.submit({ args: ["--hold", "--job-name=vanished", "--wrap=true"] });
  const cluster = (backend as unknown as { cluster: string }).cluster;
  const ghost = { ...row, id: "99999990", jobId: 99999990, name: "ghost", state: "RUNNING" as const };
  store.put("slurm", cluster, [{ row: ghost }]);
  try {
    const rows = await backend.list({ ids: ["99999990"], states: "all" });
    expect(rows).toHaveLength(1);
    expect(rows[0].state).toBe("RUNNING");
    expect(rows[0].reason).toBe(VANISHED_REASON);
    const job = new Job(backend, "99999990", rows);
    await expect(job.wait({ pollMs: 50, live: false })).rejects.toThrow(
      /job 99999990 ended unobserved: .* its final state is unknown/,
    );
  } finally {
    await backend.cancel([row.id]);
  }
});
