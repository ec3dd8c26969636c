// Output floods reach a jupyter_client subscriber whole: status, execute_input, execute_result,
// error and stream messages are never dropped, every display() arrives, and bursts of updates to
// one display may only be merged into fewer updates that end with the latest. The subscriber (the
// bridge, which checks every message against the spec's schemas) is slower than the kernel, so
// the kernel meets ZeroMQ's high-water mark. Uses dist/: build first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelClient, type WireMessage } from "../support/kernel-client.js";

let k: KernelClient;
beforeAll(async () => {
  k = await startKernel();
});
afterAll(async () => {
  await k?.kill();
});

const N = 10_000;
// Generous: a flood through a schema-checking subscriber is slow on a loaded machine.
const FLOOD_TIMEOUT_MS = 600_000;
const ofType = (msgs: WireMessage[], type: string) => msgs.filter((m) => m.header.msg_type === type);
const states = (msgs: WireMessage[]) => ofType(msgs, "status").map((m) => m.content.execution_state);

describe("iopub under floods", () => {
  it(
    `delivers the last of ${N} updates of one display, and every other message of the cell`,
    async () => {
      const r = await k.execute(
        `const flooded = display.markdown("v0");\nfor (let i = 1; i <= ${N}; i++) flooded.update("v" + i);\nconsole.log("updated");\n"done"`,
        { timeout: 550 },
      );
      expect(r.status).toBe("ok");
      expect(states(r.iopub)).toEqual(["busy", "idle"]);
      expect(r.iopub.at(-1)!.content.execution_state).toBe("idle");
      expect(ofType(r.iopub, "execute_input")).toHaveLength(1);
      expect(r.result?.["text/plain"]).toBe("'done'");
      expect(r.stdout).toBe("updated\n");
      const [shown] = ofType(r.iopub, "display_data");
      const updates = ofType(r.iopub, "update_display_data");
      expect(updates.length).toBeGreaterThan(0);
      expect(updates.length).toBeLessThanOrEqual(N);
      expect(updates.every((u) => u.content.transient.display_id === shown.content.transient.display_id)).toBe(true);
      // Merging keeps order: the versions seen only grow, and the last is the latest.
      const versions = updates.map((u) => Number(String(u.content.data["text/markdown"]).slice(1)));
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      expect(versions.at(-1)).toBe(N);
    },
    FLOOD_TIMEOUT_MS,
  );

  it(
    `delivers all of ${N} display() calls in order, with the cell's stream, result and idle`,
    async () => {
      const r = await k.execute(`for (let i = 0; i < ${N}; i++) display.markdown("item " + i);\nconsole.log("shown");\n${N}`, {
        timeout: 550,
      });
      expect(r.status).toBe("ok");
      const shown = ofType(r.iopub, "display_data").map((m) => m.content.data["text/markdown"]);
      expect(shown).toEqual(Array.from({ length: N }, (_, i) => `item ${i}`));
      expect(r.stdout).toBe("shown\n");
      expect(r.result?.["text/plain"]).toBe(String(N));
      expect(states(r.iopub)).toEqual(["busy", "idle"]);
      expect(r.iopub.at(-1)!.content.execution_state).toBe("idle");
    },
    FLOOD_TIMEOUT_MS,
  );

  it(
    "delivers the error and idle of a cell that fails after a flood of displays and prints",
    async () => {
      const r = await k.execute(
        `for (let i = 0; i < ${N}; i++) { display.markdown("row " + i); if (i % 1000 === 0) console.log("at " + i); }\nthrow new RangeError("after the flood")`,
        { timeout: 550, stopOnError: false },
      );
      expect(r.status).toBe("error");
      expect(r.error).toMatchObject({ ename: "RangeError", evalue: "after the flood" });
      expect(ofType(r.iopub, "display_data")).toHaveLength(N);
      expect(r.stdout).toBe(Array.from({ length: N / 1000 }, (_, i) => `at ${i * 1000}\n`).join(""));
      expect(states(r.iopub)).toEqual(["busy", "idle"]);
      expect((await k.execute("1+1")).result?.["text/plain"]).toBe("2");
    },
    FLOOD_TIMEOUT_MS,
  );
});
