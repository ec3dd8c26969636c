/**
 * The job scenarios, written once and run against both backends (the real Slurm
 * test cluster in slurm-magics.test.ts, the local scheduler in jobs-local.test.ts): through the
 * magics with a MagicContext, and through the library.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { jobs } from "hpcfit";
import { JOBS_MIME, validateJobsTable } from "../../schema/jobs.js";
import { DISPLAY } from "../../schema/display.js";
import type { Job } from "../../jobs/job.js";
import { JobList } from "../../magics/slurm/index.js";
import { freshDirs, recordingContext, slurmRegistry, stdoutOf } from "./support.js";
import { UserError } from "../../util/user-error.js";
import { shellQuote } from "../../util/shell.js";

/** What differs between the backends. */
export interface ScenarioOptions {
  backend: "slurm" | "local";
  /** A `--time` value that ends in TIMEOUT, and how long to allow for it. */
  timeLimit: string;
  timeoutWaitMs: number;
  /** CPUs of each node the backend lists. */
  cpusPerNode: number;
}

async function waitUntil(what: string, test: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Defines the shared scenarios for one backend. */
export function defineJobScenarios(options: ScenarioOptions): void {
  const registry = slurmRegistry();
  let work = "";
  let timeoutJob: Job;

  beforeAll(async () => {
    work = freshDirs().work;
    const ctx = recordingContext();
    await registry.run("slurm", `backend ${options.backend}`, ctx);
    expect(stdoutOf(ctx.outputs)).toBe(`backend: ${options.backend}\n`);
    // The time-limit case is the slow one on Slurm (a minute at least): start it first, check it last.
    timeoutJob = (await registry.run(
      "sbatch",
      `--time=${options.timeLimit} -J limit --wrap "sleep 300"`,
      recordingContext(),
    )) as Job;
  });

  afterAll(async () => {
    // Only this file's jobs (those in its fresh records): the test cluster is shared with the
    // test files running alongside, whose jobs must be left alone.
    const active = await jobs.list({ recordedOnly: true });
    if (active.length > 0) await jobs.cancel(active.map((j) => j.id)).catch(() => undefined);
  });

  describe(`jobs on the ${options.backend} backend`, () => {
    test("%sbatch --wrap with a name holding spaces and quotes: submitted, listed, waited for, output read", async () => {
      const ctx = recordingContext();
      const name = `my "quoted" job's name|x`;
      const job = (await registry.run(
        "sbatch",
        `-J ${shellQuote(name)} --wrap 'echo "id=$SLURM_JOB_ID name=$SLURM_JOB_NAME"'`,
        ctx,
      )) as Job;
      expect(job.name).toBe(name);
      expect(job.id).toMatch(/^\d+$/);
      // The live status line was shown with a display id.
      const shown = ctx.outputs.find((o) => o.kind === "display");
      expect(shown && shown.kind === "display" && shown.displayId).toBeTruthy();
      await job.wait({ pollMs: 100, live: false });
      expect(job.state).toBe("COMPLETED");
      expect(job.exitCode).toBe(0);
      expect(await job.output()).toBe(`id=${job.id} name=${name}\n`);
      const list = (await registry.run("squeue", `-t all -j ${job.id}`, recordingContext())) as JobList;
      expect(list).toBeInstanceOf(JobList);
      expect(list.map((j) => j.name)).toEqual([name]);
      const bundle = list[DISPLAY]();
      expect(validateJobsTable(bundle[JOBS_MIME]).ok).toBe(true);
      expect(bundle["text/plain"]).toContain(name);
      expect(bundle["text/html"]).toContain("&quot;quoted&quot;");
    });

    test("%%sbatch: the cell is the script, #SBATCH lines apply, {{name}} is filled, ${VAR} is left to bash", async () => {
      const ctx = recordingContext({
        steps: 42,
        label: "run one",
        evil: "$(touch pwned); echo `touch pwned2`",
        code: "echo raw-ran",
        jobName: "named by a variable",
      });
      const cell = [
        "#!/bin/bash",
        "#SBATCH --job-name=cellfit",
        "#SBATCH --output=%x-%j.log",
        "echo steps={{steps}} label={{ label }}",
        "echo {{evil}}",
        "{{code|raw}}",
        'GREETING=hello; echo "${GREETING} from $SLURM_JOB_NAME"',
        "",
      ].join("\n");
      const job = (await registry.run("sbatch", "-J {{jobName}}", ctx, cell)) as Job;
      // The line's option wins over the cell's #SBATCH line, as with sbatch.
      expect(job.name).toBe("named by a variable");
      const log = join(work, `named by a variable-${job.id}.log`);
      expect(job.stdout).toBe(log);
      await job.wait({ pollMs: 100, live: false });
      expect(job.state).toBe("COMPLETED");
      // A value is text: what it holds is printed, never run.
      expect(readFileSync(log, "utf8")).toBe(
        "steps=42 label=run one\n$(touch pwned); echo `touch pwned2`\nraw-ran\nhello from named by a variable\n",
      );
      expect(existsSync(join(work, "pwned")) || existsSync(join(work, "pwned2"))).toBe(false);
      await expect(registry.run("sbatch", "", ctx, "#!/bin/sh\necho {{label|upper}}\n")).rejects.toThrow(
        /unknown filter "upper"/,
      );
      await expect(registry.run("sbatch", "-J {{missing}} --wrap true", ctx)).rejects.toThrow(
        /%sbatch: \{\{missing\}\} names no variable/,
      );
      await expect(registry.run("sbatch", "", recordingContext(), "#!/bin/sh\necho {{missing}}\n")).rejects.toThrow(
        /\{\{missing\}\} names no variable/,
      );
    });

    test("%squeue shows a job PENDING, then RUNNING, then it completes", async () => {
      const first = (await registry.run("sbatch", `-J first --wrap "sleep 3"`, recordingContext())) as Job;
      const next = (await registry.run(
        "sbatch",
        `-J next --dependency=afterany:${first.id} --wrap "sleep 2"`,
        recordingContext(),
      )) as Job;
      const pending = (await registry.run("squeue", "-t PENDING", recordingContext())) as JobList;
      expect(pending.find((j) => j.id === next.id)?.state).toBe("PENDING");
      await waitUntil("the first job runs", async () => (await first.refresh()).state === "RUNNING");
      const running = (await registry.run("squeue", "--me -t RUNNING", recordingContext())) as JobList;
      expect(running.map((j) => j.id)).toContain(first.id);
      await waitUntil("the second job runs", async () => {
        const now = (await registry.run("squeue", "-t RUNNING", recordingContext())) as JobList;
        return now.some((j) => j.id === next.id);
      });
      await next.wait({ pollMs: 100, live: false });
      expect(next.state).toBe("COMPLETED");
      expect((await registry.run("squeue", "", recordingContext())) as JobList).not.toContainEqual(
        expect.objectContaining({ id: next.id }),
      );
    });

    if (options.backend === "local") {
      test("a job asking for more CPUs than are free waits PENDING with reason Resources", async () => {
        const big = (await registry.run("sbatch", `-c 2 -J big --wrap "sleep 1"`, recordingContext())) as Job;
        const after = (await registry.run("sbatch", `-J after --wrap "true"`, recordingContext())) as Job;
        await waitUntil("the big job runs", async () => (await big.refresh()).state === "RUNNING");
        // The scheduler gives the waiting job its reason at its next pass.
        await waitUntil("the second job gets a reason", async () => (await after.refresh()).reason !== null);
        expect(after.state).toBe("PENDING");
        expect(after.reason).toMatch(/^(Resources|Priority)$/);
        await after.wait({ pollMs: 100, live: false });
        await big.refresh();
        expect(after.startTime!.getTime()).toBeGreaterThanOrEqual(big.endTime!.getTime());
      });
    }

    test("%scancel ends a running job as CANCELLED", async () => {
      const job = (await registry.run("sbatch", `-J victim --wrap "sleep 120"`, recordingContext())) as Job;
      await waitUntil("it runs", async () => (await job.refresh()).state === "RUNNING");
      const ctx = recordingContext();
      await registry.run("scancel", job.id, ctx);
      expect(stdoutOf(ctx.outputs)).toBe(`${job.id}: cancelled (was RUNNING)\n`);
      await job.wait({ pollMs: 100, live: false });
      expect(job.state).toBe("CANCELLED");
      // Its output says why it stops, not only what the script printed.
      const tail = recordingContext();
      await registry.run("tail", job.id, tail);
      const notice = tail.outputs
        .filter((o) => o.kind === "stream" && o.name === "stderr")
        .map((o) => (o.kind === "stream" ? o.text : ""))
        .join("");
      expect(notice).toMatch(
        new RegExp(`^Job ${job.id} was cancelled at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC; its output ends here\\.\\n$`),
      );
    });

    test("%scancel on jobs that had already ended says what happened to each", async () => {
      const done1 = (await registry.run("sbatch", `-J quick1 --wrap "true"`, recordingContext())) as Job;
      const done2 = (await registry.run("sbatch", `-J quick2 --wrap "exit 2"`, recordingContext())) as Job;
      await jobs.wait([done1.id, done2.id], { pollMs: 100, live: false });
      const running = (await registry.run("sbatch", `-J sleeper --wrap "sleep 120"`, recordingContext())) as Job;
      await waitUntil("it runs", async () => (await running.refresh()).state === "RUNNING");
      const ctx = recordingContext();
      await registry.run("scancel", `${done1.id} ${done2.id} ${running.id}`, ctx);
      expect(stdoutOf(ctx.outputs)).toBe(
        `${done1.id}: already COMPLETED, nothing to cancel\n${done2.id}: already FAILED, nothing to cancel\n${running.id}: cancelled (was RUNNING)\n`,
      );
      await running.wait({ pollMs: 100, live: false });
      expect(running.state).toBe("CANCELLED");
    });

    test("output paths are recorded normalised, as the file system names them", async () => {
      mkdirSync(join(work, "outdir", "sub"), { recursive: true });
      const job = (await registry.run(
        "sbatch",
        `-J norm --output=${work}/outdir/../outdir/sub/../c-%j.out --wrap "echo normalised"`,
        recordingContext(),
      )) as Job;
      expect(job.stdout).toBe(join(work, "outdir", `c-${job.id}.out`));
      await job.wait({ pollMs: 100, live: false });
      expect((await jobs.get(job.id)).stdout).toBe(join(work, "outdir", `c-${job.id}.out`));
      expect(readFileSync(join(work, "outdir", `c-${job.id}.out`), "utf8")).toBe("normalised\n");
    });

    test("a failing script ends FAILED with its exit code", async () => {
      writeFileSync(join(work, "fail.sh"), '#!/bin/sh\necho "about to fail with $1 and $2"\nexit 3\n');
      const job = (await registry.run("sbatch", `-J failing fail.sh first "second arg"`, recordingContext())) as Job;
      await job.wait({ pollMs: 100, live: false });
      expect(job.state).toBe("FAILED");
      expect(job.exitCode).toBe(3);
      expect(await job.output()).toBe("about to fail with first and second arg\n");
    });

    test("a job array runs every task with its SLURM_ARRAY_TASK_ID, and array ids are first-class", async () => {
      const job = (await registry.run(
        "sbatch",
        `--array=0-3%2 -J arr -o arr-%A_%a.out --wrap 'echo task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_JOB_ID'`,
        recordingContext(),
      )) as Job;
      expect(job.isArray).toBe(true);
      await job.wait({ pollMs: 100, live: false });
      expect(job.state).toBe("COMPLETED");
      expect(job.tasks.map((t) => t.id).sort()).toEqual([0, 1, 2, 3].map((i) => `${job.id}_${i}`));
      for (const i of [0, 1, 2, 3]) {
        expect(readFileSync(join(work, `arr-${job.id}_${i}.out`), "utf8")).toBe(`task ${i} of ${job.id}\n`);
      }
      const one = await jobs.get(`${job.id}_2`);
      expect(one.tasks).toHaveLength(1);
      expect(await one.output()).toBe(`task 2 of ${job.id}\n`);
    });

    test("--dependency=afterok holds a job until its dependency completed", async () => {
      const first = (await registry.run("sbatch", `-J first --wrap "sleep 2"`, recordingContext())) as Job;
      const second = (await registry.run(
        "sbatch",
        `-J second --dependency=afterok:${first.id} --wrap "echo after"`,
        recordingContext(),
      )) as Job;
      await waitUntil("the first job runs", async () => (await first.refresh()).state === "RUNNING");
      await second.refresh();
      expect(second.state).toBe("PENDING");
      expect(second.reason).toBe("Dependency");
      await second.wait({ pollMs: 100, live: false });
      await first.refresh();
      expect(second.state).toBe("COMPLETED");
      expect(second.startTime!.getTime()).toBeGreaterThanOrEqual(first.endTime!.getTime());
    });

    test("%scontrol hold and release; %scontrol show job", async () => {
      const job = (await registry.run("sbatch", `-H -J held --wrap "echo released"`, recordingContext())) as Job;
      await new Promise((r) => setTimeout(r, 500));
      await job.refresh();
      expect(job.state).toBe("PENDING");
      expect(job.reason).toMatch(/JobHeld/);
      const shown = (await registry.run("scontrol", `show job ${job.id}`, recordingContext())) as Record<string, string>;
      expect(shown.JobState).toBe("PENDING");
      const ctx = recordingContext();
      await registry.run("scontrol", `release ${job.id}`, ctx);
      expect(stdoutOf(ctx.outputs)).toBe(`Released ${job.id}\n`);
      await job.wait({ pollMs: 100, live: false });
      expect(job.state).toBe("COMPLETED");
    });

    test("%tail, %wait, %jobs, %sacct and %sinfo", async () => {
      const job = (await registry.run(
        "sbatch",
        `-J lines --wrap 'for i in 1 2 3 4 5; do echo line $i; done'`,
        recordingContext(),
      )) as Job;
      const waited = (await registry.run("wait", job.id, recordingContext())) as Job;
      expect(waited.state).toBe("COMPLETED");
      const ctx = recordingContext();
      await registry.run("tail", `${job.id} -n 2`, ctx);
      expect(stdoutOf(ctx.outputs)).toBe("line 4\nline 5\n");
      const follower = (await registry.run(
        "sbatch",
        `-J follow --wrap 'echo one; sleep 1; echo two; sleep 1; echo three'`,
        recordingContext(),
      )) as Job;
      await waitUntil("it runs", async () => (await follower.refresh()).state !== "PENDING");
      const followed = recordingContext();
      await registry.run("tail", `${follower.id} -f -n 100`, followed);
      expect(stdoutOf(followed.outputs)).toBe("one\ntwo\nthree\n");
      await follower.refresh();
      expect(follower.state).toBe("COMPLETED");
      const partition = job.tasks[0].partition ?? (await jobs.partitions())[0].name;
      const inPartition = (await registry.run("squeue", `-t all -p ${partition} -u ${job.user}`, recordingContext())) as JobList;
      expect(inPartition.map((j) => j.id)).toContain(job.id);
      expect(((await registry.run("squeue", "-t all -u no-such-user", recordingContext())) as JobList).length).toBe(0);
      const mine = (await registry.run("jobs", "", recordingContext())) as JobList;
      expect(mine.map((j) => j.id)).toContain(job.id);
      expect(String(mine[DISPLAY]()["text/plain"])).toContain(work);
      const acct = (await registry.run("sacct", `-j ${job.id}`, recordingContext())) as JobList;
      expect(acct.map((j) => j.state)).toEqual(["COMPLETED"]);
      const info = (await registry.run("sinfo", "", recordingContext())) as {
        partitions: { name: string }[];
        nodes: { cpus: number }[];
      };
      expect(info.partitions.length).toBeGreaterThan(0);
      expect(info.nodes[0].cpus).toBe(options.cpusPerNode);
    });

    test("bad input gets a short, specific error and nothing is submitted", async () => {
      // Jobs started from this file's working directory: other test files submit to the same
      // cluster meanwhile, from their own directories.
      const submittedHere = async (): Promise<number> =>
        (await jobs.list({ states: "all" })).filter((j) => j.directory === work).length;
      const before = await submittedHere();
      const ctx = recordingContext();
      const cases: [string, string, RegExp][] = [
        ["sbatch", "--no-such-option --wrap true", /unknown sbatch option --no-such-option/],
        ["sbatch", "missing-script.sh", /batch script missing-script\.sh not found/],
        ["sbatch", "--array=5-1 --wrap true", /invalid --array/],
        ["sbatch", "--time=abc --wrap true", /invalid time limit/],
        ["scancel", "12abc", /invalid job id "12abc"/],
        ["scancel", "99999", /no such job: 99999/],
        ["squeue", "-t NOPE", /unknown job state "NOPE"/],
        ["squeue", "--bogus", /unknown option --bogus/],
        ["tail", "99999", /no such job/],
        ["slurm", "backend pbs", /unknown backend "pbs"/],
      ];
      for (const [magic, args, message] of cases) {
        const error = await registry.run(magic, args, ctx).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error, `%${magic} ${args}`).toBeInstanceOf(UserError);
        expect((error as Error).message, `%${magic} ${args}`).toMatch(message);
      }
      writeFileSync(join(work, "noshebang.sh"), "echo hi\n");
      await expect(registry.run("sbatch", "noshebang.sh", ctx)).rejects.toThrow(/first line must start with #!/);
      expect(await submittedHere()).toBe(before);
    });

    test(
      "a time limit ends the job as TIMEOUT",
      async () => {
        await timeoutJob.wait({ pollMs: 500, live: false });
        expect(timeoutJob.state).toBe("TIMEOUT");
        const tail = recordingContext();
        await registry.run("tail", timeoutJob.id, tail);
        expect(tail.outputs).toContainEqual({
          kind: "stream",
          name: "stderr",
          text: expect.stringMatching(
            new RegExp(`^Job ${timeoutJob.id} reached its time limit and was killed at .*; its output ends here\\.\\n$`),
          ),
        });
      },
      options.timeoutWaitMs,
    );
  });
}
