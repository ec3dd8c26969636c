import { describe, expect, it } from "vitest";
import { CellSyntaxError, compileCell } from "../../kernel/interpreter/index.js";

/** How each top-level name is published: "def" (plain local) or "acc" (accessor, captured). */
function publishing(code: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of compileCell(code).source.matchAll(/__hpcfit\.(def|acc)\("([^"]+)"/g)) out[m[2]] = m[1];
  return out;
}

describe("cell compiler scope analysis", () => {
  it("keeps uncaptured names plain and gives captured ones accessors", () => {
    expect(publishing("let a = 1;\nlet b = 2;\nconst f = () => b;")).toEqual({ a: "def", b: "acc", f: "def" });
  });

  it("does not count a shadowed name as captured", () => {
    expect(
      publishing(
        "let s = 0;\nfunction f(s: number) { return s }\nconst g = ({ s }: { s: number }) => s;\nfunction h() { const s = 1; return s }",
      ),
    ).toMatchObject({
      s: "def",
    });
    expect(publishing("let e = 0;\ntry {} catch (e) { (() => e)() }")).toMatchObject({ e: "def" });
    expect(publishing("let i = 0;\nconst fs = [];\nfor (let i = 0; i < 2; i++) fs.push(() => i);")).toMatchObject({ i: "def" });
  });

  it("sees captures through default parameters, class members and nested blocks", () => {
    expect(publishing("let d = 1;\nfunction f(x = d) { return x }")).toMatchObject({ d: "acc" });
    expect(publishing("let m = 1;\nclass C { field = m; method() { return 1 } }")).toMatchObject({ m: "acc", C: "def" });
    expect(publishing("let n = 1;\n{ const g = () => { { return n } } }")).toMatchObject({ n: "acc" });
  });

  it("treats a class's own name inside its body as the class binding, not a capture", () => {
    expect(publishing("class K { static make() { return new K() } }")).toEqual({ K: "def" });
  });

  it("publishes recursive functions through an accessor, before the cell body runs", () => {
    const { source } = compileCell("function fact(n: number): number { return n < 2 ? 1 : n * fact(n - 1) }");
    expect(source.split("\n")[0]).toContain('__hpcfit.acc("fact"');
  });

  it("keeps every line on its line", () => {
    const code = "import {\n  parse,\n} from 'yaml';\nlet x = 1;\nexport const y = await Promise.resolve(x);\ny";
    const lines = compileCell(code).source.split("\n");
    // Line 1 of the wrapper is the prologue; cell line n is wrapper line n + 1.
    expect(lines[4]).toMatch(/let x = 1;/);
    expect(lines[5]).toMatch(/const y = \(yield Promise\.resolve\(x\)\)/);
    expect(lines[6]).toMatch(/return \(y\)/);
  });

  it("uses an async generator only for a top-level for await", () => {
    expect(compileCell("for await (const x of []) {}").mode).toBe("async-generator");
    expect(compileCell("for (const u of [1]) await u;").mode).toBe("generator");
    expect(compileCell("await 1").mode).toBe("generator");
  });

  it("writes flush statements for the plain locals a stopped cell must still publish", () => {
    const { flush } = compileCell("let a = 1;\nconst f = () => a;\nvar b = 2;\nclass C {}");
    expect(flush).toContain('__hpcfit.published("b") && b !== undefined) __hpcfit.def("b", b)');
    expect(flush).toContain('__hpcfit.def("C", C)');
    // `a` is captured by a closure: published as a live accessor, nothing to flush.
    expect(flush).not.toContain('"a"');
    expect(compileCell("1 + 1").flush).toBe("");
  });

  it("reports syntax errors with line and column", () => {
    try {
      compileCell("let ok = 1;\nlet = = 2;");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CellSyntaxError);
      expect((error as CellSyntaxError).line).toBe(2);
    }
  });
});
