/**
 * Every magic the kernel ships, registered by `registerDefaultMagics` (what `hpcfit kernel` loads).
 */
import type { MagicRegistry } from "../kernel/magics/registry.js";
import { cdMagic, pwdMagic } from "./builtin/directory.js";
import { envMagic } from "./builtin/env.js";
import { lsmagicMagic } from "./builtin/lsmagic.js";
import { bashMagic, shMagic } from "./builtin/shell.js";
import { timeMagic } from "./builtin/time.js";
import { whoMagic } from "./builtin/who.js";
import { kernelMagic } from "./builtin/kernel.js";
import { typecheckMagic } from "./builtin/typecheck.js";
import { registerSlurmMagics } from "./slurm/index.js";
import { queueMagic } from "./queue.js";
import { runNotebookMagic } from "./run-notebook.js";
import { fitMagic } from "./fit.js";

/** Registers all of hpcfit's magics on `registry`. */
export function registerDefaultMagics(registry: MagicRegistry): void {
  for (const magic of [
    lsmagicMagic(registry),
    timeMagic,
    envMagic,
    whoMagic,
    cdMagic,
    pwdMagic,
    bashMagic,
    shMagic,
    typecheckMagic,
    kernelMagic,
  ])
    registry.register(magic);
  registerSlurmMagics(registry);
  registry.register(queueMagic);
  registry.register(runNotebookMagic);
  registry.register(fitMagic);
}
