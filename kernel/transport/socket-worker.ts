/**
 * The socket side of the kernel, run in a worker thread so that the heartbeat, control channel and
 * iopub keep working while a cell keeps the main thread busy in a synchronous loop. It binds the
 * five sockets, verifies and parses incoming messages, forwards them to the main thread, signs
 * and sends what the main thread hands back, and answers `interrupt_request` itself by sending
 * the process a SIGINT (the main thread may be too busy to read a message).
 */
import { parentPort, workerData } from "node:worker_threads";
import { Reply, Router, XPublisher } from "zeromq";
import { endpoint } from "../../jupyter/connection-file.js";
import { createMessage, type Channel, type JupyterMessage } from "../../jupyter/message.js";
import { MessageSigner, parseMessage, serializeMessage } from "../../jupyter/wire.js";
import type { MainCommand, SocketWorkerData, WorkerEvent } from "./worker-protocol.js";
import { OutgoingQueue } from "./outgoing-queue.js";
import { IopubCoalescer, supersedeKey } from "./iopub-coalescer.js";

const data = workerData as SocketWorkerData;
const port = parentPort;
if (!port) throw new Error("socket-worker.ts must run in a worker thread");

const signer = new MessageSigner(data.connection.key, data.connection.signature_scheme);
const post = (event: WorkerEvent): void => port.postMessage(event);
const log = (text: string): void => {
  // Written straight to fd 2: the worker's process.stderr is relayed by the main thread, which
  // may be busy running a cell.
  process.stderr.write(`[hpcfit kernel] ${text}\n`);
};

// Linger so a reply queued right before close (shutdown_reply) still leaves.
const LINGER_MS = 1000;
const shell = new Router({ linger: LINGER_MS });
const control = new Router({ linger: LINGER_MS });
const stdin = new Router({ linger: LINGER_MS });
// noDrop: at a subscriber's high-water mark, send says EAGAIN instead of dropping the message,
// and the outgoing queue waits and tries again. An XPUB (protocol 5.4): it hears each
// subscription, every one of them (allSubs: also a second subscriber to the same topic), and
// answers it with iopub_welcome.
const iopub = new XPublisher({ linger: LINGER_MS, noDrop: true, verbosity: "allSubs" });
const heartbeat = new Reply({ linger: 0 });

const queues = {
  shell: new OutgoingQueue(shell, log),
  control: new OutgoingQueue(control, log),
  stdin: new OutgoingQueue(stdin, log),
  iopub: new OutgoingQueue(iopub, log),
};
// iopub messages go to every subscriber: their first frame is a topic, not a client identity.
const coalescer = new IopubCoalescer((message) => {
  message.identities = [Buffer.from(`kernel.${data.sender.session}.${message.header.msg_type}`)];
  queues.iopub.push(serializeMessage(message, signer), supersedeKey(message));
});

function send(channel: Channel, message: JupyterMessage): void {
  // HPCFIT_WIRE_DEBUG=1 logs every outgoing message: for diagnosing a client that hears nothing.
  if (process.env.HPCFIT_WIRE_DEBUG)
    log(`send ${channel} ${message.header.msg_type} ids=${message.identities.map((i) => Buffer.from(i).toString()).join(",")}`);
  if (channel === "iopub") {
    coalescer.push(message);
    return;
  }
  queues[channel].push(serializeMessage(message, signer));
}

function interrupt(request: JupyterMessage): void {
  const status = (state: string) => createMessage(data.sender, "status", { execution_state: state }, request);
  send("iopub", status("busy"));
  let content: Record<string, unknown> = { status: "ok" };
  try {
    process.kill(process.pid, "SIGINT");
  } catch (error) {
    content = { status: "error", ename: "InterruptError", evalue: (error as Error).message, traceback: [] };
  }
  send("control", createMessage(data.sender, "interrupt_reply", content, request));
  send("iopub", status("idle"));
}

async function receive(channel: "shell" | "control" | "stdin", socket: Router): Promise<void> {
  for await (const frames of socket) {
    let message: JupyterMessage;
    try {
      message = parseMessage(frames, signer);
    } catch (error) {
      log(`dropped a message on ${channel}: ${(error as Error).message}`);
      continue;
    }
    if (channel === "control" && message.header.msg_type === "interrupt_request") {
      interrupt(message);
      continue;
    }
    post({ kind: "message", channel, message, receivedAt: Date.now() });
  }
}

/**
 * Welcomes each new subscriber (JEP 65): once a client sees `iopub_welcome`, its subscription is
 * live and no output of a request it sends from then on can be lost. The welcome's topic is the
 * subscription itself, so that the subscriber it answers receives it whatever it subscribed to.
 */
async function welcome(): Promise<void> {
  for await (const [event] of iopub) {
    // A subscription is the byte 1 followed by its topic; 0 is an unsubscription.
    if (event.length === 0 || event[0] !== 1) continue;
    const subscription = Buffer.from(event.subarray(1));
    const message = createMessage(data.sender, "iopub_welcome", { subscription: subscription.toString("utf8") });
    message.identities = [subscription.length > 0 ? subscription : Buffer.from(`kernel.${data.sender.session}.iopub_welcome`)];
    queues.iopub.push(serializeMessage(message, signer));
  }
}

async function echo(): Promise<void> {
  for await (const frames of heartbeat) await heartbeat.send(frames);
}

async function start(): Promise<void> {
  const c = data.connection;
  await Promise.all([
    shell.bind(endpoint(c, c.shell_port)),
    control.bind(endpoint(c, c.control_port)),
    stdin.bind(endpoint(c, c.stdin_port)),
    iopub.bind(endpoint(c, c.iopub_port)),
    heartbeat.bind(endpoint(c, c.hb_port)),
  ]);
  // The loops end when their socket closes; any other error would be a bug worth a log line.
  const guard = (name: string, p: Promise<void>) =>
    p.catch((error: unknown) => {
      if (!closing) log(`${name} loop stopped: ${(error as Error).message}`);
    });
  void guard("shell", receive("shell", shell));
  void guard("control", receive("control", control));
  void guard("stdin", receive("stdin", stdin));
  void guard("heartbeat", echo());
  void guard("iopub", welcome());
  post({ kind: "ready" });
}

let closing = false;
async function close(): Promise<void> {
  closing = true;
  coalescer.flush();
  await Promise.all(Object.values(queues).map((q) => q.drained()));
  for (const s of [shell, control, stdin, iopub, heartbeat]) s.close();
  post({ kind: "closed" });
  // Nothing else keeps this thread alive: it ends by itself once ZeroMQ has let go of the
  // sockets. Being terminated instead, with a socket still closing, can abort the process.
  port?.close();
}

port.on("message", (command: MainCommand) => {
  if (command.kind === "send") send(command.channel, command.message);
  else if (command.kind === "send-many") for (const item of command.items) send(item.channel, item.message);
  else if (command.kind === "close") void close();
});

start().catch((error: unknown) => post({ kind: "fatal", error: (error as Error).message }));
