/**
 * Sucrase (the TypeScript transpiler of cells and of imported `.ts` files), loaded with `require`.
 * Imported as an ES module, this CommonJS package was seen, about once in five kernel starts, to
 * arrive as an empty object (Node 20: two modules importing it while their graphs load at the same
 * time can be given a module object other than the one its code fills in), and the first cell then
 * failed with "transform is not a function". `require` returns the module from its one cache entry.
 */
import { createRequire } from "node:module";
import type * as Sucrase from "sucrase";

/** Sucrase's exports. */
export const sucrase: typeof Sucrase = createRequire(import.meta.url)("sucrase") as typeof Sucrase;
