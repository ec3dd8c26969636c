/** Free TCP ports, for connection files and for servers that tests start. */
import { createServer } from "node:net";

/**
 * A TCP port free at this moment on `host` (the loopback interface unless given). The port is
 * released before it is returned, so another process may take it first; whoever binds it must
 * say so when the bind fails.
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** `count` distinct free ports on `host` (two probes in a row may be handed the same port). */
export async function freePorts(count: number, host = "127.0.0.1"): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}
