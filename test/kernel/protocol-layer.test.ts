// The protocol layer driven through an in-memory transport: message handling, ordering and
// bookkeeping without sockets. The wire itself is covered by protocol-wire.test.ts and the real
// kernel by protocol-kernel.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Interpreter, OutputSink } from "../../kernel/interpreter/types.js";
import { HistoryStore } from "../../kernel/history/history-store.js";
import { KernelProtocol } from "../../kernel/protocol/kernel-protocol.js";
import { createMessage, type Channel, type JupyterMessage } from "../../jupyter/message.js";
import type { IncomingHandler, Transport } from "../../kernel/transport/transport.js";

class MemoryTransport implements Transport {
  sent: Array<{ channel: Channel; message: JupyterMessage }> = [];
  private handler!: IncomingHandler;
  send(channel: Channel, message: JupyterMessage): void {
    this.sent.push({ channel, message });
  }
  onMessage(handler: IncomingHandler): void {
    this.handler = handler;
  }
  deliver(
    channel: "shell" | "control" | "stdin",
    msgType: string,
    content: Record<string, unknown> = {},
    parent?: JupyterMessage,
  ): JupyterMessage {
    const m = createMessage({ session: "client", username: "test" }, msgType, content, parent, {
      identities: [Buffer.from("client-id")],
    });
    this.handler(channel, m, Date.now());
    return m;
  }
  of(request: JupyterMessage): Array<{ channel: Channel; type: string; content: Record<string, unknown> }> {
    return this.sent
      .filter((s) => (s.message.parent_header as { msg_id?: string }).msg_id === request.header.msg_id)
      .map((s) => ({ channel: s.channel, type: s.message.header.msg_type, content: s.message.content }));
  }
  /** Resolves when `request` has been answered with an idle status. */
  async idle(request: JupyterMessage): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (this.of(request).some((m) => m.type === "status" && m.content.execution_state === "idle")) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`no idle for ${request.header.msg_type}`);
  }
}

