// A cell that exhausts the heap ends with an error the notebook shows, and the kernel goes on:
// the same process (the supervisor that owns the sockets) answers the next cell through a fresh
// interpreter, numbering goes on, and the variables are gone, as the error says. The real kernel
// through jupyter_client, with a small heap (NODE_OPTIONS) so the cell runs out quickly. Uses dist/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelClient } from "../support/kernel-client.js";

const OUT_OF_MEMORY = "out of memory; the interpreter was restarted, variables are lost";

describe("a cell that exhausts memory", () => {
  let k: KernelClient;
  beforeAll(async () => {
    k = await startKernel({ env: { NODE_OPTIONS: "--max-old-space-size=192" } });
  }, 60_000);
  afterAll(async () => {
    await k?.kill();
  });

  it("ends with an out-of-memory error, and the next cell runs in the same kernel process", async () => {
    const pid = k.pid;
    expect((await k.execute("const lost = 41; lost + 1")).result?.["text/plain"]).toBe("42");
    const oom = await k.execute("const a: number[][] = []; while (true) a.push(new Array(1e6).fill(1));", { timeout: 120 });
    expect(oom.status).toBe("error");
    expect(oom.content).toMatchObject({ ename: "OutOfMemoryError", evalue: OUT_OF_MEMORY });
    expect(oom.error).toMatchObject({ ename: "OutOfMemoryError", evalue: OUT_OF_MEMORY });
    expect(oom.executionCount).toBe(2);
    const next = await k.execute("typeof lost", { timeout: 60 });
    expect(next.result?.["text/plain"]).toBe("'undefined'");
    expect(next.executionCount).toBe(3);
    expect(k.pid).toBe(pid);
    expect(await k.alive()).toBe(true);
    expect(await k.heartbeat(2000)).toBe(true);
  }, 240_000);

  it("aborts the cells queued behind the one that ran out, and answers other requests", async () => {
    const failing = await k.startExecute("const b: number[][] = []; while (true) b.push(new Array(1e6).fill(2));");
    const queued = await k.startExecute("'never runs'");
    const complete = await k.startRequest("complete_request", { code: "Math.fl", cursor_pos: 7 });
    expect((await k.waitExecute(failing, { timeout: 120 })).content).toMatchObject({ ename: "OutOfMemoryError" });
    expect((await k.waitExecute(queued, { timeout: 60 })).status).toBe("aborted");
    expect((await k.waitRequest(complete, { timeout: 60 })).reply?.content.matches).toContain("floor");
    expect((await k.execute("6 * 7")).result?.["text/plain"]).toBe("42");
  }, 240_000);

  it("tells the cell that ran last when a timer runs out, and closes the comms the interpreter held", async () => {
    await k.execute(`(globalThis as any)[Symbol.for("hpcfit.comms")].registerTarget("test.held", () => undefined);`);
    await k.request("comm_open", { comm_id: "held-1", target_name: "test.held", data: {} }, { wantReply: false });
    const last = await k.execute(
      `setTimeout(() => { const c: number[][] = []; while (true) c.push(new Array(1e6).fill(3)); }, 300); "scheduled"`,
    );
    expect(last.result?.["text/plain"]).toBe("'scheduled'");
    const late = await k.iopub({ timeout: 120, untilType: "comm_close" });
    const stderr = late.find((m) => m.header.msg_type === "stream");
    expect(stderr?.content).toEqual({ name: "stderr", text: `OutOfMemoryError: ${OUT_OF_MEMORY}\n` });
    expect(stderr?.parent_header.msg_id).toBe(last.msgId);
    expect(late.find((m) => m.header.msg_type === "comm_close")?.content).toEqual({ comm_id: "held-1", data: {} });
    const next = await k.execute("6 * 7", { timeout: 60 });
    expect(next.result?.["text/plain"]).toBe("42");
    expect(next.executionCount).toBe((last.executionCount ?? 0) + 1);
  }, 240_000);
});
