// The kernel's type service through jupyter_client: typed completion (members, fit options,
// packages), inspection with types and TSDoc, type errors as warnings (or errors in strict mode),
// and cells that redeclare names. Uses dist/: build first.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type ExecuteResult, type KernelClient } from "../support/kernel-client.js";
import { processes } from "../support/processes.js";

let k: KernelClient;
let dir: string;

/** A notebook folder with a typed package in its node_modules. */
function makeNotebookDir(): string {
  const root = mkdtempSync(join(tmpdir(), "hpcfit-typed-"));
  const pkg = join(root, "node_modules", "unit-tools");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, "package.json"),
    JSON.stringify({
      name: "unit-tools",
      version: "1.0.0",
      type: "module",
      exports: { ".": { types: "./index.d.ts", import: "./index.js" } },
    }),
  );
  writeFileSync(join(pkg, "index.js"), "export function toKelvin(celsius) { return celsius + 273.15; }\n");
  writeFileSync(
    join(pkg, "index.d.ts"),
    "/** Converts degrees Celsius to kelvin. */\nexport declare function toKelvin(celsius: number): number;\n",
  );
  writeFileSync(join(root, "helper.ts"), "export const twice = (x: number): number => 2 * x;\n");
  return root;
}

beforeAll(async () => {
  dir = makeNotebookDir();
  k = await startKernel({ cwd: dir, env: { HPCFIT_TYPECHECK: "warn" } });
});
afterAll(async () => {
  await k?.kill();
  rmSync(dir, { recursive: true, force: true });
});

interface TypedEntry {
  text: string;
  type: string;
  signature?: string;
  start: number;
  end: number;
}

async function complete(
  code: string,
  cursor = code.length,
): Promise<{ matches: string[]; entries: TypedEntry[]; start: number; end: number }> {
  const r = await k.request("complete_request", { code, cursor_pos: cursor });
  const c = r.reply!.content;
  return { matches: c.matches, entries: c.metadata._jupyter_types_experimental ?? [], start: c.cursor_start, end: c.cursor_end };
}

async function inspect(code: string, cursor: number, detail: 0 | 1 = 0): Promise<string> {
  const r = await k.request("inspect_request", { code, cursor_pos: cursor, detail_level: detail });
  expect(r.reply!.content.found).toBe(true);
  return r.reply!.content.data["text/plain"];
}

/**
 * Everything a cell wrote on stderr, with the type warnings that came after its reply (the check
 * runs beside the cell and never holds its reply). The type service answers in order, so once a
 * completion request sent after the cell is answered, the cell's check is done and its warnings
 * are on their way.
 */
async function stderrOf(r: ExecuteResult): Promise<string> {
  await k.request("complete_request", { code: "", cursor_pos: 0 });
  const late = await k.iopub({ timeout: 0.5 });
  const mine = late.filter((m) => m.parent_header.msg_id === r.msgId && m.header.msg_type === "stream");
  return (
    r.stderr +
    mine
      .filter((m) => m.content.name === "stderr")
      .map((m) => m.content.text as string)
      .join("")
  );
}