/** A tiny interpreter for these tests only: `print:x` streams, `fail` errors, `wait` awaits, `ask:p` asks for input. */
class ScriptInterpreter implements Interpreter {
  lastSink: OutputSink | null = null;
  interrupted = 0;
  async execute(code: string, _o: unknown, sink: OutputSink) {
    this.lastSink = sink;
    if (code === "fail")
      return { status: "error" as const, ename: "Error", evalue: "failed on purpose", traceback: ["Error: failed on purpose"] };
    if (code.startsWith("print:")) sink.stream("stdout", code.slice(6));
    if (code.startsWith("ask:"))
      return { status: "ok" as const, result: { "text/plain": await sink.input(code.slice(4), false) } };
    if (code === "display") {
      sink.display({ "text/plain": "v1" }, { displayId: "d1" });
      sink.display({ "text/plain": "v2" }, { displayId: "d1", update: true });
      sink.clearOutput(true);
    }
    if (code === "wait") await new Promise((r) => setTimeout(r, 30));
    return { status: "ok" as const, result: code === "" ? undefined : { "text/plain": `<${code}>` } };
  }
  async complete(code: string, cursorPos: number) {
    return { matches: [code + "x"], cursorStart: 0, cursorEnd: cursorPos, metadata: {} };
  }
  async inspect(code: string) {
    return { found: true, data: { "text/plain": `about ${code}` }, metadata: {} };
  }
  isComplete(code: string) {
    return code.endsWith("{") ? ({ status: "incomplete", indent: "  " } as const) : ({ status: "complete" } as const);
  }
  interrupt(): void {
    this.interrupted++;
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const transport = new MemoryTransport();
  const interpreter = new ScriptInterpreter();
  const dir = mkdtempSync(join(tmpdir(), "hpcfit-proto-"));
  dirs.push(dir);
  const shutdowns: boolean[] = [];
  const stores: HistoryStore[] = [];
  const protocol = new KernelProtocol({
    transport,
    sender: { session: "kernel", username: "test" },
    version: "9.9.9",
    createInterpreter: async () => interpreter,
    openHistory: () => {
      const s = new HistoryStore(dir);
      stores.push(s);
      return s;
    },
    onShutdown: (restart) => shutdowns.push(restart),
    log: () => undefined,
  });
  return { transport, interpreter, protocol, dir, shutdowns };
}

describe("protocol layer over an in-memory transport", () => {
  it("answers kernel_info with the TypeScript language info", async () => {
    const { transport } = setup();
    const req = transport.deliver("shell", "kernel_info_request");
    await transport.idle(req);
    const reply = transport.of(req).find((m) => m.type === "kernel_info_reply")!;
    expect(reply.channel).toBe("shell");
    expect(reply.content).toMatchObject({
      status: "ok",
      protocol_version: "5.4",
      supported_features: ["iopub_welcome"],
      implementation: "hpcfit",
      implementation_version: "9.9.9",
      language_info: {
        name: "typescript",
        mimetype: "text/typescript",
        file_extension: ".ts",
        pygments_lexer: "typescript",
        codemirror_mode: { name: "javascript", typescript: true },
      },
    });
    expect((reply.content.help_links as unknown[]).length).toBeGreaterThan(0);
  });

  it("wraps an execute in busy/idle, in order, and counts executions", async () => {
    const { transport } = setup();
    const a = transport.deliver("shell", "execute_request", { code: "print:hello", silent: false, store_history: true });
    await transport.idle(a);
    expect(transport.of(a).map((m) => `${m.channel}:${m.type}`)).toEqual([
      "iopub:status",
      "iopub:execute_input",
      "iopub:stream",
      "iopub:execute_result",
      "shell:execute_reply",
      "iopub:status",
    ]);
    expect(transport.of(a)[2].content).toEqual({ name: "stdout", text: "hello" });
    expect(transport.of(a)[4].content).toMatchObject({ status: "ok", execution_count: 1 });
    const silent = transport.deliver("shell", "execute_request", { code: "quiet", silent: true });
    const b = transport.deliver("shell", "execute_request", { code: "two" });
    await transport.idle(b);
    expect(transport.of(silent).map((m) => m.type)).toEqual(["status", "execute_reply", "status"]);
    expect(transport.of(b).find((m) => m.type === "execute_reply")!.content.execution_count).toBe(2);
  });

  it("evaluates user_expressions after the cell", async () => {
    const { transport } = setup();
    const a = transport.deliver("shell", "execute_request", { code: "x", user_expressions: { y: "thing", bad: 3 } });
    await transport.idle(a);
    const reply = transport.of(a).find((m) => m.type === "execute_reply")!.content;
    expect(reply.user_expressions).toEqual({
      y: { status: "ok", data: { "text/plain": "<thing>" }, metadata: {} },
      bad: { status: "error", ename: "TypeError", evalue: "a user expression must be a string", traceback: [] },
    });
  });

  it("aborts queued executes after an error unless stop_on_error is false", async () => {
    const { transport } = setup();
    const bad = transport.deliver("shell", "execute_request", { code: "fail", stop_on_error: true });
    const queued = transport.deliver("shell", "execute_request", { code: "print:never" });
    await transport.idle(queued);
    expect(transport.of(bad).find((m) => m.type === "error")!.content).toMatchObject({
      ename: "Error",
      evalue: "failed on purpose",
    });
    expect(transport.of(queued).map((m) => m.type)).toEqual(["status", "execute_reply", "status"]);
    expect(transport.of(queued)[1].content.status).toBe("aborted");
    // A cell that never ran keeps no execution count (as with ipykernel), so a frontend does not
    // show the failing cell's number on it.
    expect(transport.of(queued)[1].content.execution_count).toBeNull();
    await new Promise((r) => setTimeout(r, 80));
    const bad2 = transport.deliver("shell", "execute_request", { code: "fail", stop_on_error: false });
    const runs = transport.deliver("shell", "execute_request", { code: "print:runs" });
    await transport.idle(runs);
    expect(transport.of(bad2).find((m) => m.type === "execute_reply")!.content.status).toBe("error");
    expect(transport.of(runs).find((m) => m.type === "stream")!.content.text).toBe("runs");
  });

  it("publishes display, update and clear with display ids", async () => {
    const { transport } = setup();
    const a = transport.deliver("shell", "execute_request", { code: "display" });
    await transport.idle(a);
    const outs = transport.of(a).filter((m) => ["display_data", "update_display_data", "clear_output"].includes(m.type));
    expect(outs).toEqual([
      {
        channel: "iopub",
        type: "display_data",
        content: { data: { "text/plain": "v1" }, metadata: {}, transient: { display_id: "d1" } },
      },
      {
        channel: "iopub",
        type: "update_display_data",
        content: { data: { "text/plain": "v2" }, metadata: {}, transient: { display_id: "d1" } },
      },
      { channel: "iopub", type: "clear_output", content: { wait: true } },
    ]);
  });

  it("sends late output (a timer after the cell) with the parent of its execute", async () => {
    const { transport, interpreter } = setup();
    const a = transport.deliver("shell", "execute_request", { code: "x" });
    await transport.idle(a);
    interpreter.lastSink!.stream("stderr", "late\n");
    expect(transport.of(a).at(-1)).toEqual({ channel: "iopub", type: "stream", content: { name: "stderr", text: "late\n" } });
  });

  it("routes complete, inspect and is_complete to the interpreter", async () => {
    const { transport } = setup();
    const c = transport.deliver("shell", "complete_request", { code: "ab", cursor_pos: 2 });
    const i = transport.deliver("shell", "inspect_request", { code: "ab", cursor_pos: 2, detail_level: 0 });
    const n = transport.deliver("shell", "is_complete_request", { code: "if (x) {" });
    await transport.idle(n);
    expect(transport.of(c).find((m) => m.type === "complete_reply")!.content).toEqual({
      status: "ok",
      matches: ["abx"],
      cursor_start: 0,
      cursor_end: 2,
      metadata: {},
    });
    expect(transport.of(i).find((m) => m.type === "inspect_reply")!.content).toEqual({
      status: "ok",
      found: true,
      data: { "text/plain": "about ab" },
      metadata: {},
    });
    expect(transport.of(n).find((m) => m.type === "is_complete_reply")!.content).toEqual({ status: "incomplete", indent: "  " });
  });

  it("asks for input on stdin when allowed and refuses clearly when not", async () => {
    const { transport } = setup();
    const refused = transport.deliver("shell", "execute_request", {
      code: "ask:name?",
      allow_stdin: false,
      stop_on_error: false,
    });
    await transport.idle(refused);
    expect(transport.of(refused).find((m) => m.type === "execute_reply")!.content.status).toBe("error");
    expect(String(transport.of(refused).find((m) => m.type === "error")!.content.evalue)).toMatch(/allow_stdin is false/);

    const asked = transport.deliver("shell", "execute_request", { code: "ask:name?", allow_stdin: true });
    for (let i = 0; i < 50 && !transport.sent.some((s) => s.channel === "stdin"); i++) await new Promise((r) => setTimeout(r, 5));
    const request = transport.sent.find((s) => s.channel === "stdin")!.message;
    expect(request.header.msg_type).toBe("input_request");
    expect(request.content).toEqual({ prompt: "name?", password: false });
    expect(Buffer.from(request.identities[0]).toString()).toBe("client-id");
    transport.deliver("stdin", "input_reply", { value: "Ada" }, request);
    await transport.idle(asked);
    expect(transport.of(asked).find((m) => m.type === "execute_result")!.content.data).toEqual({ "text/plain": "Ada" });
  });

  it("keeps history per user across sessions: tail, range, search with unique", async () => {
    const { transport, dir } = setup();
    for (const code of ["alpha = 1", "beta = 2", "alpha = 1"])
      await transport.idle(transport.deliver("shell", "execute_request", { code }));
    const next = new HistoryStore(dir); // a later session of the same user
    next.add(1, "gamma = 3");
    const tail = transport.deliver("shell", "history_request", { hist_access_type: "tail", n: 2, output: false, raw: true });
    const range = transport.deliver("shell", "history_request", {
      hist_access_type: "range",
      session: 0,
      start: 2,
      stop: 4,
      output: true,
      raw: true,
    });
    const search = transport.deliver("shell", "history_request", {
      hist_access_type: "search",
      pattern: "alpha*",
      unique: true,
      n: 10,
      output: false,
      raw: true,
    });
    const bad = transport.deliver("shell", "history_request", { hist_access_type: "sideways" });
    await transport.idle(bad);
    const history = (r: JupyterMessage) => transport.of(r).find((m) => m.type === "history_reply")!.content;
    const session = next.session - 1;
    expect(history(tail).history).toEqual([
      [session, 3, "alpha = 1"],
      [next.session, 1, "gamma = 3"],
    ]);
    expect(history(range).history).toEqual([
      [session, 2, ["beta = 2", "<beta = 2>"]],
      [session, 3, ["alpha = 1", "<alpha = 1>"]],
    ]);
    expect(history(search).history).toEqual([[session, 3, "alpha = 1"]]);
    expect(history(bad)).toMatchObject({ status: "error", evalue: expect.stringMatching(/hist_access_type must be/) });
    next.close();
  });

  it("runs comms both ways and refuses unknown targets", async () => {
    const { transport, protocol } = setup();
    const received: unknown[] = [];
    let closedWith: unknown = null;
    protocol.comms.registerTarget("echo", (comm, data) => {
      comm.send({ hello: data.name ?? null });
      comm.onMessage((d) => {
        received.push(d);
        comm.send({ echo: d });
      });
      comm.onClose((d) => (closedWith = d));
    });
    const open = transport.deliver("shell", "comm_open", { comm_id: "c1", target_name: "echo", data: { name: "x" } });
    await transport.idle(open);
    expect(transport.of(open).find((m) => m.type === "comm_msg")!.content).toEqual({ comm_id: "c1", data: { hello: "x" } });
    const info = transport.deliver("shell", "comm_info_request", { target_name: "echo" });
    await transport.idle(info);
    expect(transport.of(info).find((m) => m.type === "comm_info_reply")!.content).toEqual({
      status: "ok",
      comms: { c1: { target_name: "echo" } },
    });
    const msg = transport.deliver("shell", "comm_msg", { comm_id: "c1", data: { n: 1 } });
    await transport.idle(msg);
    expect(received).toEqual([{ n: 1 }]);
    expect(transport.of(msg).find((m) => m.type === "comm_msg")!.content).toEqual({ comm_id: "c1", data: { echo: { n: 1 } } });
    const close = transport.deliver("shell", "comm_close", { comm_id: "c1", data: { bye: true } });
    await transport.idle(close);
    expect(closedWith).toEqual({ bye: true });
    expect(protocol.comms.list()).toEqual([]);

    const unknown = transport.deliver("shell", "comm_open", { comm_id: "c2", target_name: "nope", data: {} });
    await transport.idle(unknown);
    expect(transport.of(unknown).find((m) => m.type === "comm_close")!.content).toEqual({ comm_id: "c2", data: {} });
    expect(String(transport.of(unknown).find((m) => m.type === "stream")!.content.text)).toMatch(
      /no comm target named "nope" \(registered targets: echo\)/,
    );

    const kernelSide = protocol.comms.open("echo", { from: "kernel" });
    expect(transport.sent.at(-1)!.message.content).toEqual({
      comm_id: kernelSide.commId,
      target_name: "echo",
      data: { from: "kernel" },
    });
  });

  it("answers unknown requests with an error, ignores other unknown types, and lives on", async () => {
    const { transport } = setup();
    const unknown = transport.deliver("shell", "frobnicate_request", {});
    const notRequest = transport.deliver("shell", "frobnicate_reply", {});
    const after = transport.deliver("shell", "kernel_info_request");
    await transport.idle(after);
    expect(transport.of(unknown).find((m) => m.type === "frobnicate_reply")!.content).toMatchObject({
      status: "error",
      ename: "UnknownMessageType",
    });
    expect(transport.of(notRequest)).toEqual([]);
  });

  it("interrupts the interpreter on interrupt_request and shuts down after idle", async () => {
    const { transport, interpreter, shutdowns } = setup();
    await transport.idle(transport.deliver("shell", "execute_request", { code: "x" }));
    const ir = transport.deliver("control", "interrupt_request");
    await transport.idle(ir);
    expect(interpreter.interrupted).toBe(1);
    expect(transport.of(ir).find((m) => m.type === "interrupt_reply")).toMatchObject({
      channel: "control",
      content: { status: "ok" },
    });
    const sd = transport.deliver("control", "shutdown_request", { restart: true });
    await transport.idle(sd);
    expect(transport.of(sd).find((m) => m.type === "shutdown_reply")!.content).toEqual({ status: "ok", restart: true });
    expect(shutdowns).toEqual([true]);
  });
});
