// Bursts of interrupts, busy or idle, never end the kernel: by message from the first heartbeat on, by signal from the
// first kernel_info reply on and, to the process group as Jupyter sends them, from the process's first statement on (the real
// kernel process driven by jupyter_client, by SIGINT (interrupt_mode "signal", what JupyterLab
// sends) and by interrupt_request on control. Uses dist/: build first.
import { afterEach, describe, expect, it } from "vitest";
import { startKernel, type KernelClient } from "../support/kernel-client.js";

let k: KernelClient | undefined;
afterEach(async () => {
  await k?.kill();
  k = undefined;
});

const MODES = ["signal", "message"] as const;

describe("interrupt storms", () => {
  for (const mode of MODES) {
    it(`survives 500 rounds of 1+1 each followed by 20 interrupts (${mode}), keeping state`, async () => {
      k = await startKernel();
      expect((await k.execute("const kept = { value: 42 }; kept.value")).result?.["text/plain"]).toBe("42");
      const storm = await k.interruptStorm({ rounds: 500, perRound: 20, mode });
      expect({ alive: storm.alive, exitCode: storm.exitCode, rounds: storm.outcomes.length }).toEqual({
        alive: true,
        exitCode: null,
        rounds: 500,
      });
      for (const round of storm.outcomes) {
        // An interrupt of the burst before may reach the next cell: it ends interrupted, nothing else.
        if (round.status === "ok") expect(round.result).toBe("2");
        else expect(round).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
        if (mode === "message") expect(round.interrupt_replies).toEqual(Array(20).fill("ok"));
      }
      expect(storm.outcomes.filter((r) => r.status === "ok").length).toBeGreaterThan(0);
      expect(await k.heartbeat(2000)).toBe(true);
      expect((await k.execute("kept.value")).result?.["text/plain"]).toBe("42");
      expect(await k.alive()).toBe(true);
    });
  }

  for (const mode of MODES) {
    it(`survives interrupts every 2 ms while it starts and loads its interpreter (${mode})`, async () => {
      k = await startKernel({ interruptDuringStart: mode });
      const start = k.startInterrupts!;
      expect({ alive: start.alive, exitCode: start.exitCode }).toEqual({ alive: true, exitCode: null });
      // The interrupts go every 2 ms until the first cell replies, so they cover the start whatever
      // its length; how many that makes depends on the machine (6 when the first cell of a signal
      // storm took 12 ms on a quiet one).
      expect(start.sent).toBeGreaterThanOrEqual(2);
      expect(k.kernelInfo.content.status).toBe("ok");
      const first = start.executeReply.content;
      if (first.status !== "ok") expect(first).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
      if (mode === "message") expect(start.interruptReplies.every((s) => s === "ok")).toBe(true);
      expect((await k.execute("let after = 7; after * 6")).result?.["text/plain"]).toBe("42");
      expect(await k.alive()).toBe(true);
    });
  }

  it("keeps its interpreter process through SIGINTs sent to each of that process's threads, 300 rounds", async () => {
    // A signal may land on any thread of a process and interrupts the system call that thread
    // blocks in; no thread of the interpreter may end, or leave SIGINT without a handler, for it.
    k = await startKernel();
    expect((await k.execute("const kept = { value: 42 }; kept.value")).result?.["text/plain"]).toBe("42");
    const storm = await k.signalThreads("SIGINT", 300);
    expect(storm.sent).toBeGreaterThan(300);
    expect(storm.alive).toBe(true);
    // Each signal interrupts, as Ctrl-C would: the last ones may reach the next cell.
    const next = await k.execute("1 + 1");
    if (next.status !== "ok") expect(next.error?.ename).toBe("KeyboardInterrupt");
    const after = await k.execute("kept.value");
    expect(after.error).toBeUndefined();
    expect(after.result?.["text/plain"]).toBe("42");
    expect((await k.signalThreads("SIGINT", 1)).pid).toBe(storm.pid);
    expect(await k.alive()).toBe(true);
  });

  it("survives SIGINTs to its process group every 2 ms from its first statement to its first reply, three starts", async () => {
    for (let start = 0; start < 3; start++) {
      k = await startKernel({ signalFromFirstStatement: true });
      const s = k.startSignals!;
      expect({ alive: s.alive, exitCode: s.exitCode }).toEqual({ alive: true, exitCode: null });
      // The signals cover the module loading, the sockets, kernel_info and the interpreter's loading.
      expect(s.sent).toBeGreaterThan(10);
      expect(s.kernelInfo?.content.status).toBe("ok");
      const first = s.executeReply!.content;
      if (first.status !== "ok") expect(first).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
      expect((await k.execute("let after = 7; after * 6")).result?.["text/plain"]).toBe("42");
      expect(await k.alive()).toBe(true);
      await k.kill();
      k = undefined;
    }
  });
});