describe("typed completion", () => {
  it("completes the members of a user's interface with their types, from an earlier cell", async () => {
    const cell = await k.execute(
      "interface Sample { temperature: number; label: string; scale(by: number): Sample }\nconst s: Sample = JSON.parse('{}');",
    );
    expect(cell.status).toBe("ok");
    const c = await complete("s.");
    expect(c.matches).toEqual(expect.arrayContaining(["temperature", "label", "scale"]));
    const byText = new Map(c.entries.map((e) => [e.text, e]));
    expect(byText.get("temperature")).toMatchObject({
      type: "property",
      signature: "(property) Sample.temperature: number",
      start: 2,
      end: 2,
    });
    expect(byText.get("scale")).toMatchObject({ type: "function", signature: "(method) Sample.scale(by: number): Sample" });
    // The runtime value is an empty object: only the types know these members.
    expect(c.matches).not.toContain("constructor");
  });

  it("completes fit's option keys with their types", async () => {
    expect((await k.execute('import { fit } from "hpcfit";')).status).toBe("ok");
    const code = "await fit(undefined as any, { se";
    const c = await complete(code);
    expect(c.matches).toContain("seed");
    const seed = c.entries.find((e) => e.text === "seed")!;
    expect(seed.type).toBe("property");
    expect(seed.signature).toMatch(/seed\?: number/);
    expect(c.start).toBe(code.length - 2);
  });

  it("offers each method's own option keys, whether the method is written out or a variable's, and not those already written", async () => {
    expect((await k.execute('import { fit } from "hpcfit";')).status).toBe("ok");
    const keys = async (code: string) => {
      const c = await complete(code);
      expect(c.entries.every((e) => e.type === "property" && e.signature?.includes(`${e.text}?:`))).toBe(true);
      return c.matches;
    };
    const lmOnly = ["accel", "diff", "extend", "factor", "gtol", "jacobian"];
    // Asked twice each, in turns: a second answer may come from what the first computed.
    for (let round = 0; round < 2; round++) {
      const dream = await keys('await fit(undefined as any, { method: "dream", ');
      expect(dream).toEqual(expect.arrayContaining(["samples", "burn", "thin", "seed"]));
      for (const key of lmOnly) expect(dream).not.toContain(key);
      const lm = await keys("const r = await fit(undefined as any, { method: 'lm', ");
      expect(lm).toEqual(expect.arrayContaining(lmOnly));
      expect(lm).not.toContain("samples");
      const written = await keys('await fit(undefined as any, { method: "dream", samples: 100, ');
      expect(written).toContain("burn");
      expect(written).not.toContain("samples");
      expect(await keys('await fit(undefined as any, { method: "dream", sa')).toEqual(["samples"]);
    }
    await k.execute('const chosen = "dream" as const;\nconst other = "lm" as const;');
    const byChosen = await keys("fit(undefined as any, { method: chosen, ");
    expect(byChosen).toContain("samples");
    expect(byChosen).not.toContain("gtol");
    const byOther = await keys("fit(undefined as any, { method: other, ");
    expect(byOther).toContain("gtol");
    expect(byOther).not.toContain("samples");
  });

  it("offers the keys of the function a name has now, after a cell redeclared it", async () => {
    await k.execute('function configure(o: { mode: "a"; alpha?: number } | { mode: "b"; beta?: number }): void {}');
    expect((await complete('configure({ mode: "b", ')).matches).toEqual(["beta"]);
    expect((await complete('configure({ mode: "a", ')).matches).toEqual(["alpha"]);
    await k.execute('function configure(o: { mode: "a"; gamma?: number }): void {}');
    expect((await complete('configure({ mode: "a", ')).matches).toEqual(["gamma"]);
  });

  it("completes a package's exports and falls back to runtime members for values typed any", async () => {
    const c = await complete('import { toK } from "unit-tools";', 12);
    expect(c.matches).toEqual(["toKelvin"]);
    expect(c.entries[0]).toMatchObject({
      type: "function",
      signature: expect.stringContaining("toKelvin(celsius: number): number"),
    });
    await k.execute("const loose: any = { runtimeOnly: 1 };");
    const runtime = await complete("loose.run");
    expect(runtime.matches).toEqual(["runtimeOnly"]);
  });

  it("completes import paths: packages of the notebook's folder, hpcfit, and files next to the notebook", async () => {
    const pkg = await complete('import { toKelvin } from "unit-');
    expect(pkg.matches).toEqual(["unit-tools"]);
    expect([pkg.start, pkg.end]).toEqual([26, 31]);
    expect((await complete('import { fit } from "hp')).matches).toEqual(["hpcfit"]);
    const file = await complete('import { twice } from "./hel');
    expect(file.matches).toEqual(["helper"]);
    expect(file.entries[0].type).toBe("path");
    expect((await k.execute('import { twice } from "./helper";\ntwice(2)')).result?.["text/plain"]).toBe("4");
  });

  it("still completes magics after %", async () => {
    expect((await complete("%typech")).matches).toEqual(["%typecheck"]);
  });
});

describe("typed inspection", () => {
  it("shows fit's signature and documentation", async () => {
    const text = await inspect("fit", 3);
    expect(text).toContain("function fit(problem: Problem, options?: FitOptions): Promise<FitResult>");
    expect(text).toContain("Multi-start");
  });

  it("shows a user's function with its TSDoc, and its source at detail level 1", async () => {
    await k.execute("/** Doubles a reading. */\nfunction double(reading: number): number { return 2 * reading; }");
    const text = await inspect("double(3)", 3);
    expect(text).toContain("function double(reading: number): number");
    expect(text).toContain("Doubles a reading.");
    expect(text).not.toContain("return 2 * reading");
    expect(await inspect("double(3)", 3, 1)).toContain("return 2 * reading");
  });

  it("shows a package's export", async () => {
    await k.execute('import { toKelvin } from "unit-tools";');
    const text = await inspect("toKelvin(1)", 4);
    expect(text).toContain("toKelvin(celsius: number): number");
    expect(text).toContain("Converts degrees Celsius to kelvin.");
  });
});

