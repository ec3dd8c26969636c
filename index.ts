// The package root: `import { ... } from "hpcfit"` in a notebook, a model file or a script.
export * from "./fit/index.js";
export { DISPLAY, isDisplayable, type Displayable, type MimeBundle } from "./schema/display.js";
export * as jobs from "./magics/jobs/index.js";
export * as queue from "./magics/queue/index.js";
export * as notebooks from "./magics/notebook/index.js";
export { record } from "./magics/notebook/record.js";
