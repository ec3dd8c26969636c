/** `%typecheck [warn|strict|off]`: what the kernel does with a cell's type errors. */
import { type Magic } from "../../kernel/magics/types.js";
import {
  setTypeCheckMode,
  TYPE_CHECK_MODES,
  typeCheckEnvProblem,
  typeCheckMode,
  type TypeCheckMode,
} from "../../kernel/interpreter/type-service/typecheck-mode.js";
import { closest } from "../../util/closest.js";
import { UserError } from "../../util/user-error.js";

/** `%typecheck MODE` sets the mode; alone, it prints the current one. */
export const typecheckMagic: Magic = {
  name: "typecheck",
  kind: "line",
  summary: "Type errors in cells: warn (shown, the cell runs), strict (the cell does not run), off.",
  usage:
    "%typecheck warn     show a cell's type errors on stderr and run it anyway (the default)\n" +
    "%typecheck strict   show them and do not run the cell\n" +
    "%typecheck off      do not check\n" +
    "%typecheck          print the current mode\n" +
    "HPCFIT_TYPECHECK=MODE in the kernel's environment sets the mode it starts with",
  run(args, context) {
    const wanted = args.trim();
    if (wanted === "") {
      const problem = typeCheckEnvProblem();
      context.output.stream("stdout", `typecheck: ${typeCheckMode()}${problem ? ` (${problem})` : ""}\n`);
      return undefined;
    }
    if (!(TYPE_CHECK_MODES as readonly string[]).includes(wanted)) {
      const near = closest(wanted, TYPE_CHECK_MODES);
      const hint = near === undefined ? "" : ` (did you mean ${near}?)`;
      throw new UserError(`%typecheck: unknown mode "${wanted}"${hint}; use one of ${TYPE_CHECK_MODES.join(", ")}.`);
    }
    setTypeCheckMode(wanted as TypeCheckMode);
    return undefined;
  },
};
