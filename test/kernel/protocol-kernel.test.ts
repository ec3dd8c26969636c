// The real kernel process driven by Python's jupyter_client (through test/support's bridge):
// every message type, ordering, displays, errors, comms, stdin and interrupts. Every message the
// kernel sends is validated against the messaging-spec schemas by the bridge. Uses dist/: build first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelClient } from "../support/kernel-client.js";

let k: KernelClient;
beforeAll(async () => {
  k = await startKernel();
});
afterAll(async () => {
  await k?.kill();
});

const types = (msgs: Array<{ header: { msg_type: string } }>) => msgs.map((m) => m.header.msg_type);

describe("hpcfit kernel over ZeroMQ, driven by jupyter_client", () => {
  it("answers kernel_info as a TypeScript kernel speaking protocol 5.4", () => {
    expect(k.kernelInfo.content).toMatchObject({
      status: "ok",
      protocol_version: "5.4",
      supported_features: ["iopub_welcome"],
      implementation: "hpcfit",
      language_info: { name: "typescript", mimetype: "text/typescript", file_extension: ".ts" },
    });
  });

  it("welcomes each fresh IOPub subscriber with iopub_welcome, then publishes to it", async () => {
    const first = await k.subscribe("");
    expect(first.message?.header.msg_type).toBe("iopub_welcome");
    expect(first.message?.content).toEqual({ subscription: "" });
    expect(first.message?.parent_header).toEqual({});
    // A second subscriber to the same topic is welcomed too, and one to a topic of its own
    // receives its welcome under that topic.
    expect((await k.subscribe("")).message?.header.msg_type).toBe("iopub_welcome");
    const topical = await k.subscribe("kernel.");
    expect(topical.message?.content).toEqual({ subscription: "kernel." });
    expect(topical.topic).toEqual(["kernel."]);
    // The kernel's own client (jupyter_client 8) took every welcome as one more iopub message
    // and goes on working.
    expect((await k.execute("40 + 2")).result?.["text/plain"]).toBe("42");
  });

  it("executes a cell: execute_input, result, reply and increasing execution counts", async () => {
    const a = await k.execute("1+1");
    expect(a.status).toBe("ok");
    expect(a.result?.["text/plain"]).toBe("2");
    expect(types(a.iopub)).toEqual(["status", "execute_input", "execute_result", "status"]);
    const b = await k.execute("const twice = (x: number): number => 2 * x; twice(21)");
    expect(b.result?.["text/plain"]).toBe("42");
    expect(b.executionCount).toBe(a.executionCount! + 1);
    const silent = await k.execute("twice(1)", { silent: true });
    expect(types(silent.iopub)).toEqual(["status", "status"]);
    expect(silent.executionCount).toBe(b.executionCount);
  });

  it("keeps stdout and stderr in the order the cell wrote them", async () => {
    const r = await k.execute(
      'console.log("one"); console.error("two"); process.stdout.write("three\\n"); console.warn("four"); console.log("five")',
    );
    expect(r.outputs.map((m) => `${m.content.name}:${m.content.text}`).join("")).toBe(
      "stdout:one\nstderr:two\nstdout:three\nstderr:four\nstdout:five\n",
    );
  });

  it("sends display, update_display_data and clear_output with display ids", async () => {
    const r = await k.execute('const h = display.markdown("**v1**"); display.clear(true); h.update("**v2**"); undefined');
    expect(types(r.outputs)).toEqual(["display_data", "clear_output", "update_display_data"]);
    const [shown, cleared, updated] = r.outputs;
    expect(shown.content.data["text/markdown"]).toBe("**v1**");
    expect(cleared.content.wait).toBe(true);
    expect(updated.content.transient.display_id).toBe(shown.content.transient.display_id);
    expect(updated.content.data["text/markdown"]).toBe("**v2**");
  });

  it("reports errors with the cell's line, then aborts queued cells under stop_on_error", async () => {
    // The failing cell takes a moment, so the next request is surely queued behind it.
    const first = await k.startExecute('await new Promise((r) => setTimeout(r, 300));\nthrow new RangeError("bad value")');
    const queued = await k.startExecute('console.log("must not run")');
    const failed = await k.waitExecute(first);
    const aborted = await k.waitExecute(queued);
    expect(failed.status).toBe("error");
    expect(failed.error).toMatchObject({ ename: "RangeError", evalue: "bad value" });
    expect(failed.error!.traceback.join("\n")).toMatch(/:2/);
    expect(aborted.status).toBe("aborted");
    expect(aborted.stdout).toBe("");
    const syntax = await k.execute("let x = ;", { stopOnError: false });
    expect(syntax.status).toBe("error");
    expect(`${syntax.error!.evalue}\n${syntax.error!.traceback.join("\n")}`).toMatch(/1[:,]\s*\S*\s*\d|line 1/);
    expect((await k.execute("1+2")).result?.["text/plain"]).toBe("3");
  });

  it("routes output from a timer after the cell to that cell", async () => {
    const r = await k.execute('setTimeout(() => console.log("later"), 100); "scheduled"');
    const late = await k.iopub({ untilType: "stream", timeout: 5 });
    const stream = late.find((m) => m.header.msg_type === "stream")!;
    expect(stream.content.text).toBe("later\n");
    expect(stream.parent_header.msg_id).toBe(r.msgId);
  });

  it("answers complete, inspect, is_complete and comm_info", async () => {
    await k.execute("const alphabetSoup = { spoonful: 1 };");
    const c = await k.request("complete_request", { code: "alphabetS", cursor_pos: 9 });
    expect(c.reply!.content.matches).toContain("alphabetSoup");
    const i = await k.request("inspect_request", { code: "alphabetSoup", cursor_pos: 5, detail_level: 0 });
    expect(i.reply!.content.found).toBe(true);
    const incomplete = await k.request("is_complete_request", { code: "if (true) {" });
    expect(incomplete.reply!.content.status).toBe("incomplete");
    const complete = await k.request("is_complete_request", { code: "1 + 1" });
    expect(complete.reply!.content.status).toBe("complete");
    const info = await k.request("comm_info_request", {});
    expect(info.reply!.content).toMatchObject({ status: "ok", comms: {} });
    for (const r of [c, i, incomplete, complete, info]) expect(types(r.iopub)).toEqual(["status", "status"]);
  });

  it("runs comms both ways: frontend-opened and kernel-opened", async () => {
    await k.execute(`
      const comms = (globalThis as any)[Symbol.for("hpcfit.comms")];
      comms.registerTarget("test.echo", (comm: any, data: any) => {
        comm.send({ opened: data.hello });
        comm.onMessage((d: any) => comm.send({ echo: d }));
        comm.onClose((d: any) => { (globalThis as any).__echoClosed = d; });
      });`);
    const open = await k.request(
      "comm_open",
      { comm_id: "frontend-1", target_name: "test.echo", data: { hello: "there" } },
      { wantReply: false },
    );
    expect(open.iopub.find((m) => m.header.msg_type === "comm_msg")!.content).toEqual({
      comm_id: "frontend-1",
      data: { opened: "there" },
    });
    const info = await k.request("comm_info_request", { target_name: "test.echo" });
    expect(info.reply!.content.comms).toEqual({ "frontend-1": { target_name: "test.echo" } });
    const msg = await k.request("comm_msg", { comm_id: "frontend-1", data: { n: 7 } }, { wantReply: false });
    expect(msg.iopub.find((m) => m.header.msg_type === "comm_msg")!.content.data).toEqual({ echo: { n: 7 } });
    const close = await k.request("comm_close", { comm_id: "frontend-1", data: { bye: 1 } }, { wantReply: false });
    expect(types(close.iopub)).toEqual(["status", "status"]);
    expect((await k.execute("JSON.stringify((globalThis as any).__echoClosed)")).result?.["text/plain"]).toBe(`'{"bye":1}'`);

    const fromKernel = await k.execute(`
      const mine = comms.open("test.kernel-side", { started: true });
      mine.send({ step: 1 }); mine.close({ done: true }); mine.commId`);
    const [opened, sent, closed] = fromKernel.outputs.filter((m) => m.header.msg_type.startsWith("comm_"));
    expect(opened.content).toMatchObject({ target_name: "test.kernel-side", data: { started: true } });
    expect(sent.content).toEqual({ comm_id: opened.content.comm_id, data: { step: 1 } });
    expect(closed.content).toEqual({ comm_id: opened.content.comm_id, data: { done: true } });

    const unknown = await k.request(
      "comm_open",
      { comm_id: "frontend-2", target_name: "no.such.target", data: {} },
      { wantReply: false },
    );
    expect(unknown.iopub.find((m) => m.header.msg_type === "comm_close")!.content.comm_id).toBe("frontend-2");
  });

  it("asks for input on stdin when allowed and refuses clearly when not", async () => {
    const r = await k.execute('const who = await input("Name? "); `hello ${who}`', { stdin: ["Ada"] });
    expect(r.stdinRequests[0].content).toEqual({ prompt: "Name? ", password: false });
    expect(r.result?.["text/plain"]).toContain("hello Ada");
    const refused = await k.execute('await input("Name? ")', { allowStdin: false, stopOnError: false });
    expect(refused.status).toBe("error");
    expect(refused.error!.evalue).toMatch(/allow_stdin/);
  });

  it("interrupts a busy loop by SIGINT and by interrupt_request, keeping state", async () => {
    await k.execute("let counter = 0;");
    for (const mode of ["signal", "message"] as const) {
      const id = await k.startExecute("while (true) { counter++; }", { stopOnError: false });
      await new Promise((r) => setTimeout(r, 300));
      // The sockets live in a worker thread: the heartbeat answers while the main thread spins.
      expect(await k.heartbeat(1000)).toBe(true);
      const ir = await k.interrupt(mode);
      if (mode === "message") expect(ir!.reply!.content.status).toBe("ok");
      const r = await k.waitExecute(id, { timeout: 10 });
      expect(r.status).toBe("error");
    }
    const kept = await k.execute("counter > 0");
    expect(kept.result?.["text/plain"]).toBe("true");
  });

  it("interrupts busy code that resumed after an await in a loop, by SIGINT and by interrupt_request", async () => {
    for (const mode of ["signal", "message"] as const) {
      const id = await k.startExecute(
        "let turns = 0;\nfor (;;) { await new Promise((r) => setTimeout(r, 1)); if (++turns === 5) while (true) {} }",
        {
          stopOnError: false,
        },
      );
      await new Promise((r) => setTimeout(r, 300));
      await k.interrupt(mode);
      const r = await k.waitExecute(id, { timeout: 10 });
      expect(r.status).toBe("error");
      expect(r.error!.ename).toBe("KeyboardInterrupt");
    }
    expect((await k.execute("turns")).result?.["text/plain"]).toBe("5");
  });

  it("interrupts a pending await", async () => {
    const id = await k.startExecute("await new Promise(() => {}); 1", { stopOnError: false });
    await new Promise((r) => setTimeout(r, 200));
    await k.interrupt("message");
    const r = await k.waitExecute(id, { timeout: 10 });
    expect(r.status).toBe("error");
    expect((await k.execute("counter > 0")).result?.["text/plain"]).toBe("true");
  });

  it("streams output of a busy cell while it still runs", async () => {
    const id = await k.startExecute('console.log("early"); const t0 = Date.now(); while (Date.now() - t0 < 1500) {} "done"');
    const during = await k.iopub({ untilType: "stream", timeout: 1.2 });
    expect(during.find((m) => m.header.msg_type === "stream")?.content.text).toBe("early\n");
    const r = await k.waitExecute(id);
    expect(r.result?.["text/plain"]).toContain("done");
  });

  it("answers unknown requests with an error and ignores other unknown types", async () => {
    const unknown = await k.request("frobnicate_request", { x: 1 });
    expect(unknown.reply!.content).toMatchObject({ status: "error", ename: "UnknownMessageType" });
    const ignored = await k.request("frobnicate_reply", {}, { wantReply: false, timeout: 0.5 }).catch((e: unknown) => e);
    expect(ignored).toBeInstanceOf(Error); // no idle ever comes: the message was ignored
    expect((await k.execute("1+1")).result?.["text/plain"]).toBe("2");
  });

  it("drops messages with a wrong or missing signature and survives malformed frames", async () => {
    const marker = `globalThis.__forged = ${Date.now()}`;
    const header = {
      msg_id: "forged-1",
      session: "x",
      username: "x",
      date: new Date().toISOString(),
      msg_type: "execute_request",
      version: "5.3",
    };
    const content = {
      code: marker,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    };
    const signed = await k.sign(header, {}, {}, content);
    const frames = (signature: string) => [
      { text: "<IDS|MSG>" },
      { text: signature },
      ...signed.frames.map((text) => ({ text })),
    ];
    expect(await k.raw("shell", frames("0".repeat(64)), 300)).toEqual([]);
    expect(await k.raw("shell", frames(""), 300)).toEqual([]);
    expect(await k.raw("control", frames("deadbeef"), 300)).toEqual([]);
    for (const bad of [
      [{ text: "garbage" }],
      [{ text: "<IDS|MSG>" }],
      [{ text: "<IDS|MSG>" }, { text: signed.signature }, { text: "{" }, { text: "{}" }, { text: "{}" }, { text: "{}" }],
      [{ b64: "//79/A==" }],
    ]) {
      expect(await k.raw("shell", bad, 200)).toEqual([]);
    }
    const forged = await k.execute("typeof (globalThis as any).__forged");
    expect(forged.result?.["text/plain"]).toMatch(/undefined/);
    // The same frames correctly signed do run: the test above dropped them for their signature alone.
    const replies = await k.raw("shell", frames(signed.signature), 3000);
    expect(replies.length).toBeGreaterThan(5);
    expect(await k.alive()).toBe(true);
  });
});
