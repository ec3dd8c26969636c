/** `%lsmagic`: lists the magics this kernel knows, with their one-line summaries. */
import { DISPLAY, type MimeBundle } from "../../schema/display.js";
import type { MagicRegistry } from "../../kernel/magics/registry.js";
import type { Magic } from "../../kernel/magics/types.js";

/** The listing `%lsmagic` returns; it displays as text and as a Markdown table. */
export class MagicListing {
  constructor(readonly magics: ReadonlyArray<Pick<Magic, "name" | "kind" | "summary">>) {}

  /** Plain-text form, one magic per line. */
  toString(): string {
    const line = this.magics.filter((m) => m.kind !== "cell").map((m) => `  %${m.name.padEnd(12)} ${m.summary}`);
    const cell = this.magics.filter((m) => m.kind !== "line").map((m) => `  %%${m.name.padEnd(11)} ${m.summary}`);
    return [`Line magics:`, ...line, ``, `Cell magics:`, ...cell].join("\n");
  }

  /** The rich display (see schema/display.ts). */
  [DISPLAY](): MimeBundle {
    const row = (prefix: string, m: Pick<Magic, "name" | "summary">) =>
      `| \`${prefix}${m.name}\` | ${m.summary.replace(/\|/g, "\\|")} |`;
    const markdown = [
      "| magic | what it does |",
      "| --- | --- |",
      ...this.magics.filter((m) => m.kind !== "cell").map((m) => row("%", m)),
      ...this.magics.filter((m) => m.kind !== "line").map((m) => row("%%", m)),
    ].join("\n");
    return { "text/plain": this.toString(), "text/markdown": markdown };
  }
}

/** Creates `%lsmagic` for a registry (it lists whatever the registry holds when run). */
export function lsmagicMagic(registry: MagicRegistry): Magic {
  return {
    name: "lsmagic",
    kind: "line",
    summary: "List the available line and cell magics.",
    run: () => new MagicListing(registry.list()),
  };
}
