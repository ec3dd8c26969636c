import { afterAll, describe, expect, it } from "vitest";
import { makeInterpreter } from "./interpreter-support.js";

const k = makeInterpreter({ installProcessHandlers: false });
afterAll(() => k.interpreter.dispose());

describe("complete", () => {
  it("completes declared names, globals and keywords", async () => {
    await k.run("const alphaValue = 1;\nfunction alphaFn() {}");
    const c = await k.interpreter.complete("alph", 4);
    expect(c.matches).toEqual(["alphaFn", "alphaValue"]);
    expect([c.cursorStart, c.cursorEnd]).toEqual([0, 4]);
    expect((await k.interpreter.complete("Mat", 3)).matches).toContain("Math");
    expect((await k.interpreter.complete("x = aw", 6)).matches).toContain("await");
    expect((await k.interpreter.complete("let brandNew = 1;\nbrandN", 24)).matches).toContain("brandNew");
  });

  it("completes members of runtime objects along the prototype chain, without calling anything", async () => {
    await k.run(
      "class Base { baseMethod() {} }\nclass Child extends Base { childField = 1 }\nconst obj = { inner: new Child() };\nlet calls = 0;\nconst trap = { get sideEffect() { calls++; return { x: 1 } } };",
    );
    const c = await k.interpreter.complete("obj.inner.", 10);
    expect(c.matches).toEqual(expect.arrayContaining(["childField", "baseMethod", "constructor"]));
    expect(c.cursorStart).toBe(10);
    expect((await k.interpreter.complete("Math.fl", 7)).matches).toEqual(["floor"]);
    expect((await k.interpreter.complete("trap.sideEffect.", 16)).matches).toEqual([]);
    expect((await k.run("calls")).plain).toBe("0");
  });

  it("completes magic names after %", async () => {
    const c = await k.interpreter.complete("%ls", 3);
    expect(c.matches).toEqual(["%lsmagic"]);
    expect(c.cursorStart).toBe(0);
    expect((await k.interpreter.complete("%%ba", 4)).matches).toEqual(["%%bash"]);
  });

  it("counts the cursor in code points", async () => {
    const c = await k.interpreter.complete("'😀'; alph", 9);
    expect(c.matches).toContain("alphaValue");
    expect([c.cursorStart, c.cursorEnd]).toEqual([5, 9]);
  });
});

describe("inspect", () => {
  it("shows a function's signature, a class, a value's type and a magic's documentation", async () => {
    await k.run(
      "function scale(x: number, factor = 2): number { return x * factor }\nclass Model { run() {} }\nconst data = new Float64Array(3);",
    );
    const f = await k.interpreter.inspect("scale(1)", 2, 0);
    expect(f.found).toBe(true);
    expect(f.data["text/plain"]).toContain("Signature: function scale(x, factor = 2)");
    const detailed = await k.interpreter.inspect("scale", 5, 1);
    expect(detailed.data["text/plain"]).toContain("return x * factor");
    const cls = await k.interpreter.inspect("Model", 3, 0);
    expect(cls.data["text/plain"]).toMatch(/Type: class[\s\S]*Methods: run/);
    const v = await k.interpreter.inspect("data", 4, 0);
    expect(v.data["text/plain"]).toMatch(/Type: Float64Array[\s\S]*Length: 3/);
    const m = await k.interpreter.inspect("%env", 3, 0);
    expect(m.data["text/plain"]).toContain("environment variables");
    expect((await k.interpreter.inspect("nothingHere", 3, 0)).found).toBe(false);
  });

  it("shows the documentation of hpcfit's own exports", async () => {
    await k.run("import { Parameter } from 'hpcfit';");
    const p = await k.interpreter.inspect("Parameter", 4, 0);
    expect(p.data["text/plain"]).toMatch(/Type: class[\s\S]*Documentation:[\s\S]*new Parameter\(/);
  });
});

describe("isComplete", () => {
  it("tells complete, incomplete (with indent) and invalid apart", () => {
    const v = (code: string) => k.interpreter.isComplete(code);
    expect(v("1 + 1")).toEqual({ status: "complete" });
    expect(v("function f() {")).toEqual({ status: "incomplete", indent: "  " });
    expect(v("if (a) {\n  for (const x of y) {")).toEqual({ status: "incomplete", indent: "    " });
    expect(v("const s = `abc")).toMatchObject({ status: "incomplete" });
    expect(v("const x =")).toMatchObject({ status: "incomplete" });
    expect(v("const x = (1 + 2")).toMatchObject({ status: "incomplete" });
    expect(v("const = 5;")).toEqual({ status: "invalid" });
    expect(v("let a = 1 2;\nfoo(")).toEqual({ status: "invalid" });
    expect(v("%%bash\necho hi")).toMatchObject({ status: "incomplete" });
    expect(v("%%bash\necho hi\n\n")).toEqual({ status: "complete" });
    expect(v("%pwd")).toEqual({ status: "complete" });
  });
});
