// Reading squeue's delimited fields: records split on the separator with the free text last, a
// newline inside a name kept, a record whose free text holds the separator reported as unclear
// rather than guessed, and squeue's own default output name replaced by the array-aware one.
import { describe, expect, test } from "vitest";
import { parseSqueueFields, squeueFieldArgs } from "../../jobs/squeue-fields.js";

const S = "\x1f";

/** One record as squeue prints it with {@link squeueFieldArgs}: every field followed by the separator. */
function record(f: Partial<Record<string, string>>): string {
  const v = {
    JobID: "7",
    ArrayJobID: "7",
    ArrayTaskID: "N/A",
    State: "PENDING",
    Reason: "JobHeldUser",
    Partition: "debug",
    NodeList: "",
    NumCPUs: "2",
    SubmitTime: "1796370673",
    StartTime: "N/A",
    EndTime: "N/A",
    TimeLimit: "UNLIMITED",
    exit_code: "0",
    UserName: "ann",
    WorkDir: "/w",
    STDOUT: "/w/slurm-7.out",
    STDERR: "/w/slurm-7.out",
    Name: "job",
    ...f,
  };
  return (
    Object.values(v)
      .map((x) => x + S)
      .join("") + "\n"
  );
}

describe("squeue's delimited fields", () => {
  test("asks for every field unpadded, each followed by the separator, the name last", () => {
    const args = squeueFieldArgs();
    const spec = args[args.indexOf("-O") + 1].split(",");
    expect(spec.every((f) => f.endsWith(`:0${S}`))).toBe(true);
    expect(spec.at(-1)).toBe(`Name:0${S}`);
  });

  test("reads a plain job, times as epoch seconds and limits in squeue's forms", () => {
    const { rows, unclear } = parseSqueueFields(
      record({ TimeLimit: "1-02:03:04", Name: 'a b|c "q" ü' }) +
        record({ JobID: "8", ArrayJobID: "8", TimeLimit: "30:00", STDOUT: "/w/o %j %x.txt", STDERR: "/w/o %j %x.txt" }),
    );
    expect(unclear).toEqual([]);
    expect(rows[0]).toMatchObject({
      id: "7",
      name: 'a b|c "q" ü',
      cpus: 2,
      timeLimit: 93784,
      submitTime: "2026-12-04T07:51:13.000Z",
      startTime: null,
      stdout: "/w/slurm-7.out",
    });
    expect(rows[1]).toMatchObject({ id: "8", timeLimit: 1800, stdout: "/w/o 8 job.txt", stderr: "/w/o 8 job.txt" });
  });

  test("a pending array becomes one row per task, with the array's default output name", () => {
    const { rows } = parseSqueueFields(record({ ArrayTaskID: "3-7:2%1" }));
    expect(rows.map((r) => [r.id, r.jobId, r.arrayTaskId, r.stdout])).toEqual([
      ["7_3", 7, 3, "/w/slurm-7_3.out"],
      ["7_5", 7, 5, "/w/slurm-7_5.out"],
      ["7_7", 7, 7, "/w/slurm-7_7.out"],
    ]);
  });

  test("a split array task keeps its own job id; a finished job its exit code and signal", () => {
    const { rows } = parseSqueueFields(
      record({
        JobID: "9",
        ArrayJobID: "7",
        ArrayTaskID: "2",
        State: "FAILED",
        Reason: "NonZeroExitCode",
        exit_code: "768",
        StartTime: "1796370674",
        EndTime: "1796370675",
        STDOUT: "/w/slurm-9.out",
        STDERR: "/w/slurm-9.out",
      }) +
        record({
          JobID: "10",
          ArrayJobID: "10",
          State: "FAILED",
          exit_code: "9",
          StartTime: "1796370674",
          EndTime: "1796370675",
          STDOUT: "/w/slurm-10.out",
          STDERR: "/w/slurm-10.out",
        }),
    );
    expect(rows[0]).toMatchObject({
      id: "7_2",
      jobId: 9,
      arrayJobId: 7,
      arrayTaskId: 2,
      exitCode: 3,
      signal: null,
      stdout: "/w/slurm-7_2.out",
      endTime: "2026-12-04T07:51:15.000Z",
    });
    expect(rows[1]).toMatchObject({ id: "10", exitCode: 0, signal: 9 });
  });

  test("a newline inside a name stays in its record, even before what looks like a record's start", () => {
    const { rows, unclear } = parseSqueueFields(
      record({ Name: "two\nlines" }) +
        record({ JobID: "8", ArrayJobID: "8", Name: "x\n8 8" }) +
        record({ JobID: "9", ArrayJobID: "9", Name: `y\n9${S}9${S}` }),
    );
    expect(rows.map((r) => r.name)).toEqual(["two\nlines", "x\n8 8"]);
    // The third name holds the separator: its record is whole but cannot be split with certainty.
    expect(unclear).toEqual([9]);
  });

  test("free text holding the separator is reported as unclear, not guessed", () => {
    const { rows, unclear } = parseSqueueFields(
      record({ Name: `a${S}b` }) +
        record({ JobID: "8", ArrayJobID: "8", WorkDir: `/w${S}x` }) +
        record({ JobID: "9", ArrayJobID: "9" }),
    );
    expect(unclear).toEqual([7, 8]);
    expect(rows.map((r) => r.id)).toEqual(["9"]);
  });

  test("output that is not squeue's records is an error, not an empty queue", () => {
    expect(() => parseSqueueFields("squeue: error: something\n")).toThrow(
      /squeue printed a record hpcfit cannot read: "squeue: error: something"/,
    );
  });
});
