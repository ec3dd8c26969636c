// Comms: the contract and the kernel's implementation of it.
export * from "./types.js";
export * from "./comm-manager.js";
export * from "./kernel-comm.js";
