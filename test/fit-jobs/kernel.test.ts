// %%fit through the real hpcfit kernel (driven by jupyter_client): a DREAM job submitted to the
// private Slurm cluster with two srun'd workers, its live display updated in place up to the
// fit and MCMC bundles, %fit results after the fact, and --local in the kernel giving the same
// MCMC bundle as the cluster run.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { startKernel, type KernelClient, type WireMessage } from "../support/kernel-client.js";
import { FIT_MIME } from "../../schema/fit.js";
import { MCMC_MIME } from "../../schema/mcmc.js";
import { lineModel } from "./support.js";

let kernel: KernelClient;

describe("%%fit in the kernel", () => {
  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), "hpcfit-fitjob-kernel-"));
    kernel = await startKernel({ cwd: work, env: { SLURM_CONF: inject("slurmConf"), HPCFIT_JOBS_BACKEND: "slurm" } });
  });
  afterAll(async () => {
    await kernel?.shutdown();
  });

  test("submit, follow live, results later, and --local gives the same draws", async () => {
    const options = "--fit=dream --samples=300 --burn=20 --seed=5";
    const submitted = await kernel.execute(`%%fit ${options} --ntasks=2 --time=5 --job-name=kernelfit\n${lineModel()}`);
    expect(submitted.status).toBe("ok");
    const first = submitted.outputs.find((m) => m.header.msg_type === "display_data");
    expect(first).toBeDefined();
    const displayId = first!.content.transient?.display_id as string;
    expect(displayId).toMatch(/^hpcfit-fit-/);
    const id = /Job (\d+)/.exec(String(first!.content.data["text/plain"]))![1];

    const waited = await kernel.execute(
      `const { jobs } = await import("hpcfit");\nconst [j] = await jobs.wait(["${id}"], { live: false });\nj.state`,
    );
    expect(waited.result?.["text/plain"]).toMatch(/COMPLETED/);
    // The live display's last update (by display_id) carries the plots; poll iopub for it.
    const seen: WireMessage[] = [...submitted.outputs, ...waited.outputs];
    for (let i = 0; i < 20 && !seen.some((m) => m.header.msg_type === "update_display_data" && m.content.data[MCMC_MIME]); i++)
      seen.push(...(await kernel.iopub({ timeout: 1 })));
    const updates = seen.filter(
      (m) => m.header.msg_type === "update_display_data" && m.content.transient?.display_id === displayId,
    );
    const texts = updates.map((m) => String(m.content.data["text/plain"]));
    expect(texts.some((t) => /RUNNING/.test(t))).toBe(true);
    const final = updates.at(-1)!;
    expect(final.content.data[FIT_MIME]).toBeDefined();
    expect(final.content.data[MCMC_MIME]).toBeDefined();

    const again = await kernel.execute(`%fit results ${id}`);
    expect(again.status).toBe("ok");
    expect(again.result?.[MCMC_MIME]).toEqual(final.content.data[MCMC_MIME]);

    const local = await kernel.execute(`%%fit ${options} --local\n${lineModel()}`);
    expect(local.status).toBe("ok");
    expect(local.result?.[MCMC_MIME]).toEqual(final.content.data[MCMC_MIME]);

    const bad = await kernel.execute(`%%fit --fit=dream --steps=zero\n${lineModel()}`);
    expect(bad.status).toBe("error");
    expect(bad.error?.evalue).toMatch(/option steps must be a positive integer, got "zero"/);
    expect((await kernel.execute("1 + 1")).result?.["text/plain"]).toBe("2");
  });
});
