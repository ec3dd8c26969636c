// 10,000 hostile or broken messages, built from a fixed seed, on shell, control and stdin of the
// real kernel (through jupyter_client's session for the signatures): random bytes, broken framing,
// wrong signatures, and signed messages with every kind of wrong field. The kernel drops what it
// cannot verify or parse, answers what it can, and neither its process nor its interpreter dies.
// Uses dist/: build first.
import { afterAll, expect, it } from "vitest";
import { startKernel, type KernelClient } from "../support/kernel-client.js";

let k: KernelClient | undefined;
afterAll(async () => {
  await k?.kill();
});

it("survives 10,000 seeded hostile frames on shell, control and stdin, keeping its state", async () => {
  // Replies to garbage carry the garbage as their parent header, which the schemas refuse.
  k = await startKernel({ strictSchemas: false });
  expect((await k.execute("const kept = 'before the fuzz'; kept")).result?.["text/plain"]).toBe("'before the fuzz'");
  const pid = k.pid;
  const fuzz = await k.fuzz(14, 10_000);
  expect(Object.values(fuzz.kinds).reduce((a, b) => a + b, 0)).toBe(10_000);
  expect(Object.keys(fuzz.kinds).sort()).toEqual(
    [
      "bad-header",
      "buffers",
      "bytes",
      "delimiters",
      "flipped",
      "identities",
      "not-json",
      "not-object",
      "request",
      "truncated",
      "unsigned",
    ].sort(),
  );
  // Signed requests were answered.
  expect(fuzz.received).toBeGreaterThan(100);
  expect(await k.alive()).toBe(true);
  expect(await k.heartbeat(5000)).toBe(true);
  expect(k.pid).toBe(pid);
  // The same interpreter: the variable is still there.
  const after = await k.execute("kept", { timeout: 120 });
  expect(after.result?.["text/plain"]).toBe("'before the fuzz'");
  expect((await k.execute("6 * 7")).result?.["text/plain"]).toBe("42");
}, 600_000);
