// Per-user input history.
export * from "./data-dir.js";
export * from "./history-store.js";
