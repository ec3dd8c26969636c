import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeInterpreter } from "./interpreter-support.js";

const k = makeInterpreter({ installProcessHandlers: false });
afterAll(() => k.interpreter.dispose());

function ok(r: { status: string }): void {
  if (r.status !== "ok") throw new Error(`cell failed: ${JSON.stringify(r)}`);
}

describe("persistent top level", () => {
  it("keeps const, let, var, function and class across cells", async () => {
    ok(
      await k.run(
        "const a = 1;\nlet b = 2;\nvar c = 3;\nfunction f(x: number): number { return x * 10 }\nclass P { constructor(public v: number) {} }",
      ),
    );
    const r = await k.run("[a, b, c, f(2), new P(7).v]");
    expect(r.plain).toBe("[ 1, 2, 3, 20, 7 ]");
  });

  it("lets a later cell declare the same names again, with another kind", async () => {
    ok(await k.run("const r1 = 'first'; let r2 = 1"));
    ok(await k.run("let r1 = 'second'; const r2 = 2; r1 += '!'"));
    expect((await k.run("[r1, r2]")).plain).toBe("[ 'second!', 2 ]");
    ok(await k.run("function r1() { return 'fn' }"));
    expect((await k.run("r1()")).plain).toBe("'fn'");
  });

  it("keeps const const within its cell", async () => {
    const r = await k.run("const k1 = 1;\nk1 = 2;");
    expect(r.status).toBe("error");
    if (r.status === "error") {
      expect(r.ename).toBe("TypeError");
      expect(r.evalue).toMatch(/constant/);
    }
    expect((await k.run("k1")).plain).toBe("1");
  });

  it("lets closures of a cell and later cells share one binding", async () => {
    ok(await k.run("let counter = 0;\nconst inc = () => ++counter;\ninc(); inc();"));
    expect((await k.run("counter")).plain).toBe("2");
    ok(await k.run("counter = 10"));
    expect((await k.run("inc()")).plain).toBe("11");
    expect((await k.run("counter")).plain).toBe("11");
  });

  it("sees a later assignment from a closure declared earlier", async () => {
    ok(await k.run("let setting = 'a';\nfunction readSetting() { return setting }"));
    ok(await k.run("setting = 'b'"));
    expect((await k.run("readSetting()")).plain).toBe("'b'");
  });

  it("handles destructuring, for heads, shadowing, labels and default params", async () => {
    ok(
      await k.run(
        [
          "const { p, q: [r0, ...rs] } = { p: 1, q: [2, 3, 4] };",
          "let total = 0;",
          "outer: for (let i = 0; i < 3; i++) { for (const j of [1, 2]) { if (j > i) continue outer; total += j } }",
          "function shadow(p = 5) { const total = -1; return p + total }",
          "for (var vi = 0; vi < 4; vi++) {}",
        ].join("\n"),
      ),
    );
    expect((await k.run("[p, r0, rs, total, shadow(), vi]")).plain).toBe("[ 1, 2, [ 3, 4 ], 4, 4, 4 ]");
  });

  it("keeps what was assigned before an exception", async () => {
    const r = await k.run(
      "let partial = 0;\nfor (let i = 0; i < 10; i++) { partial += 1; if (i === 4) throw new Error('stop') }",
    );
    expect(r.status).toBe("error");
    expect((await k.run("partial")).plain).toBe("5");
  });

  it("runs TypeScript-only syntax (types, interfaces, enums, generics)", async () => {
    ok(
      await k.run(
        "interface Pt { x: number }\nenum Color { Red, Green }\nfunction first<T>(xs: T[]): T { return xs[0] }\nconst pt: Pt = { x: 3 } as Pt;",
      ),
    );
    expect((await k.run("[pt.x, Color.Green, first<string>(['z'])]")).plain).toBe("[ 3, 1, 'z' ]");
  });

  it("strips export keywords so a model file can be pasted", async () => {
    ok(await k.run("export const ex1 = 4;\nexport function ex2() { return ex1 * 2 }\nexport { ex1 as ex3 };"));
    expect((await k.run("ex2()")).plain).toBe("8");
  });
});

describe("values and await", () => {
  it("gives the last expression as the result and nothing for undefined", async () => {
    expect((await k.run("1 + 1")).plain).toBe("2");
    expect((await k.run("const nothing = 1")).plain).toBeUndefined();
    expect((await k.run("undefined")).plain).toBeUndefined();
    expect((await k.run("({ a: 1, s: 'x' })")).plain).toBe("{ a: 1, s: 'x' }");
  });

  it("supports top-level await and awaits a returned promise", async () => {
    ok(await k.run("const later = await new Promise<number>((r) => setTimeout(() => r(42), 10));"));
    expect((await k.run("later")).plain).toBe("42");
    expect((await k.run("new Promise((r) => setTimeout(() => r('resolved'), 5))")).plain).toBe("'resolved'");
    expect((await k.run("let acc2 = 0;\nfor (const x of [1, 2, 3]) acc2 += await Promise.resolve(x);\nacc2")).plain).toBe("6");
  });

  it("gives cells an import.meta in the notebook's directory", async () => {
    const r = await k.run(
      "const meta = import.meta;\n[meta.dirname === process.cwd(), meta.url.startsWith('file://'), /cell-\\d+\\.ts$/.test(meta.filename), meta.resolve('./x.js') === new URL('./x.js', meta.url).href]",
    );
    expect(r.plain).toBe("[ true, true, true, true ]");
  });

  it("supports a top-level for await", async () => {
    const r = await k.run("async function* gen() { yield 1; yield 2 }\nlet fa = 0;\nfor await (const v of gen()) fa += v;\nfa");
    expect(r.plain).toBe("3");
    expect((await k.run("fa")).plain).toBe("3");
  });

  it("catches a rejected await inside the cell", async () => {
    const r = await k.run(
      "let caught = '';\ntry { await Promise.reject(new Error('nope')) } catch (e) { caught = (e as Error).message }\ncaught",
    );
    expect(r.plain).toBe("'nope'");
  });
});

