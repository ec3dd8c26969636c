// End to end through the real kernel process and Python's jupyter_client: the interpreter's
// behaviour as a notebook sees it (the protocol suite covers the wire itself).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelClient } from "../support/kernel-client.js";

let k: KernelClient;
let notebookDir: string;

beforeAll(async () => {
  // A notebook directory outside the repository, with a model file next to it.
  notebookDir = mkdtempSync(join(tmpdir(), "hpcfit-notebook-"));
  writeFileSync(join(notebookDir, "helper.ts"), "export function twice(x: number): number { return 2 * x }\n");
  k = await startKernel({ cwd: notebookDir });
});
afterAll(async () => {
  await k?.shutdown();
});

describe("interpreter through the kernel", () => {
  it("tells values the notebook variable they are declared as (an unnamed model is titled by it)", async () => {
    const cell = [
      'import { Curve, FitProblem, fit, DISPLAY } from "hpcfit";',
      "const peak = new Curve((x: number, m = 1, b = 0) => m * x + b, [1, 2, 3, 4], [2, 4.1, 5.9, 8], [0.1, 0.1, 0.1, 0.1]);",
      "peak.m.range(0, 5); peak.b.range(-5, 5);",
      "const titled = (await fit(new FitProblem(peak)))[DISPLAY]()['application/vnd.hpcfit.fit+json'].models[0].name;",
      "let wide = new Curve((x: number, a = 1) => a * x, [1, 2], [1, 2]);",
      "const useWide = () => wide;",
      "[titled, wide.variableName]",
    ].join("\n");
    const r = await k.execute(cell);
    expect(r.status, r.error?.evalue).toBe("ok");
    expect(r.result?.["text/plain"]).toBe("[ 'peak', 'wide' ]");
  });

  it("keeps declarations across cells, returns results and maps errors to cell lines", async () => {
    expect((await k.execute("let total = 0;\nfor (let i = 0; i < 1000; i++) total += i;")).status).toBe("ok");
    expect((await k.execute("total")).result?.["text/plain"]).toBe("499500");
    const bad = await k.execute("const fine = 1;\nnull!.boom;", { stopOnError: false });
    expect(bad.status).toBe("error");
    expect(bad.error?.ename).toBe("TypeError");
    expect(bad.error?.traceback.join("\n")).toMatch(/<cell \d+>:2:\d+/);
  });

  it("imports hpcfit and a .ts file from a notebook outside the repository", async () => {
    const r = await k.execute(
      "import { DISPLAY } from 'hpcfit';\nimport { twice } from './helper.ts';\n[typeof DISPLAY, twice(21)]",
    );
    expect(r.error?.traceback.join("\n") ?? r.result?.["text/plain"]).toBe("[ 'symbol', 42 ]");
  });

  it("stops a busy loop after a top-level await on interrupt_request and keeps state", async () => {
    const id = await k.startExecute(
      "const kept = 'yes';\nawait new Promise((r) => setTimeout(r, 20));\nconsole.log('looping');\nwhile (true) {}",
      {
        stopOnError: false,
      },
    );
    // Interrupt only once the loop runs (after the cell's first await).
    const seen = await k.iopub({ untilType: "stream", timeout: 30 });
    expect(seen.some((m) => m.header.msg_type === "stream" && m.content.text === "looping\n")).toBe(true);
    await k.interrupt("message");
    const r = await k.waitExecute(id);
    expect(r.status).toBe("error");
    expect(r.error?.ename).toBe("KeyboardInterrupt");
    expect((await k.execute("kept")).result?.["text/plain"]).toBe("'yes'");
  });

  it("sends display_data and update_display_data for display handles and rich values", async () => {
    const r = await k.execute(
      "const h = display.html('<b>1</b>');\nh.update('<b>2</b>');\n({ [Symbol.for('hpcfit.display')]: () => ({ 'text/markdown': '**rich**', 'text/plain': 'rich' }) })",
    );
    const types = r.outputs.map((m) => m.header.msg_type);
    expect(types).toEqual(["display_data", "update_display_data", "execute_result"]);
    expect(r.outputs[1].content.transient.display_id).toBe(r.outputs[0].content.transient.display_id);
    expect(r.result?.["text/markdown"]).toBe("**rich**");
  });

  it("streams %%bash output and reports its exit status", async () => {
    const r = await k.execute("%%bash\necho from-bash\nexit 4", { stopOnError: false });
    expect(r.stdout).toBe("from-bash\n");
    expect(r.status).toBe("error");
    expect(r.error?.evalue).toContain("status 4");
  });

  it("reports a late exception from a timer on stderr and lives on", async () => {
    const first = await k.execute("setTimeout(() => { throw new Error('late failure') }, 10);");
    const r = await k.execute("await new Promise((r) => setTimeout(r, 200));\n'alive'");
    expect(r.result?.["text/plain"]).toBe("'alive'");
    // The report goes to the last cell's sink: this cell's, or the first one's (published with
    // the first request as parent: before or after its idle status, depending on when the
    // timer fired) if the timer fired before this request arrived.
    const unsolicited = await k.iopub({ timeout: 0.5 });
    const late = unsolicited
      .filter((m) => m.header.msg_type === "stream" && m.content.name === "stderr")
      .map((m) => m.content.text as string);
    expect(first.stderr + r.stderr + late.join("")).toContain("late failure");
  });
});
