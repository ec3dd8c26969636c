import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { makeInterpreter, RecordingSink } from "./interpreter-support.js";

// The interpreter's own SIGINT listener is installed, as in the kernel.
const k = makeInterpreter({ installProcessHandlers: true });
afterAll(() => k.interpreter.dispose());

/**
 * Sends this process a real SIGINT from outside after `ms` (a busy loop blocks our own timers).
 * Cells call it right before their loop, so the signal cannot arrive before the loop runs.
 */
(globalThis as Record<string, unknown>).sigintSoon = (ms = 200): void => {
  spawn("sh", ["-c", `sleep ${ms / 1000}; kill -INT ${process.pid}`], { stdio: "ignore" }).unref();
};

describe("interrupt", () => {
  it("stops a busy synchronous loop on SIGINT and keeps the state", async () => {
    const r0 = await k.run("const keep = 'kept';\nlet spins = 0;\nconst box = { n: 0 };");
    expect(r0.status).toBe("ok");
    const r = await k.run("(globalThis as any).sigintSoon();\nwhile (true) { spins++; box.n++ }");
    expect(r.status).toBe("error");
    if (r.status === "error") expect(r.ename).toBe("KeyboardInterrupt");
    const after = await k.run("[keep, typeof spins, box.n > 0]");
    expect(after.plain).toBe("[ 'kept', 'number', true ]");
  });

  it("stops a busy loop that comes after a top-level await", async () => {
    const r = await k.run("await new Promise((r) => setTimeout(r, 10));\nlet n2 = 0;\n(globalThis as any).sigintSoon();\nfor (;;) n2++;");
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
    expect((await k.run("1 + 1")).plain).toBe("2");
  });

  it("rejects a pending await on interrupt() and keeps what was assigned", async () => {
    setTimeout(() => k.interpreter.interrupt(), 100);
    const r = await k.run("let before = 1;\nbefore = 2;\nawait new Promise(() => {});\nbefore = 3;");
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
    expect((await k.run("before")).plain).toBe("2");
  });

  it("interrupts an await inside a top-level loop and keeps the loop's progress", async () => {
    setTimeout(() => k.interpreter.interrupt(), 150);
    const r = await k.run("let rounds = 0;\nfor (;;) { rounds++; await new Promise((r) => setTimeout(r, rounds < 3 ? 1 : 60_000)) }");
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
    expect((await k.run("rounds")).plain).toBe("3");
  });

  it("stops a busy loop that follows a loop of awaits", async () => {
    const r = await k.run("let got = 0;\nfor (const x of [1, 2, 3]) got += await Promise.resolve(x);\n(globalThis as any).sigintSoon();\nwhile (true) {}");
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
    expect((await k.run("got")).plain).toBe("6");
  });

  it("rejects a pending await on a real SIGINT", async () => {
    setTimeout(() => process.kill(process.pid, "SIGINT"), 100);
    const r = await k.run("await new Promise(() => {})");
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
  });

  it("stops %%bash and the processes it started", async () => {
    // Interrupt as soon as the script has shown that it runs.
    const sink = new RecordingSink();
    const record = sink.stream.bind(sink);
    sink.stream = (name, text) => {
      record(name, text);
      if (text.includes("started")) setTimeout(() => k.interpreter.interrupt(), 50);
    };
    const r = await k.run("%%bash\necho started\nsleep 30\necho never", sink);
    expect(r.status).toBe("error");
    expect(r.sink.text()).toContain("started");
    expect(r.sink.text()).not.toContain("never");
  });

  it("ignores an interrupt when no cell runs", async () => {
    k.interpreter.interrupt();
    expect((await k.run("'still fine'")).plain).toBe("'still fine'");
  });
});
