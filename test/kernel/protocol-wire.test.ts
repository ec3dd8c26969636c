// Wire framing and signing, the connection file, and stream coalescing: the parts of the
// transport that do not need sockets.
import { describe, expect, it } from "vitest";
import { parseConnectionInfo } from "../../jupyter/connection-file.js";
import { IopubCoalescer } from "../../kernel/transport/iopub-coalescer.js";
import { createMessage, type JupyterMessage } from "../../jupyter/message.js";
import { DELIMITER, MessageSigner, parseMessage, serializeMessage, WireError } from "../../jupyter/wire.js";
import { UserError } from "../../util/user-error.js";

const sender = { session: "s", username: "u" };

describe("wire framing", () => {
  const signer = new MessageSigner("secret-key", "hmac-sha256");
  const message = createMessage(sender, "execute_request", { code: "1+1" }, undefined, {
    identities: [Buffer.from("peer")],
    buffers: [new Uint8Array([1, 2, 3])],
  });

  it("round-trips identities, JSON frames and buffers with a valid HMAC-SHA256", () => {
    const frames = serializeMessage(message, signer);
    expect(frames[1].toString()).toBe(DELIMITER);
    expect(frames[2].toString()).toMatch(/^[0-9a-f]{64}$/);
    const parsed = parseMessage(frames, signer);
    expect(Buffer.from(parsed.identities[0]).toString()).toBe("peer");
    expect(parsed.header).toEqual(message.header);
    expect(parsed.content).toEqual({ code: "1+1" });
    expect([...parsed.buffers[0]]).toEqual([1, 2, 3]);
  });

  it("refuses a wrong signature, a missing one, and a message signed with another key", () => {
    const frames = serializeMessage(message, signer);
    const wrong = [...frames];
    wrong[2] = Buffer.from("0".repeat(64));
    expect(() => parseMessage(wrong, signer)).toThrow(/signature does not match/);
    const missing = [...frames];
    missing[2] = Buffer.alloc(0);
    expect(() => parseMessage(missing, signer)).toThrow(/not signed/);
    const other = serializeMessage(message, new MessageSigner("another", "hmac-sha256"));
    expect(() => parseMessage(other, signer)).toThrow(WireError);
    const tampered = [...frames];
    tampered[6] = Buffer.from(JSON.stringify({ code: "process.exit()" }));
    expect(() => parseMessage(tampered, signer)).toThrow(/signature does not match/);
  });

  it("names what is wrong with malformed frames", () => {
    const unsigned = new MessageSigner("", "hmac-sha256");
    expect(() => parseMessage([Buffer.from("just one frame")], signer)).toThrow(/no <IDS\|MSG> delimiter/);
    expect(() => parseMessage([Buffer.from(DELIMITER), Buffer.from("")], unsigned)).toThrow(/got 1 frames/);
    const badJson = [
      Buffer.from(DELIMITER),
      Buffer.from(""),
      Buffer.from("{not json"),
      Buffer.from("{}"),
      Buffer.from("{}"),
      Buffer.from("{}"),
    ];
    expect(() => parseMessage(badJson, unsigned)).toThrow(/header frame is not valid JSON/);
    const noType = [
      Buffer.from(DELIMITER),
      Buffer.from(""),
      Buffer.from('{"msg_id":"x"}'),
      Buffer.from("{}"),
      Buffer.from("{}"),
      Buffer.from("{}"),
    ];
    expect(() => parseMessage(noType, unsigned)).toThrow(/header has no msg_type/);
    const arrayContent = [
      Buffer.from(DELIMITER),
      Buffer.from(""),
      Buffer.from('{"msg_id":"x","msg_type":"a"}'),
      Buffer.from("{}"),
      Buffer.from("{}"),
      Buffer.from("[]"),
    ];
    expect(() => parseMessage(arrayContent, unsigned)).toThrow(/content is not a JSON object/);
  });

  it("refuses an unknown signature scheme", () => {
    expect(() => new MessageSigner("k", "hmac-nosuchdigest")).toThrow(/unsupported signature scheme/);
  });
});

describe("connection file", () => {
  const good = {
    transport: "tcp",
    ip: "127.0.0.1",
    shell_port: 1,
    control_port: 2,
    stdin_port: 3,
    iopub_port: 4,
    hb_port: 5,
    key: "k",
    signature_scheme: "hmac-sha256",
  };
  it("parses a jupyter_client connection file", () => {
    expect(parseConnectionInfo(JSON.stringify(good))).toMatchObject({ ip: "127.0.0.1", hb_port: 5, key: "k" });
  });
  it("says which field is wrong", () => {
    expect(() => parseConnectionInfo("{", "cf.json")).toThrow(/cf.json is not valid JSON/);
    expect(() => parseConnectionInfo(JSON.stringify({ ...good, hb_port: "x" }))).toThrow(UserError);
    expect(() => parseConnectionInfo(JSON.stringify({ ...good, hb_port: "x" }))).toThrow(/hb_port must be an integer port/);
    expect(() => parseConnectionInfo(JSON.stringify({ ...good, transport: "udp" }))).toThrow(/transport must be/);
  });
});

describe("iopub stream coalescing", () => {
  it("merges consecutive stream messages of one parent and keeps order around other messages", async () => {
    const out: JupyterMessage[] = [];
    const c = new IopubCoalescer((m) => out.push(m));
    const parent = createMessage(sender, "execute_request", {});
    const other = createMessage(sender, "execute_request", {});
    const stream = (name: string, text: string, p = parent) => createMessage(sender, "stream", { name, text }, p);
    c.push(stream("stdout", "a"));
    c.push(stream("stdout", "b"));
    c.push(stream("stderr", "c"));
    c.push(stream("stderr", "d", other));
    c.push(createMessage(sender, "display_data", { data: {} }, parent));
    c.push(stream("stdout", "e"));
    await new Promise((r) => setTimeout(r, 20));
    expect(out.map((m) => `${m.header.msg_type}:${typeof m.content.text === "string" ? m.content.text : ""}`)).toEqual([
      "stream:ab",
      "stream:c",
      "stream:d",
      "display_data:",
      "stream:e",
    ]);
  });
});
