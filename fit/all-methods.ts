// Registers the built-in fit methods (one line each).
import { registerMethod } from "./methods.js";
import { lm } from "./optimizers/lm.js";

registerMethod(lm);
