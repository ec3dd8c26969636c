/**
 * Many rows into a PostgreSQL table with `COPY ... FROM STDIN` in the text format: one line per
 * row, the server parses each value once, and the client sends plain text instead of one bound
 * array per column, whose serialization and unpacking cost more than the rows' insertion.
 */
import type pg from "pg";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";

/** One value of a row: null, a number, a boolean or text. */
export type CopyValue = string | number | boolean | null;

/** Rows joined into one piece of the stream (a few megabytes of text). */
const ROWS_PER_PIECE = 10_000;

/** Characters that the text format reads as escapes or separators. */
const SPECIAL = /[\\\n\r\t]/;
const SPECIALS = /[\\\n\r\t]/g;
const ESCAPED: Readonly<Record<string, string>> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** A value as the text format writes it: `\N` for null, `t`/`f`, numbers in decimal, text escaped. */
export function copyField(value: CopyValue): string {
  if (value === null) return "\\N";
  if (typeof value === "boolean") return value ? "t" : "f";
  if (typeof value === "number") return String(value);
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPED[c]) : value;
}

/**
 * Sends `count` rows, the fields of row `i` given by `row(i)` in the order of the columns that
 * `copySql` (`COPY table (columns) FROM STDIN`) names, on connection `c`, inside the caller's
 * transaction. A row the server refuses (a constraint) rejects with the server's error, and the
 * transaction is then aborted, as after a failed INSERT.
 */
export async function copyRows(
  c: pg.PoolClient,
  copySql: string,
  count: number,
  row: (i: number) => readonly CopyValue[],
): Promise<void> {
  function* pieces(): Generator<string> {
    for (let from = 0; from < count; from += ROWS_PER_PIECE) {
      const lines: string[] = [];
      for (let i = from; i < Math.min(count, from + ROWS_PER_PIECE); i++) lines.push(row(i).map(copyField).join("\t"));
      yield lines.join("\n") + "\n";
    }
  }
  await pipeline(Readable.from(pieces()), c.query(copyFrom(copySql)));
}
