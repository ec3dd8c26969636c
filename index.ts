// The package root: `import { ... } from "hpcfit"` in a notebook, a model file or a script.
export * from "./fit/index.js";
export * from "./fit/node/index.js";
export { DISPLAY, isDisplayable, type Displayable, type MimeBundle } from "./schema/display.js";
export * as jobs from "./jobs/index.js";
export * as queue from "./queue/index.js";
export * as notebooks from "./notebooks/index.js";
export { record } from "./notebooks/record.js";
