import { afterAll, describe, expect, it } from "vitest";
import { makeInterpreter } from "./interpreter-support.js";

const k = makeInterpreter({ installProcessHandlers: false });
afterAll(() => k.interpreter.dispose());

describe("persistent top level", () => {
  it("keeps const, let, var, function and class across cells", async () => {
    await k.run("const a = 1;\nlet b = 2;\nvar c = 3;\nfunction f(x: number): number { return x * 10 }\nclass P { constructor(public v: number) {} }");
    const r = await k.run("[a, b, c, f(2), new P(7).v]");
    expect(r.status).toBe("ok");
    expect(r.plain).toBe("[ 1, 2, 3, 20, 7 ]");
  });
});
