/**
 * Maps a position in a compiled cell back to the TypeScript the user wrote. Compiling keeps every
 * line on its line but moves columns: the transpiler drops type annotations, and the compiler's
 * rewrites insert text (`try {`, `(yield`, write-backs). Each step leaves a source map; a
 * position goes back through them in turn.
 */
import { decode, type SourceMapMappings } from "@jridgewell/sourcemap-codec";

/** A 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

/**
 * Positions of one compiled cell, mapped back to the cell's text. The maps stay encoded (a few
 * bytes per mapped token) and are decoded only when a stack trace needs them: decoded, every
 * segment is an array, hundreds of megabytes for a cell of a few megabytes, and the interpreter
 * keeps the maps of hundreds of cells. The decoded form is kept only until memory is needed.
 */
export class CellPositions {
  private decoded: WeakRef<SourceMapMappings[]> | undefined;

  /**
   * @param mappings the `mappings` of each step's source map, from the last step (the text that
   *   runs) back to the first (the transpiler's, whose source is the cell)
   */
  constructor(private readonly mappings: readonly string[]) {}

  /** Where `position` of the compiled text came from in the cell. */
  toCell(position: Position): Position {
    let line = position.line;
    let column = position.column - 1;
    for (const step of this.steps()) [line, column] = back(step, line, column);
    return { line, column: column + 1 };
  }

  private steps(): SourceMapMappings[] {
    const cached = this.decoded?.deref();
    if (cached) return cached;
    const steps = this.mappings.map((m) => decode(m));
    this.decoded = new WeakRef(steps);
    return steps;
  }
}

/**
 * One step back: the segment at or before the column, plus the distance from it (text within a
 * segment is copied unchanged). Lines never move, so a line without segments keeps the column.
 */
function back(mappings: SourceMapMappings, line: number, column: number): [number, number] {
  const segments = mappings[line - 1];
  if (!segments || segments.length === 0) return [line, column];
  let lo = 0;
  let hi = segments.length - 1;
  if (segments[0][0] > column) return [line, column];
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid][0] <= column) lo = mid;
    else hi = mid - 1;
  }
  const segment = segments[lo];
  if (segment.length !== 4 && segment.length !== 5) return [line, column];
  return [segment[2] + 1, segment[3] + (column - segment[0])];
}
