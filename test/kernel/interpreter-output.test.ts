import { afterAll, describe, expect, it } from "vitest";
import { makeInterpreter, RecordingSink } from "./interpreter-support.js";

const k = makeInterpreter({ installProcessHandlers: false });
afterAll(() => k.interpreter.dispose());

describe("streams", () => {
  it("sends console.* and process writes to the cell's sink, in order, without colours", async () => {
    const r = await k.run(
      "console.log('one', { a: 1 });\nprocess.stdout.write('two\\n');\nconsole.error('three');\nconsole.warn('four');\nconsole.info('five');\nconsole.debug('six');\nprocess.stderr.write(Buffer.from('seven\\n'));",
    );
    expect(r.status).toBe("ok");
    expect(r.sink.outputs).toEqual([
      { kind: "stream", name: "stdout", text: "one { a: 1 }\n" },
      { kind: "stream", name: "stdout", text: "two\n" },
      { kind: "stream", name: "stderr", text: "three\n" },
      { kind: "stream", name: "stderr", text: "four\n" },
      { kind: "stream", name: "stdout", text: "five\n" },
      { kind: "stream", name: "stdout", text: "six\n" },
      { kind: "stream", name: "stderr", text: "seven\n" },
    ]);
    expect(r.sink.text()).not.toContain("\u001b[");
  });

  it("formats console.table and console.dir", async () => {
    const r = await k.run("console.table([{ x: 1, y: 2 }]);\nconsole.dir({ deep: { er: [1, 2] } });");
    expect(r.sink.text()).toMatch(/│.*x.*│.*y/);
    expect(r.sink.text()).toContain("{ deep: { er: [ 1, 2 ] } }");
  });

  it("routes output written later by a timer to the last cell's sink", async () => {
    const first = await k.run("setTimeout(() => console.log('late'), 50);");
    expect(first.sink.text()).toBe("");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(first.sink.text()).toBe("late\n");
    // Once another cell runs, late output of the first goes there.
    const second = await k.run("setTimeout(() => console.log('later'), 50);");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(second.sink.text()).toBe("later\n");
    expect(first.sink.text()).toBe("late\n");
  });
});

describe("display API", () => {
  it("displays values, rich MIME types and updates by display id", async () => {
    const r = await k.run(
      [
        "const h = display.html('<b>bold</b>');",
        "display.markdown('# title');",
        "display.svg('<svg/>');",
        "display.png(new Uint8Array([1, 2, 3]));",
        "display.json({ a: [1] });",
        "display.latex('$x^2$');",
        "display('plain');",
        "h.update('<i>now</i>');",
        "const h2 = display(1, { displayId: 'mine' });",
        "h2.update(2);",
        "display.clear(true);",
      ].join("\n"),
    );
    expect(r.status).toBe("ok");
    const outs = r.sink.outputs;
    expect(outs[0]).toMatchObject({ kind: "display", data: { "text/html": "<b>bold</b>", "text/plain": "bold" }, update: false });
    expect(outs[1]).toMatchObject({ data: { "text/markdown": "# title" } });
    expect(outs[2]).toMatchObject({ data: { "image/svg+xml": "<svg/>" } });
    expect(outs[3]).toMatchObject({ data: { "image/png": "AQID" } });
    expect(outs[4]).toMatchObject({ data: { "application/json": { a: [1] } } });
    expect(outs[5]).toMatchObject({ data: { "text/latex": "$x^2$" } });
    expect(outs[6]).toMatchObject({ data: { "text/plain": "plain" } });
    expect(outs[7]).toMatchObject({ data: { "text/html": "<i>now</i>" }, update: true });
    expect(outs[7].kind === "display" && outs[0].kind === "display" && outs[7].displayId).toBe(
      outs[0].kind === "display" && outs[0].displayId,
    );
    expect(outs[8]).toMatchObject({ data: { "text/plain": "1" }, displayId: "mine", update: false });
    expect(outs[9]).toMatchObject({ data: { "text/plain": "2" }, displayId: "mine", update: true });
    expect(outs[10]).toEqual({ kind: "clear", wait: true });
  });

  it("shows a value with the hpcfit.display symbol richly, as result and in display()", async () => {
    const r = await k.run(
      "class Fancy { [Symbol.for('hpcfit.display')]() { return { 'text/html': '<p>fancy</p>', 'text/plain': 'fancy' } } }\ndisplay(new Fancy());\nnew Fancy()",
    );
    expect(r.status === "ok" && r.result).toEqual({ "text/html": "<p>fancy</p>", "text/plain": "fancy" });
    expect(r.sink.outputs[0]).toMatchObject({ data: { "text/html": "<p>fancy</p>" } });
  });

  it("falls back to text when a display method throws", async () => {
    const r = await k.run("({ [Symbol.for('hpcfit.display')]() { throw new Error('broken') } })");
    expect(r.status).toBe("ok");
    expect(r.plain).toMatch(/display method threw Error: broken/);
  });

  it("offers the live-display factory to libraries only while a cell runs", async () => {
    const r = await k.run(
      "const live = (globalThis as any)[Symbol.for('hpcfit.liveDisplay')];\nconst ld = live({ 'text/plain': 'step 1' });\nld.update({ 'text/plain': 'step 2' });",
    );
    expect(r.sink.outputs[0]).toMatchObject({ data: { "text/plain": "step 1" }, update: false });
    expect(r.sink.outputs[1]).toMatchObject({ data: { "text/plain": "step 2" }, update: true });
    expect((globalThis as Record<symbol, unknown>)[Symbol.for("hpcfit.liveDisplay")]).toBeUndefined();
  });

  it("asks for input through the sink when stdin is allowed, and says why not otherwise", async () => {
    const sink = new RecordingSink();
    sink.answers.push("Ada", "secret");
    const r = await k.run("const who = await input('name? ');\nconst pw = await input.password('pw? ');\n[who, pw]", sink, true);
    expect(r.plain).toBe("[ 'Ada', 'secret' ]");
    expect(sink.prompts).toEqual([
      { prompt: "name? ", password: false },
      { prompt: "pw? ", password: true },
    ]);
    const denied = await k.run("await input('x')");
    expect(denied.status === "error" && denied.evalue).toMatch(/allow_stdin/);
  });
});

describe("errors after the cell", () => {
  it("reports exceptions from timers and unhandled rejections on stderr, and lives on", async () => {
    // Vitest's own listeners would count these as test failures: take them out for this test.
    const saved = { exc: process.listeners("uncaughtException"), rej: process.listeners("unhandledRejection") };
    process.removeAllListeners("uncaughtException");
    process.removeAllListeners("unhandledRejection");
    const own = makeInterpreter({ installProcessHandlers: true });
    try {
      const r = await own.run(
        "setTimeout(() => { throw new Error('timer boom') }, 10);\nPromise.reject(new Error('nobody caught me'));\n'started'",
      );
      expect(r.plain).toBe("'started'");
      await new Promise((resolve) => setTimeout(resolve, 100));
      const stderr = r.sink.text("stderr");
      expect(stderr).toContain("timer boom");
      expect(stderr).toContain("nobody caught me");
      expect((await own.run("'alive'")).plain).toBe("'alive'");
    } finally {
      own.interpreter.dispose();
      for (const l of saved.exc) process.on("uncaughtException", l);
      for (const l of saved.rej) process.on("unhandledRejection", l as never);
    }
  });
});
