// The TypeScript interpreter of the hpcfit kernel.
export { TypeScriptInterpreter, type TypeScriptInterpreterOptions } from "./typescript-interpreter.js";
export type { DisplayFunction, DisplayHandle, DisplayOptions, InputFunction } from "./display-api.js";
export { compileCell, CellSyntaxError, type CompiledCell } from "./cell-compiler.js";
export * from "./types.js";
