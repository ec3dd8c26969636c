/**
 * The proxy's sockets: the five Jupyter gave it (bound where its connection file says) and five
 * more connected to the kernel on the node. Frames pass through as they are, identities and
 * signatures included: the kernel signs with the key Jupyter chose, and nothing here re-signs.
 *
 * Shell, control and stdin go ROUTER (Jupyter's side) to DEALER (the kernel's side); the three
 * dealers share one routing id, so the kernel's stdin socket reaches the proxy under the identity
 * its shell socket saw, as a client's shell and stdin sockets share one. The heartbeat goes
 * ROUTER to DEALER too (the REQ/REP envelope passes through), iopub SUB to PUB.
 */
import { randomUUID } from "node:crypto";
import type * as zmq from "zeromq";
import { endpoint, type ConnectionInfo } from "../jupyter/connection-file.js";
import { DELIMITER } from "../jupyter/wire.js";
import type { NodeKernelPorts } from "./job-directory.js";

/** The channels with a client on Jupyter's side. */
export type ForwardedChannel = "shell" | "control" | "stdin" | "iopub" | "hb";

/** A message's type and content, read without checking it (the kernel checks what it receives). */
export interface Peek {
  msgType: string;
  msgId: string;
  parentMsgId: string | null;
  /** The header frame as received, for replies and notices that name it as their parent. */
  header: Record<string, unknown>;
  content: Record<string, unknown>;
  /** The frames before the delimiter (where a reply must go). */
  identities: Buffer[];
}

const DELIMITER_BYTES = Buffer.from(DELIMITER);

/** Reads a message's header, parent and content; null for frames that are not a Jupyter message. */
export function peek(frames: readonly Buffer[]): Peek | null {
  const at = frames.findIndex((f) => f.length === DELIMITER_BYTES.length && DELIMITER_BYTES.equals(f));
  if (at < 0 || frames.length < at + 6) return null;
  try {
    const header = JSON.parse(frames[at + 2].toString("utf8")) as Record<string, unknown>;
    const parent = JSON.parse(frames[at + 3].toString("utf8")) as Record<string, unknown>;
    const content = JSON.parse(frames[at + 5].toString("utf8")) as Record<string, unknown>;
    return {
      msgType: typeof header.msg_type === "string" ? header.msg_type : "",
      msgId: typeof header.msg_id === "string" ? header.msg_id : "",
      parentMsgId: typeof parent.msg_id === "string" ? parent.msg_id : null,
      header,
      content,
      identities: frames.slice(0, at),
    };
  } catch {
    return null;
  }
}

/** A socket whose sends go out one after another (a ZeroMQ socket refuses a second send in flight). */
class SerialSocket {
  private tail: Promise<void> = Promise.resolve();
  constructor(readonly socket: zmq.Socket & { send(frames: Buffer[]): Promise<void> }) {}
  send(frames: Buffer[]): Promise<void> {
    this.tail = this.tail.then(
      () => this.socket.send(frames),
      () => this.socket.send(frames),
    );
    // A send that fails (the socket closed) is the closer's business, not the sender's.
    return this.tail.catch(() => undefined);
  }
}

/** What the proxy wants to know of the traffic. */
export interface ForwarderHooks {
  /** A message from Jupyter on shell or control, before it goes to the kernel; false keeps it from the kernel. */
  fromClient(channel: "shell" | "control", frames: Buffer[]): boolean;
  /** A message from the kernel on shell, control or iopub, before it goes to Jupyter; false keeps it back. */
  fromKernel(channel: "shell" | "control" | "iopub", frames: Buffer[]): boolean;
}

interface Frontends {
  shell: zmq.Router;
  control: zmq.Router;
  stdin: zmq.Router;
  iopub: zmq.Publisher;
  hb: zmq.Router;
}

interface Backends {
  shell: zmq.Dealer;
  control: zmq.Dealer;
  stdin: zmq.Dealer;
  iopub: zmq.Subscriber;
  hb: zmq.Dealer;
}

/** The proxy's ten sockets and the loops between them. */
export class Forwarder {
  private backends: Backends | undefined;
  private readonly out = new Map<string, SerialSocket>();
  private readonly waitingControl: Buffer[][] = [];
  private closed = false;

  private constructor(
    private readonly zmqModule: typeof zmq,
    private readonly front: Frontends,
    private readonly hooks: ForwarderHooks,
  ) {
    for (const [name, socket] of Object.entries(front)) this.out.set(`front.${name}`, new SerialSocket(socket as never));
    // Control is read from the start: a shutdown while the allocation pends is the proxy's to answer.
    void this.pump(front.control, (frames) => {
      if (!this.hooks.fromClient("control", frames)) return;
      if (this.backends) return this.sendTo("back.control", frames);
      this.waitingControl.push(frames);
    });
  }

