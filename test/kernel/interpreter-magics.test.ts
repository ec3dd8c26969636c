import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeInterpreter } from "./interpreter-support.js";

const k = makeInterpreter({ installProcessHandlers: false });
const startDir = process.cwd();
afterAll(() => {
  process.chdir(startDir);
  k.interpreter.dispose();
});

describe("built-in magics", () => {
  it("%lsmagic lists line and cell magics", async () => {
    const r = await k.run("%lsmagic");
    expect(r.plain).toMatch(/Line magics:[\s\S]*%time[\s\S]*%who[\s\S]*Cell magics:[\s\S]*%%bash[\s\S]*%%sh/);
    expect(r.status === "ok" && r.result?.["text/markdown"]).toContain("| `%%time` |");
  });

  it("%time returns the value of its expression and prints the time; %%time runs a cell", async () => {
    const r = await k.run("const timedValue = %time [1, 2, 3].map((x) => x * 2)\ntimedValue");
    expect(r.plain).toBe("[ 2, 4, 6 ]");
    expect(r.sink.text()).toMatch(/Wall time: [\d.]+ (µs|ms|s)/);
    const cell = await k.run("%%time\nconst insideTime = await Promise.resolve(5);\ninsideTime * 2");
    expect(cell.plain).toBe("10");
    expect(cell.sink.text()).toContain("Wall time:");
    expect((await k.run("insideTime")).plain).toBe("5");
  });

  it("%env lists, gets and sets variables", async () => {
    await k.run("%env HPCFIT_TEST_A=one");
    expect(process.env.HPCFIT_TEST_A).toBe("one");
    const set2 = await k.run("%env HPCFIT_TEST_B two words");
    expect(set2.sink.text()).toBe("env: HPCFIT_TEST_B=two words\n");
    expect((await k.run("%env HPCFIT_TEST_B")).plain).toBe("'two words'");
    const all = await k.run("const allEnv = %env\nallEnv.HPCFIT_TEST_A");
    expect(all.plain).toBe("'one'");
    const missing = await k.run("%env HPCFIT_NOT_SET_ANYWHERE");
    expect(missing.status === "error" && missing.traceback).toEqual([
      "UserError: %env: environment variable HPCFIT_NOT_SET_ANYWHERE is not set.",
    ]);
  });

  it("%who lists the notebook's names, optionally by type", async () => {
    const fresh = makeInterpreter({ installProcessHandlers: false });
    try {
      expect((await fresh.run("%who")).sink.text()).toBe("Interactive namespace is empty.\n");
      await fresh.run("const wa = 1;\nlet wb = 'x';\nfunction wf() {}");
      const all = (await fresh.run("%who")).sink.text();
      for (const name of ["wa", "wb", "wf"]) expect(all).toContain(name);
      expect((await fresh.run("%who number")).sink.text()).toBe("wa\n");
      expect((await fresh.run("%who function")).sink.text()).toBe("wf\n");
    } finally {
      fresh.interpreter.dispose();
    }
  });

  it("%cd and %pwd change and show the working directory", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "hpcfit-cd-")));
    const r = await k.run(`%cd ${dir}`);
    expect(r.sink.text()).toBe(`${dir}\n`);
    expect((await k.run("%pwd")).plain).toBe(`'${dir}'`);
    const back = await k.run("%cd -");
    expect(back.sink.text()).toBe(`${startDir}\n`);
    const bad = await k.run("%cd /no/such/dir/here");
    expect(bad.status === "error" && bad.evalue).toBe("%cd: no such directory: /no/such/dir/here");
  });

  it("%%bash and %%sh stream output and report a non-zero exit status", async () => {
    const r = await k.run("%%bash\necho out\necho err >&2\nfor i in 1 2; do echo line$i; done");
    expect(r.status).toBe("ok");
    expect(r.sink.text()).toBe("out\nline1\nline2\n");
    expect(r.sink.text("stderr")).toBe("err\n");
    const failed = await k.run("%%sh\necho before\nexit 3");
    expect(failed.status === "error" && failed.evalue).toBe("%%sh: the script exited with status 3.");
    expect(failed.sink.text()).toBe("before\n");
  });

  it("streams %%bash output while the script runs", async () => {
    const sink = (await import("./interpreter-support.js")).RecordingSink;
    const s = new sink();
    const times: number[] = [];
    const original = s.stream.bind(s);
    s.stream = (name, text) => {
      times.push(Date.now());
      original(name, text);
    };
    const r = await k.run("%%bash\necho first\nsleep 1\necho second", s);
    expect(r.status).toBe("ok");
    expect(times.length).toBe(2);
    // The first line arrived well before the script ended (ordering, not a speed bound).
    expect(times[1] - times[0]).toBeGreaterThan(300);
  });

  it("accepts a magic on the right of an assignment and in a return", async () => {
    const r = await k.run(
      "const here = %pwd\nasync function where() {\n  return %pwd\n}\n[here === process.cwd(), (await where()) === here]",
    );
    expect(r.plain).toBe("[ true, true ]");
    expect((await k.run("const semi = %pwd;\n%pwd;")).plain).toBe(`'${process.cwd()}'`);
  });

  it("reads a line starting with % inside parentheses as modulo, not as a magic", async () => {
    const r = await k.run("const seven = 7;\nconst rem = (seven\n  %seven);\nconst rem2 = [17\n%5];\n[rem, rem2[0]]");
    expect(r.plain).toBe("[ 0, 2 ]");
  });

  it("names the known magics when a magic is unknown", async () => {
    const r = await k.run("%nosuchmagic 1 2");
    expect(r.status === "error" && r.ename).toBe("UserError");
    expect(r.status === "error" && r.evalue).toMatch(/Unknown line magic %nosuchmagic\. Known line magics: .*%cd.*%who/);
    const cell = await k.run("%%nosuchcell\nbody");
    expect(cell.status === "error" && cell.evalue).toMatch(
      /Unknown cell magic %%nosuchcell\. Known cell magics: %%bash, .*%%sh, %%time/,
    );
  });

  it("shows a magic's usage with %name?", async () => {
    const r = await k.run("%env?");
    expect(r.sink.text()).toContain("%env NAME=VALUE");
  });
});
