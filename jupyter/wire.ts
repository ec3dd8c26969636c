/**
 * Jupyter wire framing: `[identities..., "<IDS|MSG>", signature, header, parent_header, metadata,
 * content, buffers...]`, with an HMAC over the four JSON frames. Parsing never throws past its
 * caller: bad frames come back as a {@link WireError} naming what was wrong.
 */
import { createHmac, getHashes, timingSafeEqual } from "node:crypto";
import type { JSONDict, JupyterMessage, MessageHeader, ParentHeader } from "./message.js";

/** The frame separating routing identities from the message. */
export const DELIMITER = "<IDS|MSG>";
const DELIMITER_BYTES = Buffer.from(DELIMITER);

/** Why a multipart message was refused. */
export class WireError extends Error {
  override readonly name = "WireError";
}

/** Signs and checks messages with the connection file's key and scheme. */
export class MessageSigner {
  private readonly key: Buffer;
  private readonly digest: string;

  /** `scheme` is `hmac-<digest>` (e.g. `hmac-sha256`); an empty key disables signing, as the spec says. */
  constructor(key: string, scheme: string) {
    this.key = Buffer.from(key, "utf8");
    const digest = scheme.replace(/^hmac-/i, "").toLowerCase();
    if (!getHashes().includes(digest)) throw new WireError(`unsupported signature scheme ${scheme}`);
    this.digest = digest;
  }

  /** True when messages carry signatures. */
  get enabled(): boolean {
    return this.key.length > 0;
  }

  /** Hex HMAC of the four JSON frames (empty string when signing is off). */
  sign(frames: readonly Uint8Array[]): string {
    if (!this.enabled) return "";
    const hmac = createHmac(this.digest, this.key);
    for (const frame of frames) hmac.update(frame);
    return hmac.digest("hex");
  }

  /**
   * Constant-time check of `signature` against the frames, so that timing does not leak how many
   * leading characters of a forged signature were right.
   */
  verify(signature: Uint8Array, frames: readonly Uint8Array[]): boolean {
    if (!this.enabled) return true;
    const expected = Buffer.from(this.sign(frames), "ascii");
    const given = Buffer.from(signature);
    if (given.length !== expected.length) return false;
    return timingSafeEqual(given, expected);
  }
}

/** Turns a message into the frames to send. */
export function serializeMessage(message: JupyterMessage, signer: MessageSigner): Buffer[] {
  const parts = [
    Buffer.from(JSON.stringify(message.header)),
    Buffer.from(JSON.stringify(message.parent_header)),
    Buffer.from(JSON.stringify(message.metadata)),
    Buffer.from(JSON.stringify(message.content)),
  ];
  const signature = Buffer.from(signer.sign(parts));
  return [
    ...message.identities.map((id) => Buffer.from(id)),
    DELIMITER_BYTES,
    signature,
    ...parts,
    ...message.buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
  ];
}

function parseJSONFrame(frame: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(frame).toString("utf8"));
  } catch (error) {
    throw new WireError(`${what} frame is not valid JSON (${(error as Error).message})`);
  }
}

function isObject(value: unknown): value is JSONDict {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkHeader(value: unknown, what: string): MessageHeader {
  if (!isObject(value)) throw new WireError(`${what} is not a JSON object`);
  if (typeof value.msg_type !== "string" || value.msg_type === "") throw new WireError(`${what} has no msg_type`);
  if (typeof value.msg_id !== "string") throw new WireError(`${what} has no msg_id`);
  return {
    msg_id: value.msg_id,
    msg_type: value.msg_type,
    session: typeof value.session === "string" ? value.session : "",
    username: typeof value.username === "string" ? value.username : "",
    date: typeof value.date === "string" ? value.date : "",
    version: typeof value.version === "string" ? value.version : "",
  };
}

/**
 * Parses received frames, verifying the signature before any JSON is interpreted, so that an
 * unsigned message is never looked at beyond its framing.
 */
export function parseMessage(frames: readonly Uint8Array[], signer: MessageSigner): JupyterMessage {
  const at = frames.findIndex((f) => f.length === DELIMITER_BYTES.length && DELIMITER_BYTES.equals(f));
  if (at < 0) throw new WireError(`no ${DELIMITER} delimiter among ${frames.length} frames`);
  const rest = frames.slice(at + 1);
  if (rest.length < 5) throw new WireError(`expected signature + 4 JSON frames after the delimiter, got ${rest.length} frames`);
  const [signature, header, parent, metadata, content] = rest as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  if (signer.enabled && signature.length === 0) throw new WireError("message is not signed");
  if (!signer.verify(signature, [header, parent, metadata, content])) throw new WireError("message signature does not match");
  const parsedHeader = checkHeader(parseJSONFrame(header, "header"), "header");
  const parsedParent = parseJSONFrame(parent, "parent_header");
  if (!isObject(parsedParent)) throw new WireError("parent_header is not a JSON object");
  const parsedMetadata = parseJSONFrame(metadata, "metadata");
  if (!isObject(parsedMetadata)) throw new WireError("metadata is not a JSON object");
  const parsedContent = parseJSONFrame(content, "content");
  if (!isObject(parsedContent)) throw new WireError("content is not a JSON object");
  return {
    identities: frames.slice(0, at).map((f) => new Uint8Array(f)),
    header: parsedHeader,
    parent_header: (Object.keys(parsedParent).length === 0 ? {} : parsedParent) as ParentHeader,
    metadata: parsedMetadata,
    content: parsedContent,
    buffers: rest.slice(5).map((f) => new Uint8Array(f)),
  };
}