  /** Binds the five sockets of Jupyter's connection file (on its address only). */
  static async bind(info: ConnectionInfo, hooks: ForwarderHooks): Promise<Forwarder> {
    const z = await import("zeromq");
    const front: Frontends = {
      shell: new z.Router({ linger: 1000 }),
      control: new z.Router({ linger: 1000 }),
      stdin: new z.Router({ linger: 1000 }),
      iopub: new z.Publisher({ linger: 1000 }),
      hb: new z.Router({ linger: 0 }),
    };
    try {
      await Promise.all([
        front.shell.bind(endpoint(info, info.shell_port)),
        front.control.bind(endpoint(info, info.control_port)),
        front.stdin.bind(endpoint(info, info.stdin_port)),
        front.iopub.bind(endpoint(info, info.iopub_port)),
        front.hb.bind(endpoint(info, info.hb_port)),
      ]);
    } catch (error) {
      for (const s of Object.values(front)) (s as zmq.Socket).close();
      throw new Error(`cannot bind the connection file's ports on ${info.ip}: ${(error as Error).message}`, { cause: error });
    }
    return new Forwarder(z, front, hooks);
  }

  /** Connects to the kernel on the node and starts passing frames both ways. */
  connect(ports: NodeKernelPorts): void {
    const z = this.zmqModule;
    const routingId = `hpcfit-proxy-${randomUUID()}`;
    const at = (port: number): string => `tcp://${ports.ip.includes(":") ? `[${ports.ip}]` : ports.ip}:${port}`;
    const back: Backends = {
      shell: new z.Dealer({ routingId, linger: 1000 }),
      control: new z.Dealer({ routingId, linger: 1000 }),
      stdin: new z.Dealer({ routingId, linger: 1000 }),
      iopub: new z.Subscriber({ linger: 0 }),
      hb: new z.Dealer({ linger: 0 }),
    };
    back.shell.connect(at(ports.shell_port));
    back.control.connect(at(ports.control_port));
    back.stdin.connect(at(ports.stdin_port));
    back.iopub.connect(at(ports.iopub_port));
    back.iopub.subscribe();
    back.hb.connect(at(ports.hb_port));
    for (const [name, socket] of Object.entries(back)) this.out.set(`back.${name}`, new SerialSocket(socket as never));
    this.backends = back;
    const f = this.front;
    void this.pump(f.shell, (frames) => (this.hooks.fromClient("shell", frames) ? this.sendTo("back.shell", frames) : undefined));
    void this.pump(f.stdin, (frames) => this.sendTo("back.stdin", frames));
    void this.pump(f.hb, (frames) => this.sendTo("back.hb", frames));
    void this.pump(back.shell, (frames) =>
      this.hooks.fromKernel("shell", frames) ? this.sendTo("front.shell", frames) : undefined,
    );
    void this.pump(back.control, (frames) =>
      this.hooks.fromKernel("control", frames) ? this.sendTo("front.control", frames) : undefined,
    );
    void this.pump(back.stdin, (frames) => this.sendTo("front.stdin", frames));
    void this.pump(back.iopub, (frames) =>
      this.hooks.fromKernel("iopub", frames) ? this.sendTo("front.iopub", frames) : undefined,
    );
    void this.pump(back.hb, (frames) => this.sendTo("front.hb", frames));
    for (const frames of this.waitingControl.splice(0)) void this.sendTo("back.control", frames);
  }

  /** True once connected to the kernel. */
  get connected(): boolean {
    return this.backends !== undefined;
  }

  /** Sends frames the proxy made itself to Jupyter (a notice on iopub, a reply on control). */
  toClient(channel: "iopub" | "control", frames: Buffer[]): Promise<void> {
    return this.sendTo(`front.${channel}`, frames);
  }

  /** Sends frames the proxy made itself to the kernel (an interrupt_request on control). */
  toKernel(channel: "control", frames: Buffer[]): Promise<void> {
    return this.sendTo(`back.${channel}`, frames);
  }

  /** Closes every socket. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of Object.values(this.front)) (s as zmq.Socket).close();
    for (const s of Object.values(this.backends ?? {})) (s as zmq.Socket).close();
  }

  private sendTo(name: string, frames: Buffer[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.out.get(name)?.send(frames) ?? Promise.resolve();
  }

  private async pump(socket: zmq.Socket & AsyncIterable<Buffer[]>, each: (frames: Buffer[]) => unknown): Promise<void> {
    try {
      for await (const frames of socket) {
        if (this.closed) return;
        await each(frames);
      }
    } catch {
      // A closed socket ends its loop.
    }
  }
}
