/** A cell's type diagnostics as one short text block: where, what, and the line with a caret. */
import type { CellDiagnostic } from "./notebook-language-service.js";

/** How many diagnostics a block lists before summing up the rest. */
const MAX_LISTED = 5;

/** The block shown on stderr (or as the error of a cell stopped in strict mode). */
export function formatDiagnostics(diagnostics: readonly CellDiagnostic[], verdict: "warning" | "error"): string {
  const count = diagnostics.length;
  const head = `Type ${verdict}${count > 1 ? "s" : ""} (${count}):`;
  const blocks = diagnostics.slice(0, MAX_LISTED).map((d) => {
    const gutter = `${d.line} | `;
    const caret = " ".repeat(gutter.length + d.column - 1) + "^".repeat(Math.min(d.width, 60));
    return `  line ${d.line}, column ${d.column}: ${d.message.split("\n").join("\n    ")} (TS${d.code})\n    ${gutter}${d.sourceLine}\n    ${caret}`;
  });
  if (count > MAX_LISTED) blocks.push(`  … and ${count - MAX_LISTED} more.`);
  return `${head}\n${blocks.join("\n")}\n`;
}
