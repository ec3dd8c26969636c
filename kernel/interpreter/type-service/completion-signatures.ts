/**
 * The signatures of completion candidates (`(property) samples?: number`), as TypeScript's
 * completion details show them, for a whole list at once.
 *
 * `getCompletionEntryDetails` answers one candidate at a time, and each call computes the
 * completion list again to find the candidate's symbol: for an option object of a call, that is
 * resolving the call once per key. Asked with `includeSymbol`, the list already carries each
 * candidate's symbol, and the display the details would make of it is asked of TypeScript's own
 * symbol display directly, with the checker that made the list. That display is not part of
 * TypeScript's declared API: when it is missing, each candidate goes through the details again.
 */
import ts from "typescript";

/** The part of TypeScript's symbol display that completion details use. */
interface SymbolDisplay {
  getSymbolDisplayPartsDocumentationAndSymbolKind(
    checker: ts.TypeChecker,
    symbol: ts.Symbol,
    sourceFile: ts.SourceFile,
    enclosingDeclaration: ts.Node,
    location: ts.Node,
    meaning: number,
  ): { displayParts: ts.SymbolDisplayPart[] };
}

/** TypeScript's members this module reaches beyond its declared API. */
interface Internals {
  SymbolDisplay?: Partial<SymbolDisplay>;
  getTouchingPropertyName?: (sourceFile: ts.SourceFile, position: number) => ts.Node;
}

/** Every meaning (value, type, namespace), as completion details ask for. */
const ALL_MEANINGS = 7;

const internals = ts as unknown as Internals;
const display = internals.SymbolDisplay?.getSymbolDisplayPartsDocumentationAndSymbolKind;
const touching = internals.getTouchingPropertyName;

/**
 * Options for `getCompletionsAtPosition` that make its entries carry their symbols, when those
 * can be shown directly (see {@link signatures}).
 */
export const WITH_SYMBOLS: Pick<ts.GetCompletionsAtPositionOptions, "includeSymbol"> = {
  includeSymbol: display !== undefined && touching !== undefined,
};

/**
 * The display of each of `entries` (completions at `position` of `path`) as their details give
 * it, or undefined where there is none. Entries without a symbol (keywords, paths, literals) and
 * every entry when the symbol display is out of reach are asked of the details one by one.
 */
export function signatures(
  service: ts.LanguageService,
  path: string,
  position: number,
  entries: readonly ts.CompletionEntry[],
): (string | undefined)[] {
  const program = service.getProgram();
  const sourceFile = program?.getSourceFile(path);
  const checker = program?.getTypeChecker();
  const location = sourceFile && touching?.(sourceFile, position);
  return entries.map((entry) => {
    if (entry.symbol && display && sourceFile && checker && location) {
      // The same call the details make for a symbol, with the node they locate it at.
      const parts = display(checker, entry.symbol, sourceFile, location, location, ALL_MEANINGS).displayParts;
      return ts.displayPartsToString(parts);
    }
    const details = service.getCompletionEntryDetails(path, position, entry.name, undefined, entry.source, undefined, entry.data);
    return details ? ts.displayPartsToString(details.displayParts) : undefined;
  });
}