describe("errors", () => {
  it("reports an exception with the cell's line numbers and without internal frames", async () => {
    const r = await k.run("const e1 = 1;\nfunction boom() {\n  throw new RangeError('too far');\n}\nboom();", undefined);
    expect(r.status).toBe("error");
    if (r.status !== "error") return;
    expect(r.ename).toBe("RangeError");
    expect(r.evalue).toBe("too far");
    expect(r.traceback[0]).toBe("RangeError: too far");
    expect(r.traceback[1]).toMatch(new RegExp(`at boom \\(<cell ${k.count}>:3:\\d+\\)`));
    expect(r.traceback[2]).toMatch(new RegExp(`at <cell ${k.count}>:5:\\d+`));
    expect(r.traceback.join("\n")).not.toMatch(/node:internal|kernel\/interpreter|__hpcfit/);
  });

  it("names the line and column of a syntax error", async () => {
    const r = await k.run("const ok1 = 1;\nconst bad = (1 + ;\n");
    expect(r.status).toBe("error");
    if (r.status !== "error") return;
    expect(r.ename).toBe("SyntaxError");
    expect(r.evalue).toMatch(/line 2, column 1[0-9]/);
    expect(r.traceback.join("\n")).toContain("const bad = (1 + ;");
  });

  it("gives exact columns on lines whose type annotations the transpiler removed", async () => {
    // Column 51 of line 2 is `missing`; in the second cell, the `;` at column 41 is the error.
    const runtime = await k.run("const typed1: number = 1;\nconst typed2: Array<string> = [], later: number = missing;");
    expect(runtime.status === "error" && runtime.traceback[1]).toMatch(new RegExp(`<cell ${k.count}>:2:51`));
    const syntax = await k.run("const s1: number = 1;\nconst s2: Map<string, number> = new Map(;");
    expect(syntax.status === "error" && syntax.evalue).toMatch(/line 2, column 41/);
    expect(syntax.status === "error" && syntax.traceback.join("\n")).toContain(
      "const s2: Map<string, number> = new Map(;\n" + " ".repeat(4 + 40) + "^",
    );
  });

  it("reports a thrown non-error value", async () => {
    const r = await k.run("throw 'plain string'");
    expect(r.status === "error" && r.evalue).toBe("'plain string'");
  });

  it("reports a reference to an undeclared name", async () => {
    const r = await k.run("notDeclaredAnywhere + 1");
    expect(r.status === "error" && r.ename).toBe("ReferenceError");
  });
});

describe("imports", () => {
  it("imports an ESM-capable package, a CommonJS package and node builtins", async () => {
    ok(
      await k.run(
        "import { parse } from 'yaml';\nimport YAML from 'yaml';\nimport * as path from 'node:path';\nimport { Command } from 'commander';",
      ),
    );
    expect((await k.run("parse('a: 1').a + YAML.parse('b: 2').b")).plain).toBe("3");
    expect((await k.run("new Command('x').name()")).plain).toBe("'x'");
    expect((await k.run("path.join('a', 'b')")).plain).toBe("'a/b'");
    expect((await k.run("const m = await import('yaml'); typeof m.stringify")).plain).toBe("'function'");
  });

  it("imports hpcfit itself", async () => {
    const r = await k.run("import * as hp from 'hpcfit';\ntypeof hp.DISPLAY");
    expect(r.plain).toBe("'symbol'");
  });

  it("drops type-only imports", async () => {
    ok(await k.run("import type { Command as C2 } from 'commander';\nconst typed: C2 | undefined = undefined;"));
  });

  it("imports a .ts file relative to the notebook's directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hpcfit-interp-"));
    writeFileSync(
      join(dir, "model.ts"),
      "export const slope: number = 2;\nexport function line(x: number): number { return slope * x + 1 }\n",
    );
    const other = makeInterpreter({ cwd: dir, installProcessHandlers: false });
    try {
      const r = await other.run("import { line } from './model.js';\nline(3)");
      expect(r.status === "error" ? r.traceback.join("\n") : r.plain).toBe("7");
    } finally {
      other.interpreter.dispose();
    }
  });

  it("says which package is missing", async () => {
    const r = await k.run("import { x } from 'no-such-package-anywhere';");
    expect(r.status).toBe("error");
    if (r.status === "error") expect(r.evalue).toMatch(/no-such-package-anywhere/);
  });

  it("says which export is missing", async () => {
    const r = await k.run("import { notAThing } from 'yaml';");
    expect(r.status === "error" && r.evalue).toMatch(/notAThing/);
  });
});
