// The result store: bumps-compatible files written by saveResult and read back by loadResult
// into a FitResult that displays exactly as the original.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, test } from "vitest";
import { DISPLAY, FitResult, fit, loadResult, saveResult, storedNames } from "hpcfit";
import { MCMC_MIME, type McmcBundle } from "../../schema/mcmc.js";
import { lineProblem } from "../support/line-problem.js";

const dir = mkdtempSync(join(tmpdir(), "hpcfit-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("result store", () => {
  test("a DREAM result round-trips through bumps' files and displays identically", async () => {
    const result = await fit(lineProblem(), { method: "dream", samples: 4000, burn: 100, seed: 3 });
    const files = await saveResult(result, dir, "line");
    // .par: one `name value` line per parameter at full precision.
    const par = readFileSync(files.par, "utf8").trim().split("\n");
    expect(par.map((l) => l.split(" ")[0])).toEqual(["m", "b"]);
    expect(Number(par[0].split(" ")[1])).toBe(result.x[0]);
    // bumps' headers and shapes.
    const point = gunzipSync(readFileSync(files.point!)).toString().split("\n");
    expect(point[0]).toBe("# logp point (Nthin x Npop x Nvar = [200,20,2])");
    expect(point.filter((l) => l && !l.startsWith("#")).length).toBe(4000);
    const chain = gunzipSync(readFileSync(files.chain!)).toString().split("\n");
    expect(chain[0]).toBe("# draws acceptance_rate 20*logp");
    expect(chain[1].split(" ").length).toBe(22);
    expect(gunzipSync(readFileSync(files.stats!)).toString().split("\n")[0]).toBe("# draws 3*CR_weight");
    const err = readFileSync(files.err!, "utf8");
    expect(err).toMatch(/Parameter\s+mean\s+median\s+best\s+\[\s*68% interval\] \[\s*95% interval\]/);
    expect(err).toMatch(/^ 1\s+m\s+1\.9/m);

    const back = await loadResult(dir);
    expect(back).toBeInstanceOf(FitResult);
    expect(back[DISPLAY]()).toEqual(result[DISPLAY]());
    const bundle = back[DISPLAY]()[MCMC_MIME] as McmcBundle;
    expect(bundle.version).toBe(1);
    expect(bundle.labels).toEqual(["m", "b"]);
    expect(bundle.points.length).toBe(200);
    expect(bundle.points[0].length).toBe(20);
    expect(JSON.stringify(back.toJSON())).toBe(JSON.stringify(result.toJSON()));
  });

  test("an optimizer result round-trips (.par and .json only)", async () => {
    const result = await fit(lineProblem(), { method: "lm" });
    const files = await saveResult(result, dir, "lm-line");
    expect(files.err).toBeUndefined();
    const back = await loadResult(dir, "lm-line");
    expect(back[DISPLAY]()).toEqual(result[DISPLAY]());
    expect(Array.from(back.x)).toEqual(Array.from(result.x));
    expect(await storedNames(dir)).toEqual(["line", "lm-line"]);
  });

  test("bad input gets specific errors", async () => {
    const result = await fit(lineProblem(), { method: "lm" });
    await expect(saveResult(result, dir, "../escape")).rejects.toThrow(/plain file name/);
    await expect(loadResult(dir)).rejects.toThrow(/holds several results \(line, lm-line\); pass the name/);
    await expect(loadResult(dir, "missing")).rejects.toThrow(/cannot read .*missing\.json/);
    const broken = mkdtempSync(join(tmpdir(), "hpcfit-store-bad-"));
    try {
      await saveResult(await fit(lineProblem(), { method: "dream", samples: 400, burn: 10 }), broken, "r");
      writeFileSync(join(broken, "r-point.mc.gz"), "not gzip");
      await expect(loadResult(broken)).rejects.toThrow(/cannot read .*r-point\.mc\.gz/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
