// The type service answers withdrawn completion and inspection questions "unknown" without
// computing them, so that a thread that fell behind a flood of questions catches up with its
// asker; checks and questions asked after the withdrawal are answered in full. Runs the compiled
// service (dist/: its worker is a compiled script), in this process.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, expect, it } from "vitest";

type ServiceModule = typeof import("../../kernel/interpreter/type-service/type-service.js");

const root = join(import.meta.dirname, "..", "..");
const notebookDir = mkdtempSync(join(tmpdir(), "hpcfit-type-withdrawal-"));
afterAll(() => rmSync(notebookDir, { recursive: true, force: true }));

it("answers withdrawn questions unknown at once and later ones in full", async () => {
  const compiled = pathToFileURL(join(root, "dist", "kernel", "interpreter", "type-service", "type-service.js")).href;
  const { TypeService } = (await import(compiled)) as ServiceModule;
  const service = new TypeService(notebookDir);
  try {
    const code = "const box = { width: 2, height: 3 };\nbox.";
    const cursor = code.length;
    const stale = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? service.ask({ kind: "complete", code, cursor })
        : service.ask({ kind: "inspect", code, cursor: code.indexOf("box"), detailLevel: 0 }),
    );
    const check = service.ask({ kind: "check", code: "const n: number = 'text';", commit: false });
    service.withdrawQuestions();
    const fresh = service.ask({ kind: "complete", code, cursor });
    const freshInspect = service.ask({ kind: "inspect", code, cursor: code.indexOf("box"), detailLevel: 0 });
    service.start();
    expect(await Promise.all(stale)).toEqual(Array(40).fill(undefined));
    // Checks are not withdrawn: later answers depend on the cells they commit.
    expect((await check).map((d) => d.message).join("\n")).toMatch(/not assignable to type 'number'/);
    expect((await fresh)?.items.map((item) => item.text)).toEqual(expect.arrayContaining(["width", "height"]));
    expect(await freshInspect).toMatch(/box/);
  } finally {
    service.dispose();
  }
}, 120_000);
