// The kernel's transport: connection file, wire framing and signing, sockets in a worker thread.
export * from "./connection-file.js";
export * from "./message.js";
export * from "./transport.js";
export * from "./wire.js";
export * from "./worker-transport.js";
