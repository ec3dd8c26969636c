// A fit job's model reads its data files as it does anywhere else, on hpcfit's local scheduler: a
// %%fit cell reading a file of the notebook's folder by a relative path, and a model file given to
// the Jobs panel's form reading the file beside it (new URL(..., import.meta.url)), each get the
// right fit from a copy of the file in the job directory; a missing file, or one reached by a path
// out of the model's folder, is refused before anything is written or submitted, naming the file.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { list, useBackend } from "../../jobs/api.js";
import { readSpec } from "../../fit-jobs/job-directory.js";
import { findFitJob } from "../../fit-jobs/fit-job.js";
import { orderFitJob } from "../../fit-jobs/panel-requests.js";
import { asFitJob, dataModel, freshDirs, linePointsFile, linePointsFit, runFit } from "./support.js";

let work = "";
const jobDirs = (): string[] => (existsSync(join(work, "fit-jobs")) ? readdirSync(join(work, "fit-jobs")) : []);

async function refusal(line: string, body: string): Promise<Error> {
  const error = await runFit(line, body).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (error === undefined) throw new Error(`%%fit ${line} was accepted`);
  return error;
}

describe("data files travel with a fit job (local backend)", () => {
  const ref = linePointsFit();

  beforeAll(() => {
    ({ work } = freshDirs());
    useBackend("local");
    writeFileSync(join(work, "points.dat"), linePointsFile());
  });

  test("a %%fit cell that reads a data file of the notebook's folder fits it in the job, from the job's copy", async () => {
    const { value } = await runFit("--fit=lm --job-name=cell-data", dataModel("points.dat"));
    const job = asFitJob(value);
    const result = await job.wait({ pollMs: 200 });
    expect(result.labels).toEqual(["m", "b"]);
    expect(result.x[0]).toBeCloseTo(ref.m, 6);
    expect(result.x[1]).toBeCloseTo(ref.b, 6);
    expect(readSpec(job.dir).data).toEqual(["points.dat"]);
    expect(readFileSync(join(job.dir, "points.dat"), "utf8")).toBe(linePointsFile());
  });

  test("--dry-run lists the data files the job would take along", async () => {
    const { outputs } = await runFit("--fit=lm --dry-run", dataModel("points.dat"));
    const text = outputs.map((o) => (o.kind === "stream" ? o.text : "")).join("");
    expect(text).toMatch(/files: model\.ts, fit-job\.json, run\.sh, store\/, points\.dat \(data\)/);
  });

  test("a model file given to the Jobs panel's form reads the data file beside it, in a sub-folder of its folder", async () => {
    const models = join(work, "models");
    mkdirSync(join(models, "data"), { recursive: true });
    writeFileSync(join(models, "data", "points.dat"), linePointsFile());
    writeFileSync(join(models, "line.ts"), dataModel("data/points.dat", "beside"));
    const order = { modelFile: "models/line.ts", method: "lm", options: {}, resources: { "job-name": "form-data" } };
    const { dir, jobIds } = await orderFitJob(order, false);
    const job = await findFitJob(jobIds[0]);
    const result = await job.wait({ pollMs: 200 });
    expect(result.x[0]).toBeCloseTo(ref.m, 6);
    expect(result.x[1]).toBeCloseTo(ref.b, 6);
    expect(readSpec(dir).data).toEqual([join("data", "points.dat")]);
    expect(readFileSync(join(dir, "data", "points.dat"), "utf8")).toBe(linePointsFile());
  });

  test("a missing data file, or one reached by a path out of the model's folder, is refused naming it; nothing is written or submitted", async () => {
    const before = (await list({ states: "all" })).length;
    const dirsBefore = jobDirs();
    const missing = await refusal("--fit=lm", dataModel("nowhere/absent.dat"));
    expect(missing.name).toBe("UserError");
    expect(missing.message).toBe(
      "%%fit: the cell is not a usable model file: the cell:2:28: error while running the model file: " +
        `data file ${join(work, "nowhere", "absent.dat")} does not exist`,
    );
    const beyond = join(work, "..", `${basename(work)}-outside.dat`);
    writeFileSync(beyond, linePointsFile());
    const outside = await refusal("--fit=lm", dataModel(`../${basename(beyond)}`)).finally(() => rmSync(beyond));
    expect(outside.message).toContain(`data file ${beyond} lies outside the model's folder ${work}`);
    writeFileSync(join(work, "run.sh"), linePointsFile());
    const ownName = await refusal("--fit=lm", dataModel("run.sh"));
    expect(ownName.message).toContain(`data file ${join(work, "run.sh")} has the name of a fit job's own run.sh`);
    expect(jobDirs()).toEqual(dirsBefore);
    expect((await list({ states: "all" })).length).toBe(before);
  });
});
