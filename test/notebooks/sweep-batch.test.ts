/**
 * Sweeps (local and as a Slurm job array), a run submitted with --sbatch to the test cluster, and
 * %run_notebook from a notebook's magic.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { jobs } from "hpcfit";
import { runNotebookMagic } from "../../magics/run-notebook.js";
import { recordingContext } from "../jobs/support.js";
import { nbformatErrors, outputText, readJson, runCli, tempDir, writeTestNotebook } from "./support.js";
import { UserError } from "../../util/user-error.js";

const SWEEP_NB = [
  { source: 'let steps = 10;\nlet method = "lm";', tags: ["parameters"] },
  'import { record } from "hpcfit";\nconst score = steps * (method === "lm" ? 1 : 2);\nrecord("score", score);\nconsole.log(`score ${score}`);',
];

function csvRows(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const names = header.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [names[i], v])));
}

describe("hpcfit sweep", () => {
  test("runs four combinations here, names outputs from the parameters, and summarises them", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "study.ipynb", SWEEP_NB);
    const out = join(dir, "runs");
    const r = await runCli([
      "sweep",
      input,
      "--grid",
      "steps=1000,5000",
      "--grid",
      "method=lm,dream",
      "-o",
      out,
      "--parallel",
      "2",
      "--no-progress",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows = csvRows(join(out, "study-summary.csv"));
    expect(rows).toHaveLength(4);
    expect(rows.map((row) => [row.steps, row.method, row.status, row.score])).toEqual([
      ["1000", "lm", "ok", "1000"],
      ["1000", "dream", "ok", "2000"],
      ["5000", "lm", "ok", "5000"],
      ["5000", "dream", "ok", "10000"],
    ]);
    for (const row of rows) {
      expect(Number(row.run_time_s)).toBeGreaterThan(0);
      expect(nbformatErrors(row.output)).toBe("");
    }
    expect(rows[1].output).toBe(join(out, "study-steps=1000-method=dream.ipynb"));
    expect(outputText(readJson(rows[1].output).cells[2])).toContain("score 2000");
    expect(nbformatErrors(join(out, "study-summary.ipynb"))).toBe("");
    expect(JSON.stringify(readJson(join(out, "study-summary.ipynb")).cells[0].source)).toContain("4 runs, 0 failed");
  });

  test("a failing combination is reported in the summary and the exit status", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "fails.ipynb", [
      { source: "let n = 1;", tags: ["parameters"] },
      "if (n === 2) throw new Error('n is two, not one');",
    ]);
    const r = await runCli(["sweep", input, "--grid", "n=1,2", "-o", join(dir, "runs"), "--no-progress"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("1 of 2 runs failed");
    const rows = csvRows(join(dir, "runs", "fails-summary.csv"));
    expect(rows.map((row) => row.status)).toEqual(["ok", "failed"]);
    expect(JSON.stringify(readFileSync(join(dir, "runs", "fails-summary.csv"), "utf8"))).toContain("n is two, not one");
    // The summary notebook reads its CSV back as data, a quoted error with its comma included.
    const summary = join(dir, "runs", "fails-summary.ipynb");
    const ran = await runCli(["run", summary, join(dir, "summary-out.ipynb"), "--no-progress"]);
    expect(ran.stderr).toBe("");
    const shown = outputText(readJson(join(dir, "summary-out.ipynb")).cells[1]);
    expect(shown).toContain("n is two, not one");
    expect(shown).toMatch(/status: ['"]failed['"]/);
  });

  test("runs as a job array on the test Slurm cluster and collects the results", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "study.ipynb", SWEEP_NB);
    const out = join(dir, "array");
    const r = await runCli([
      "sweep",
      input,
      "--grid",
      "steps=1,2",
      "--grid",
      "method=lm,dream",
      "-o",
      out,
      "--wait",
      "--sbatch",
      "--time=00:05:00",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Submitted batch job \d+ \(an array of 4 runs\)/);
    const rows = csvRows(join(out, "study-summary.csv"));
    expect(rows.map((row) => [row.status, row.score])).toEqual([
      ["ok", "1"],
      ["ok", "2"],
      ["ok", "2"],
      ["ok", "4"],
    ]);
    expect(rows[3].job_id).toMatch(/^\d+_3$/);
  });

  test("a run whose process is killed part way is reported failed with its job's end, however complete its output looks", async () => {
    const dir = tempDir();
    // The runner saves the output as it goes: the run killed in its third code cell (after the
    // injected parameters and the notebook's own) leaves an output without an error in it, and
    // only its job's end tells what happened.
    const input = writeTestNotebook(dir, "killed.ipynb", [
      { source: "let n = 1;", tags: ["parameters"] },
      [
        // Run 2 kills its own `hpcfit run` (the job's process, an ancestor of the kernel) with
        // SIGKILL, as when a failing node takes a run's processes before its slurmstepd: Slurm
        // ends the task FAILED, and the output stays as last saved.
        'import { readFileSync } from "node:fs";',
        "const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);",
        "const isRun = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\\0')[1]?.endsWith('cli/main.js');",
        "let runPid = process.pid;",
        "while (n === 2 && runPid > 1 && !isRun(runPid)) runPid = parentOf(runPid);",
        'if (n === 2) process.kill(runPid, "SIGKILL");',
      ].join("\n"),
      'import { record } from "hpcfit";\nrecord("seen", n);',
    ]);
    const out = join(dir, "array");
    const r = await runCli(["sweep", input, "--grid", "n=1,2", "-o", out, "--wait", "--sbatch", "--time=00:05:00"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("1 of 2 runs failed");
    const rows = csvRows(join(out, "killed-summary.csv"));
    expect(rows.map((row) => [row.n, row.status, row.error])).toEqual([
      ["1", "ok", ""],
      [
        "2",
        "failed",
        expect.stringMatching(/^the run stopped at code cell 3 of 4: its job \d+_1 ended FAILED \(killed by signal 9\) on \S+$/),
      ],
    ]);
    expect(rows[0].seen).toBe("1");
  });
});

describe("batch runs", () => {
  test("hpcfit run --sbatch submits to Slurm and the output lands where asked", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "report.ipynb", SWEEP_NB);
    const output = join(dir, "results", "report-{steps}.ipynb");
    const r = await runCli(["run", input, output, "-p", "steps", "7", "--sbatch", "--time=00:05:00", "--job-name=nb report"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const id = /Submitted batch job (\d+)/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    const job = await jobs.get(id!);
    expect(job.name).toBe("nb report");
    await job.wait({ live: false });
    expect(job.state).toBe("COMPLETED");
    const done = join(dir, "results", "report-7.ipynb");
    expect(nbformatErrors(done)).toBe("");
    expect(outputText(readJson(done).cells[2])).toContain("score 7");
    // The job's log says what ran: the parameters, each cell with its time, where the output is;
    // not the cells' outputs, which are in the output notebook.
    const log = readFileSync(join(dir, "results", `report-7-${id}.log`), "utf8");
    expect(log).toMatch(/^Kernel hpcfit \(.*\)$/m);
    expect(log).toMatch(/^Parameters: steps=7$/m);
    expect(log.match(/^code cell \d of 3 \(In \[\d\]\) done in \d+\.\d\d s$/gm)).toHaveLength(3);
    expect(log).toMatch(/^Executing code cell 3 of 3: import \{ record \} from "hpcfit";$/m);
    expect(log).toMatch(/^Ran 3 of 3 code cells in \d+\.\d\d s$/m);
    expect(log).toContain(`Output saved to ${done}\n`);
    expect(log).not.toContain("score 7");
  });
});

describe("%run_notebook", () => {
  test("runs a notebook with parameters and returns its recorded values", async () => {
    const dir = tempDir();
    const input = writeTestNotebook(dir, "child.ipynb", SWEEP_NB);
    const context = recordingContext();
    const run = (await runNotebookMagic.run(`${input} ${join(dir, "child-out.ipynb")} -p steps 4 -p method dream`, context)) as {
      ok: boolean;
      records: Record<string, unknown>;
    };
    expect(run.ok).toBe(true);
    expect(run.records).toEqual({ score: 8 });
    const shown = context.outputs.flatMap((o) => (o.kind === "display" ? [o.data] : []));
    expect(String(shown[shown.length - 1]["text/plain"])).toContain("completed");
  });

  test("bad arguments are MagicErrors", async () => {
    await expect(runNotebookMagic.run("", recordingContext())).rejects.toThrow(UserError);
    await expect(runNotebookMagic.run("a.ipynb -p steps", recordingContext())).rejects.toThrow(/needs a NAME and a VALUE/);
    await expect(runNotebookMagic.run("a.ipynb --bogus", recordingContext())).rejects.toThrow(/unknown option --bogus/);
    await expect(runNotebookMagic.run("/no/such.ipynb", recordingContext())).rejects.toThrow(/cannot read \/no\/such.ipynb/);
  });
});
