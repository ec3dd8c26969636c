// Errors raised after their cell ended (a throwing timer, an unhandled rejection) show in the
// notebook as stderr on the cell that scheduled them, with the error and its cell location, even
// while another cell runs; the kernel lives on. The real kernel driven by jupyter_client; uses
// dist/: build first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelClient, type WireMessage } from "../support/kernel-client.js";

let k: KernelClient;
beforeAll(async () => {
  k = await startKernel();
});
afterAll(async () => {
  await k?.kill();
});

const stderrOf = (msgs: WireMessage[], parent: string) =>
  msgs
    .filter((m) => m.header.msg_type === "stream" && m.content.name === "stderr" && m.parent_header.msg_id === parent)
    .map((m) => m.content.text)
    .join("");

describe("errors raised after their cell ended", () => {
  it("shows a throwing timer on the cell that set it, while a later cell runs", async () => {
    const scheduling = await k.execute('setTimeout(() => {\n  throw new Error("late boom");\n}, 300);\n"scheduled"');
    expect(scheduling.status).toBe("ok");
    const waiting = await k.execute('await new Promise((r) => setTimeout(r, 900));\n"waited"');
    expect(waiting.result?.["text/plain"]).toBe("'waited'");
    const late = [...(await k.iopub({ timeout: 1 })), ...waiting.iopub];
    expect(stderrOf(late, waiting.msgId)).toBe("");
    const text = stderrOf(late, scheduling.msgId);
    expect(text).toContain("Error: late boom");
    expect(text).toMatch(/<cell \d+>:2:\d+/);
    expect((await k.execute("6*7")).result?.["text/plain"]).toBe("42");
  });

  it("shows an unhandled rejection on the cell whose timer made it, not on the last cell", async () => {
    const scheduling = await k.execute(
      'setTimeout(() => {\n  void Promise.reject(new RangeError("rejected later"));\n}, 300);\n"scheduled"',
    );
    const next = await k.execute('"next"');
    expect(next.result?.["text/plain"]).toBe("'next'");
    const late = await k.iopub({ untilType: "stream", timeout: 5 });
    expect(stderrOf(late, next.msgId)).toBe("");
    const text = stderrOf(late, scheduling.msgId);
    expect(text).toContain("Unhandled promise rejection: RangeError: rejected later");
    expect(text).toMatch(/<cell \d+>:2:\d+/);
    expect(await k.alive()).toBe(true);
    expect((await k.execute("6*7")).result?.["text/plain"]).toBe("42");
  });
});
