// The supervisor's ledger of what an interpreter process holds, and how a death is described:
// pure functions over real messages (createMessage), no process.
import { describe, expect, it } from "vitest";
import { createMessage, type JupyterMessage } from "../../jupyter/message.js";
import { describeDeath } from "../../kernel/supervisor/death-report.js";
import { RequestLedger } from "../../kernel/supervisor/request-ledger.js";

const client = { session: "client", username: "u" };
const kernel = { session: "kernel", username: "u" };
const request = (type: string, content: Record<string, unknown> = {}): JupyterMessage => createMessage(client, type, content);
const answer = (type: string, content: Record<string, unknown>, parent: JupyterMessage): JupyterMessage =>
  createMessage(kernel, type, content, parent);

describe("RequestLedger", () => {
  it("names the running cell, the queued requests in order, the open comms and the count reached", () => {
    const ledger = new RequestLedger(4);
    const done = request("execute_request", { code: "1" });
    const running = request("execute_request", { code: "2" });
    const queued = request("execute_request", { code: "3" });
    const complete = request("complete_request", { code: "x" });
    const info = request("comm_info_request");
    ledger.forwarded("shell", done);
    ledger.sent("iopub", answer("execute_input", { execution_count: 5 }, done));
    ledger.sent("shell", answer("execute_reply", { status: "ok", execution_count: 5 }, done));
    ledger.forwarded("shell", running);
    ledger.sent("iopub", answer("execute_input", { execution_count: 6 }, running));
    ledger.forwarded("shell", queued);
    ledger.forwarded("shell", complete);
    ledger.forwarded("control", info);
    ledger.forwarded("shell", request("comm_open", { comm_id: "a", target_name: "t.a" }));
    ledger.forwarded("shell", request("comm_open", { comm_id: "b", target_name: "t.b" }));
    ledger.sent("iopub", createMessage(kernel, "comm_open", { comm_id: "c", target_name: "t.c" }));
    ledger.forwarded("shell", request("comm_close", { comm_id: "a" }));
    const estate = ledger.reset();
    expect(estate.running?.message).toBe(running);
    expect(estate.queued.map((e) => e.message)).toEqual([queued, complete, info]);
    expect(estate.comms).toEqual([
      { commId: "b", targetName: "t.b" },
      { commId: "c", targetName: "t.c" },
    ]);
    expect(estate.lastExecute).toBe(running);
    expect(estate.executionCount).toBe(6);
    // The next interpreter starts with a clean ledger; the count goes on.
    expect(ledger.reset()).toEqual({ running: undefined, queued: [], comms: [], lastExecute: undefined, executionCount: 6 });
  });

  it("takes an execute_request on control for the shell queue, and control requests for queued ones", () => {
    const ledger = new RequestLedger();
    const history = request("history_request");
    const cell = request("execute_request", { code: "1" });
    ledger.forwarded("control", history);
    ledger.forwarded("control", cell);
    const estate = ledger.reset();
    expect(estate.running?.message).toBe(cell);
    expect(estate.queued.map((e) => e.message)).toEqual([history]);
  });
});

describe("describeDeath", () => {
  it("says out of memory when V8 said so, names SIGKILL's likely sender, and gives other causes", () => {
    const v8 = "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n";
    expect(describeDeath(null, "SIGABRT", v8)).toEqual({
      ename: "OutOfMemoryError",
      evalue: "out of memory; the interpreter was restarted, variables are lost",
    });
    expect(describeDeath(null, "SIGKILL", "").evalue).toMatch(/killed \(SIGKILL, as the system's out-of-memory killer does\)/);
    expect(describeDeath(null, "SIGSEGV", "")).toEqual({
      ename: "InterpreterDied",
      evalue: "the interpreter died by SIGSEGV; it was restarted, variables are lost",
    });
    expect(describeDeath(3, null, "").evalue).toBe("the interpreter died with exit code 3; it was restarted, variables are lost");
  });
});
