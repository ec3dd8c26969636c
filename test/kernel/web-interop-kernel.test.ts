// Web-standard dialogs (`prompt`, `confirm`, `alert`) over stdin, and values made for Deno's
// kernel (`Symbol.for("Jupyter.display")`), through jupyter_client. Uses dist/: build first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelClient } from "../support/kernel-client.js";

let k: KernelClient;
beforeAll(async () => {
  k = await startKernel();
});
afterAll(async () => {
  await k?.kill();
});

describe("web dialogs", () => {
  it("prompt, confirm and alert ask through input_request", async () => {
    const r = await k.execute(
      'const who = await prompt("Name?", "Ada");\nconst sure = await confirm("Sure?");\nawait alert("Done");\n`${who} ${sure}`',
      {
        allowStdin: true,
        stdin: ["", "yes", ""],
      },
    );
    expect(r.status).toBe("ok");
    expect(r.stdinRequests.map((m) => m.content.prompt)).toEqual(["Name? [Ada] ", "Sure? [y/N] ", "Done [Enter] "]);
    expect(r.result?.["text/plain"]).toBe("'Ada true'");
    const typed = await k.execute('await prompt("Sample?")', { allowStdin: true, stdin: ["s-12"] });
    expect(typed.result?.["text/plain"]).toBe("'s-12'");
    const no = await k.execute('await confirm("Delete?")', { allowStdin: true, stdin: ["n"] });
    expect(no.result?.["text/plain"]).toBe("false");
  });

  it("refuses clearly without stdin instead of hanging", async () => {
    for (const call of ['prompt("x")', 'confirm("x")', 'alert("x")']) {
      const r = await k.execute(`await ${call}`, { allowStdin: false, stopOnError: false });
      expect(r.status).toBe("error");
      expect(r.error?.evalue).toMatch(/^\w+\(\) is not available: .*allow_stdin is false/);
    }
  });
});

describe("Jupyter.display", () => {
  it("shows a value made for Deno's kernel as its bundle, as a result and through display()", async () => {
    const make =
      'const card = { [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>card</b>", "text/plain": "card" }; } };';
    const r = await k.execute(`${make}\ncard`);
    expect(r.result).toEqual({ "text/html": "<b>card</b>", "text/plain": "card" });
    const shown = await k.execute("display(card); undefined");
    const data = shown.outputs.find((m) => m.header.msg_type === "display_data")?.content.data;
    expect(data).toEqual({ "text/html": "<b>card</b>", "text/plain": "card" });
  });
});
