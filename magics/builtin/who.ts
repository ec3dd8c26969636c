/** `%who`: the names the notebook has declared, optionally only those of some types. */
import type { Magic } from "../../kernel/magics/types.js";

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") return /^class\b/.test(Function.prototype.toString.call(value)) ? "class" : "function";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}

/** `%who` prints the names; `%who number function` only names whose value has one of those types. */
export const whoMagic: Magic = {
  name: "who",
  kind: "line",
  summary: "Print the notebook's variables (optionally only those of the given types).",
  usage: "%who [TYPE ...]    e.g. %who number Float64Array function",
  run(args, context) {
    const wanted = args
      .split(/\s+/)
      .filter(Boolean)
      .map((t) => t.toLowerCase());
    const names = context.variableNames().filter((name) => {
      if (wanted.length === 0) return true;
      return wanted.includes(typeName(context.getVariable(name)).toLowerCase());
    });
    context.output.stream("stdout", names.length === 0 ? "Interactive namespace is empty.\n" : `${names.join("\t")}\n`);
    return undefined;
  },
};
