import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelClient } from "../support/kernel-client.js";

// The limit is lowered so that the cells stay small enough for the test bridge to carry quickly;
// the check is the same at any size.
describe("the cell size limit", () => {
  let k: KernelClient;
  beforeAll(async () => {
    k = await startKernel({ env: { HPCFIT_MAX_CELL_BYTES: "100000" } });
  }, 60_000);
  afterAll(async () => {
    await k?.shutdown().catch(() => k.kill());
  });

  it("runs a cell under the limit", async () => {
    const r = await k.execute(`const under = "${"y".repeat(90_000)}";\nunder.length`);
    expect(r.status).toBe("ok");
    expect(r.result?.["text/plain"]).toBe("90000");
  }, 60_000);

  it("refuses a cell over the limit with an error reply, and keeps the kernel's state", async () => {
    expect((await k.execute("let counter = 41")).status).toBe("ok");
    const code = `counter++;\nconst huge = "${"x".repeat(150_000)}";`;
    const r = await k.execute(code);
    expect(r.status).toBe("error");
    expect(r.error?.ename).toBe("CellTooLargeError");
    expect(r.error?.evalue).toBe(
      `the cell is 0.2 MB (${code.length} bytes), more than the kernel accepts (100000 bytes): load large data from a file ` +
        "instead, or raise the limit with HPCFIT_MAX_CELL_BYTES (compiling takes about 200 MB of memory per MB of cell)",
    );
    // The notebook shows it: the error is published on iopub too.
    expect(r.outputs.some((m) => m.header.msg_type === "error")).toBe(true);
    // Nothing of the refused cell ran, and the kernel goes on with its variables.
    expect((await k.execute("counter + 1")).result?.["text/plain"]).toBe("42");
    expect((await k.execute("typeof huge")).result?.["text/plain"]).toBe("'undefined'");
  }, 60_000);
});

// The probe at the default limit: a 50 MB cell, and the largest cell the kernel takes.
describe("a 50 MB cell at the default limit", () => {
  let k: KernelClient;
  beforeAll(async () => {
    k = await startKernel();
  }, 60_000);
  afterAll(async () => {
    await k?.kill();
  });

  it("is refused with CellTooLargeError, a cell of 5 MB runs, and the kernel keeps its state", async () => {
    const pid = k.pid;
    expect((await k.execute("let kept = 41")).status).toBe("ok");
    const big = await k.execute(`kept++;\nconst big = "${"x".repeat(50_000_000)}";`, { timeout: 300 });
    expect(big.error?.ename).toBe("CellTooLargeError");
    expect(big.error?.evalue).toMatch(/^the cell is 50\.0 MB \(50000023 bytes\), more than the kernel accepts \(5242880 bytes\)/);
    const under = await k.execute(`const under = "${"y".repeat(5_000_000)}";\nunder.length`, { timeout: 300 });
    expect(under.result?.["text/plain"]).toBe("5000000");
    expect((await k.execute("kept + 1")).result?.["text/plain"]).toBe("42");
    expect(k.pid).toBe(pid);
  }, 600_000);
});
