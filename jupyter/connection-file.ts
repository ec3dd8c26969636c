/**
 * Reads and checks the connection file a Jupyter client writes before starting a kernel: where to
 * bind the five sockets and the key that signs every message.
 */
import { freePorts } from "../util/free-port.js";
import { UserError } from "../util/user-error.js";
import { readUserText } from "../util/read-text.js";

/**
 * The environment variable in which a launcher of hpcfit's own (a notebook run) gives the kernel
 * its pid, so that a kernel whose launcher died while it was being started does not outlive it.
 */
export const KERNEL_LAUNCHER_ENV = "HPCFIT_KERNEL_LAUNCHER";

/** The five ports of a kernel: its sockets and its heartbeat. */
export interface KernelPorts {
  shell_port: number;
  control_port: number;
  stdin_port: number;
  iopub_port: number;
  hb_port: number;
}

/** The parsed connection file. */
export interface ConnectionInfo extends KernelPorts {
  transport: "tcp" | "ipc";
  ip: string;
  /** The HMAC key; empty means messages are not signed (the spec allows it). */
  key: string;
  /** `hmac-<digest>`, normally `hmac-sha256`. */
  signature_scheme: string;
  kernel_name?: string;
}

const PORT_FIELDS = ["shell_port", "control_port", "stdin_port", "iopub_port", "hb_port"] as const;

/** Parses connection-file JSON text; `source` names the file in error messages. */
export function parseConnectionInfo(text: string, source = "connection file"): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UserError(`${source} must hold a JSON object`);
  }
  const obj = raw as Record<string, unknown>;
  const transport = obj.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc") {
    throw new UserError(`${source}: transport must be "tcp" or "ipc", not ${JSON.stringify(transport)}`);
  }
  const ip = obj.ip ?? "127.0.0.1";
  if (typeof ip !== "string" || ip === "") throw new UserError(`${source}: ip must be a non-empty string`);
  for (const field of PORT_FIELDS) {
    const port = obj[field];
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UserError(`${source}: ${field} must be an integer port in 1..65535, got ${JSON.stringify(port)}`);
    }
  }
  const key = obj.key ?? "";
  if (typeof key !== "string") throw new UserError(`${source}: key must be a string`);
  const scheme = obj.signature_scheme ?? "hmac-sha256";
  if (typeof scheme !== "string" || !/^hmac-[a-z0-9-]+$/i.test(scheme)) {
    throw new UserError(`${source}: signature_scheme must look like "hmac-sha256", got ${JSON.stringify(scheme)}`);
  }
  return {
    transport,
    ip,
    shell_port: obj.shell_port as number,
    control_port: obj.control_port as number,
    stdin_port: obj.stdin_port as number,
    iopub_port: obj.iopub_port as number,
    hb_port: obj.hb_port as number,
    key,
    signature_scheme: scheme,
    kernel_name: typeof obj.kernel_name === "string" ? obj.kernel_name : undefined,
  };
}

/** Reads and parses the connection file at `path`. */
export function readConnectionFile(path: string): ConnectionInfo {
  return parseConnectionInfo(readUserText(path, `connection file ${path}`), path);
}

/** The ZeroMQ endpoint for one port of the connection (ipc uses `<ip>-<port>` paths, as jupyter_client does). */
export function endpoint(info: ConnectionInfo, port: number): string {
  return info.transport === "tcp" ? `tcp://${info.ip}:${port}` : `ipc://${info.ip}-${port}`;
}

/**
 * A tcp connection on five ports of `ip` that are free now, signed with `key`. The ports may be
 * taken by someone else before the kernel binds them: a starter retries on fresh ones then.
 */
export async function freeTcpConnection(ip: string, key: string, signature_scheme = "hmac-sha256"): Promise<ConnectionInfo> {
  const [shell_port, control_port, stdin_port, iopub_port, hb_port] = await freePorts(5, ip);
  return { transport: "tcp", ip, shell_port, control_port, stdin_port, iopub_port, hb_port, key, signature_scheme };
}