describe("the type service's thread", () => {
  it("starts on the first completion, not before, and then knows the cells that ran", async () => {
    const lazy = await startKernel({ cwd: dir, env: { HPCFIT_TYPECHECK: "off" } });
    try {
      // The interpreter is the kernel's child process (the kernel process itself supervises it).
      const interpreter = () => processes().find((p) => p.ppid === lazy.pid && p.cmdline.includes("kernel-interpreter"))!.pid;
      const threads = () => readdirSync(`/proc/${interpreter()}/task`).length;
      expect((await lazy.execute("interface Probe { depth: number }\nconst probe: Probe = { depth: 3 };")).status).toBe("ok");
      const before = threads();
      expect((await lazy.execute("probe.depth")).result?.["text/plain"]).toBe("3");
      expect(threads()).toBe(before);
      const r = await lazy.request("complete_request", { code: "probe.de", cursor_pos: 8 });
      expect(r.reply!.content.metadata._jupyter_types_experimental[0]).toMatchObject({ text: "depth", type: "property" });
      expect(threads()).toBeGreaterThan(before);
    } finally {
      await lazy.kill();
    }
  });
});

describe("type errors", () => {
  it("are warned about on stderr while the cell still runs", async () => {
    const r = await k.execute('const reading: number = "hot";\nconsole.log("ran", reading);');
    expect(r.status).toBe("ok");
    expect(r.stdout).toBe("ran hot\n");
    const stderr = await stderrOf(r);
    expect(stderr).toContain("Type warning (1):");
    expect(stderr).toContain("line 1, column 7: Type 'string' is not assignable to type 'number'. (TS2322)");
    expect(stderr).toContain('1 | const reading: number = "hot";');
    // The caret sits under `reading`: four spaces of indent, the `1 | ` gutter, six columns.
    expect(stderr).toMatch(/\n {14}\^{7}\n/);
  });

  it("are not raised for a const redeclared in a later cell, which gets its new type", async () => {
    expect(await stderrOf(await k.execute("const level = 1;"))).toBe("");
    const again = await k.execute('const level = "high";\nlevel.toUpperCase()');
    expect(await stderrOf(again)).toBe("");
    expect(again.result?.["text/plain"]).toBe("'HIGH'");
    const c = await complete("level.toUpp");
    expect(c.entries[0]).toMatchObject({ text: "toUpperCase", signature: expect.stringContaining("String.toUpperCase") });
    // Magic lines are not TypeScript: they raise nothing, and their value is typed any.
    const magic = await k.execute("%pwd\nconst here = %pwd\nhere.length > 0");
    expect(await stderrOf(magic)).toBe("");
    expect(magic.result?.["text/plain"]).toBe("true");
  });

  it("stop the cell in strict mode and are silent when off", async () => {
    await k.execute("%typecheck strict");
    const stopped = await k.execute('let ranStrict = true;\nconst wrong: number = "x";', { stopOnError: false });
    expect(stopped.status).toBe("error");
    expect(stopped.error?.ename).toBe("TypeCheckError");
    expect(stopped.error?.traceback.join("\n")).toContain("Type 'string' is not assignable to type 'number'.");
    await k.execute("%typecheck off");
    const notRun = await k.execute("typeof ranStrict");
    expect(notRun.result?.["text/plain"]).toBe("'undefined'");
    const off = await k.execute('const quiet: number = "x";\nquiet');
    expect(off.status).toBe("ok");
    expect(await stderrOf(off)).toBe("");
    await k.execute("%typecheck warn");
    expect((await k.execute("%typecheck")).stdout).toBe("typecheck: warn\n");
    const bad = await k.execute("%typecheck loud");
    expect(bad.status).toBe("error");
    expect(bad.error?.evalue).toContain('unknown mode "loud"');
    expect((await k.execute("%typecheck strcit")).error?.evalue).toContain("did you mean strict?");
  });

  it("start in the mode HPCFIT_TYPECHECK names, and say so when it names none", async () => {
    const strict = await startKernel({ cwd: dir, env: { HPCFIT_TYPECHECK: "strict" } });
    try {
      const stopped = await strict.execute('const wrong: number = "x";', { stopOnError: false });
      expect(stopped.error?.ename).toBe("TypeCheckError");
    } finally {
      await strict.kill();
    }
    const loud = await startKernel({ cwd: dir, env: { HPCFIT_TYPECHECK: "loud" } });
    try {
      expect((await loud.execute("%typecheck")).stdout).toBe(
        "typecheck: warn (HPCFIT_TYPECHECK=loud is not a mode (use warn, strict, off): warn is used)\n",
      );
    } finally {
      await loud.kill();
    }
  });
});
