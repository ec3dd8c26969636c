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
    const r = await k.run(
      "await new Promise((r) => setTimeout(r, 10));\nlet n2 = 0;\n(globalThis as any).sigintSoon();\nfor (;;) n2++;",
    );
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
    const r = await k.run(
      "let rounds = 0;\nfor (;;) { rounds++; await new Promise((r) => setTimeout(r, rounds < 3 ? 1 : 60_000)) }",
    );
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
    expect((await k.run("rounds")).plain).toBe("3");
  });

  it("stops a busy loop that follows a loop of awaits", async () => {
    const r = await k.run(
      "let got = 0;\nfor (const x of [1, 2, 3]) got += await Promise.resolve(x);\n(globalThis as any).sigintSoon();\nwhile (true) {}",
    );
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
    expect((await k.run("got")).plain).toBe("6");
  });

  it("stops a busy loop that resumes after an await inside a top-level loop", async () => {
    const r = await k.run(
      "let laps = 0;\nfor (;;) {\n  await new Promise((r) => setTimeout(r, 1));\n  if (++laps === 3) { (globalThis as any).sigintSoon(); while (true) {} }\n}",
    );
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
    expect((await k.run("1 + 1")).plain).toBe("2");
  });

  it("stops a busy async function called from a cell, after its own await", async () => {
    const r = await k.run(
      "async function spin() {\n  await new Promise((r) => setTimeout(r, 5));\n  (globalThis as any).sigintSoon();\n  for (;;) {}\n}\nawait spin();",
    );
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
    expect((await k.run("typeof spin")).plain).toBe("'function'");
  });

  it("stops busy code run from the tick queue", async () => {
    const r = await k.run(
      "await new Promise<void>((done) => process.nextTick(() => done()));\nawait null;\nasync function tick() { await null; (globalThis as any).sigintSoon(); for (;;) {} }\nawait new Promise((r) => process.nextTick(() => r(tick())));",
    );
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
  });

  it("leaves busy code in a timer callback running, says why, and interrupts once it returns", async () => {
    const r = await k.run(
      "await new Promise(() => setTimeout(() => {\n  (globalThis as any).sigintSoon(100);\n  const t0 = Date.now();\n  while (Date.now() - t0 < 1000) {}\n}, 0));",
    );
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
    // The report may arrive just after the cell has ended; it goes to the same output.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(r.sink.text("stderr")).toMatch(/could not stop the code running in .*Node\.js's own callback machinery/s);
    expect((await k.run("'alive'")).plain).toBe("'alive'");
  });

  it("stops busy library code called from the cell, and keeps what earlier statements set", async () => {
    const r = await k.run(
      "let before = 'set';\nconst spinForever = new Function('while (true) {}');\n(globalThis as any).sigintSoon();\nspinForever();\nbefore = 'not reached';",
    );
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
    expect((await k.run("before")).plain).toBe("'set'");
  });

  it("keeps what a busy top-level loop had reached when it is stopped", async () => {
    const r = await k.run(
      "let reached = 0;\nconst marks: number[] = [];\n(globalThis as any).sigintSoon();\nfor (;;) { reached++; if (reached % 1000000 === 0) marks.push(reached); }",
    );
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
    const after = await k.run("[reached > 0, reached >= marks[marks.length - 1]]");
    expect(after.plain).toBe("[ true, true ]");
  });

  it("does not publish a declaration the stopped cell had not reached", async () => {
    await k.run("const unreached = 'from before';");
    const r = await k.run("(globalThis as any).sigintSoon();\nwhile (true) {}\nconst unreached = 'never';");
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
    expect((await k.run("unreached")).plain).toBe("'from before'");
  });

  it("survives SIGINTs in quick succession", async () => {
    const r = await k.run(
      "(globalThis as any).sigintSoon(150);\n(globalThis as any).sigintSoon(160);\n(globalThis as any).sigintSoon(170);\nwhile (true) {}",
    );
    expect(r.status === "error" && r.ename).toBe("KeyboardInterrupt");
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < 3; i++) process.kill(process.pid, "SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await k.run("'alive'")).plain).toBe("'alive'");
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
