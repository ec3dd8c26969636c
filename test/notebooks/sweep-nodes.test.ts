/**
 * A sweep submitted as a job array spreads over the nodes of a 4-node cluster, and a node killed
 * mid-sweep (its slurmd and every process of its jobs) loses no run: Slurm runs the run it held
 * again on another node once the node is declared down, no run completes twice, and the summary
 * says which node ran which combination. The test starts a cluster of its own (the node helpers
 * refuse to kill the shared one).
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { killNode } from "../support/slurm-nodes.js";
import { startSlurmCluster, type SlurmCluster } from "../setup/slurm-cluster.js";
import { waitUntil } from "../queue/helpers.js";
import { readJson, runCli, tempDir, writeTestNotebook } from "./support.js";

let cluster: SlurmCluster;
let dir: string;
beforeAll(async () => {
  cluster = await startSlurmCluster({ nodes: 4, cpusPerNode: 2, slurmdTimeout: 10 });
  dir = tempDir("hpcfit-sweep-nodes-");
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

/** `squeue` of this test's cluster: array task id (`123_4`) → node, for the running ones. */
function runningOn(): Map<string, string> {
  const out = execFileSync("squeue", ["-h", "-t", "RUNNING", "-o", "%i %N"], {
    encoding: "utf8",
    env: { ...process.env, ...cluster.env },
  });
  return new Map(
    out
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => l.trim().split(/\s+/) as [string, string]),
  );
}

function csvRows(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const names = header.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [names[i], v])));
}

test("a sweep's runs go to every node; a node killed mid-sweep loses none and none completes twice; the summary names the nodes", async () => {
  const log = join(dir, "done.txt");
  writeFileSync(log, "");
  // A run records its end only after its work: a run killed with its node leaves no line.
  const input = writeTestNotebook(dir, "study.ipynb", [
    { source: "let i = 0;", tags: ["parameters"] },
    [
      'import { appendFileSync } from "node:fs";',
      'import { record } from "hpcfit";',
      "await new Promise((r) => setTimeout(r, 6000));",
      `appendFileSync(${JSON.stringify(log)}, \`\${i} \${process.env.SLURMD_NODENAME}\\n\`);`,
      'record("node_seen", process.env.SLURMD_NODENAME);',
    ].join("\n"),
  ]);
  const out = join(dir, "runs");
  // Each run takes a whole node (2 CPUs), so the array spreads over the four nodes.
  const sweep = runCli(
    ["sweep", input, "--grid", "i=1,2,3,4,5,6,7,8", "-o", out, "--wait", "--sbatch", "--time=00:05:00", "--cpus-per-task=2"],
    { env: { ...cluster.env, HPCFIT_DATA_DIR: join(dir, "data") } },
  );
  let victim: string | undefined;
  await waitUntil(
    "a run is running on n4",
    () => {
      victim = [...runningOn()].find(([, node]) => node === "n4")?.[0];
      return victim !== undefined;
    },
    120_000,
  );
  // Killed a moment after it started: its kernel is up or starting, its work not done.
  await new Promise((r) => setTimeout(r, 1500));
  expect(killNode("n4", cluster.env.SLURM_CONF).length).toBeGreaterThan(0);

  const r = await sweep;
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const rows = csvRows(join(out, "study-summary.csv"));
  expect(rows.map((row) => [row.i, row.status])).toEqual(Array.from({ length: 8 }, (_, k) => [String(k + 1), "ok"]));
  // Every run completed exactly once.
  const done = readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => l.split(" "));
  expect(done.map((d) => Number(d[0])).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  // The summary's node column says where each run completed, as the run itself saw it.
  for (const [i, node] of done) {
    const row = rows[Number(i) - 1];
    expect(row.node).toBe(node);
    expect(row.node_seen).toBe(node);
    expect(readJson(row.output).metadata.hpcfit.node).toBe(node);
  }
  // The killed node's run ran again elsewhere, under the same array task.
  const victimRow = rows.find((row) => row.job_id === victim);
  expect(victimRow).toBeDefined();
  expect(victimRow!.node).not.toBe("n4");
  expect(new Set(rows.map((row) => row.node)).size).toBeGreaterThanOrEqual(3);
  // The summary notebook has the column too.
  expect(JSON.stringify(readJson(join(out, "study-summary.ipynb")).cells[0].source)).toContain("| node |");
}, 300_000);
