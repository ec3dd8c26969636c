// Registers the built-in fit methods (one line each).
import { registerMethod } from "./methods.js";
import { lm } from "./optimizers/lm/index.js";
import { amoebaMethod } from "./optimizers/amoeba.js";
import { newtonMethod } from "./optimizers/newton.js";
import { deMethod } from "./optimizers/de.js";
import { dream, smc } from "./samplers/methods.js";

registerMethod(lm);
registerMethod(amoebaMethod);
registerMethod(newtonMethod);
registerMethod(deMethod);
registerMethod(dream);
registerMethod(smc);
