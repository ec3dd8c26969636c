/**
 * The shape of a Jupyter message (messaging protocol 5.4) once its frames are parsed, shared by
 * the socket worker and the protocol layer. Plain data only, so it crosses `postMessage` intact.
 */
import { randomUUID } from "node:crypto";

/** The protocol version hpcfit speaks. */
export const PROTOCOL_VERSION = "5.4";

/** The sockets a kernel listens on that carry Jupyter messages (the heartbeat carries raw bytes). */
export type Channel = "shell" | "control" | "stdin" | "iopub";

/** A message header. */
export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** A parent header: the header of the request a message answers, or `{}` for none. */
export type ParentHeader = MessageHeader | Record<string, never>;

/** A JSON object as found in `metadata` and `content`. */
export type JSONDict = Record<string, unknown>;

/** One parsed Jupyter message. */
export interface JupyterMessage<Content extends JSONDict = JSONDict> {
  /** ZeroMQ routing frames before the `<IDS|MSG>` delimiter (which client a reply goes to). */
  identities: Uint8Array[];
  header: MessageHeader;
  parent_header: ParentHeader;
  metadata: JSONDict;
  content: Content;
  /** Raw binary buffers after the content frame. */
  buffers: Uint8Array[];
}

/** Who is sending: the kernel's session id and the user name put into every header. */
export interface SenderIdentity {
  session: string;
  username: string;
}

/**
 * Builds a new message answering (or caused by) `parent`, addressed to the same client identities
 * so a ROUTER socket delivers it back to whoever asked.
 */
export function createMessage<Content extends JSONDict>(
  sender: SenderIdentity,
  msgType: string,
  content: Content,
  parent?: JupyterMessage,
  options: { metadata?: JSONDict; buffers?: Uint8Array[]; identities?: Uint8Array[] } = {},
): JupyterMessage<Content> {
  return {
    identities: options.identities ?? parent?.identities ?? [],
    header: {
      msg_id: randomUUID(),
      session: sender.session,
      username: sender.username,
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    },
    parent_header: parent ? parent.header : {},
    metadata: options.metadata ?? {},
    content,
    buffers: options.buffers ?? [],
  };
}
