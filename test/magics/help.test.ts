// Every magic answers `--help`, `-h` and `?` with its usage and nothing else: no error, no work
// done, no value.
import { describe, expect, test } from "vitest";
import { MagicRegistry } from "../../kernel/magics/registry.js";
import { rewriteMagics } from "../../kernel/interpreter/magic-syntax.js";
import { registerDefaultMagics } from "../../magics/all.js";
import { freshDirs, recordingContext, stdoutOf } from "../jobs/support.js";

freshDirs();
const registry = new MagicRegistry();
registerDefaultMagics(registry);

describe.each(registry.list().map((m) => [m.name, m] as const))("%%%s", (name, magic) => {
  const forms = magic.kind === "both" ? (["line", "cell"] as const) : [magic.kind];
  for (const form of forms) {
    for (const ask of ["--help", "-h", "?"]) {
      test(`${form} form, ${ask}`, async () => {
        const context = recordingContext();
        const body = form === "cell" ? "echo this must not run\n" : undefined;
        const value = await registry.run(name, ask, context, body);
        expect(value).toBeUndefined();
        expect(context.outputs.every((o) => o.kind === "stream" && o.name === "stdout")).toBe(true);
        expect(stdoutOf(context.outputs)).toBe(registry.helpText(name));
        expect(registry.helpText(name)).toContain(magic.usage ?? magic.summary);
      });
    }
  }
});

test("a cell magic's name followed by ? asks for its help", () => {
  expect(rewriteMagics("%%sbatch?\necho hi\n")).toMatchObject({ kind: "cell-magic", name: "sbatch", args: "?" });
});

test("%queue help prints the queue's help and no error", async () => {
  const context = recordingContext();
  await expect(registry.run("queue", "help", context)).resolves.toBeUndefined();
  expect(stdoutOf(context.outputs)).toMatch(/create/);
});
