// The protocol layer: message handlers independent of sockets.
export * from "./kernel-protocol.js";
export * from "./kernel-info.js";
export * from "./output-sink.js";
export * from "./stdin-broker.js";
export * from "./history-request.js";
export * from "./execute-handler.js";
export * from "./package-info.js";
