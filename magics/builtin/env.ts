/** `%env`: list, read and set environment variables of the kernel process. */
import { type Magic } from "../../kernel/magics/types.js";
import { UserError } from "../../util/user-error.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `%env` returns all variables (an object, sorted by name); `%env NAME` returns one value;
 * `%env NAME=VALUE` or `%env NAME VALUE` sets one and prints what it did.
 */
export const envMagic: Magic = {
  name: "env",
  kind: "line",
  summary: "List, get or set environment variables.",
  usage:
    "%env               all variables\n%env NAME          the value of NAME\n%env NAME=VALUE    set NAME\n%env NAME VALUE    set NAME",
  run(args, context) {
    const text = args.trim();
    if (text === "") {
      const out: Record<string, string> = {};
      for (const key of Object.keys(process.env).sort()) out[key] = process.env[key] ?? "";
      return out;
    }
    const eq = text.indexOf("=");
    const space = text.search(/\s/);
    let name: string;
    let value: string | undefined;
    if (eq > 0 && (space < 0 || eq < space)) {
      name = text.slice(0, eq).trim();
      value = text.slice(eq + 1);
    } else if (space > 0) {
      name = text.slice(0, space);
      value = text.slice(space).trim();
    } else name = text;
    if (!NAME.test(name)) throw new UserError(`%env: "${name}" is not a valid environment variable name.`);
    if (value === undefined) {
      const current = process.env[name];
      if (current === undefined) throw new UserError(`%env: environment variable ${name} is not set.`);
      return current;
    }
    process.env[name] = value;
    context.output.stream("stdout", `env: ${name}=${value}\n`);
    return undefined;
  },
};
