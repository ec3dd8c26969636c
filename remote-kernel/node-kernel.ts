/**
 * The node's side of a Slurm kernel start, run by `srun` in the allocation: makes the kernel's
 * connection file (the node's address, free ports there, the session key from the kernel's
 * private folder) and, once the kernel has bound its sockets, tells the proxy where they are.
 * The key travels in a 0600 file, never on a command line, where any user could read it.
 */
import { lookup } from "node:dns/promises";
import { join } from "node:path";
import { freeTcpConnection, type ConnectionInfo } from "../jupyter/connection-file.js";
import { writePrivateFile } from "../util/paths.js";
import { KernelJobDirectory } from "./job-directory.js";

/** One kernel start on the node. */
export interface NodeKernelStart {
  /** The kernel's folder. */
  dir: KernelJobDirectory;
  /** The start's id (its folder under launches/). */
  launch: string;
  /** The connection file the kernel is to read. */
  connectionFile: string;
  /** What the connection file says. */
  connection: ConnectionInfo;
}

/** Writes the node kernel's connection file; `address` is the node's (a name is resolved to its IP). */
export async function prepareNodeKernel(dirPath: string, launch: string, address: string): Promise<NodeKernelStart> {
  const dir = new KernelJobDirectory(dirPath);
  const { key, signature_scheme } = dir.readKey();
  // ZeroMQ binds an interface's address, not a host name.
  const ip = /^[\d.]+$|:/.test(address) ? address : (await lookup(address)).address;
  const connection = await freeTcpConnection(ip, key, signature_scheme);
  const connectionFile = join(dir.launchDir(launch), "connection.json");
  writePrivateFile(connectionFile, JSON.stringify(connection, null, 1) + "\n");
  return { dir, launch, connectionFile, connection };
}

/** Tells the proxy the kernel listens (called once its sockets are bound). */
export function reportNodeKernel(start: NodeKernelStart, env: NodeJS.ProcessEnv = process.env): void {
  const c = start.connection;
  start.dir.writePorts(start.launch, {
    ip: c.ip,
    shell_port: c.shell_port,
    control_port: c.control_port,
    stdin_port: c.stdin_port,
    iopub_port: c.iopub_port,
    hb_port: c.hb_port,
    node: env.SLURMD_NODENAME ?? "",
    pid: process.pid,
  });
}
