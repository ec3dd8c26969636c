/**
 * Columns of numbers from a text data file, as instruments and other programs write them:
 * whitespace-, tab- or comma-separated fields, `#` comments (whole lines or line ends), an
 * optional header line naming the columns (a first line with no number in it; or, as numpy's
 * `savetxt` writes it, the last comment line before the data), and numbers in any common notation: `1`, `-2.5`, `.5`, `1e-3`, and
 * Fortran's `1.5D+02`. A field that is not a number (`nan`, `inf`, `1.2.3`) or a row with the wrong
 * number of fields is an error naming the file, line and column: never a silent NaN.
 */
import { UserError } from "../../util/user-error.js";

/** The columns of a text data file. */
export interface TextColumns {
  /** Column names from the header, or empty when the file has none. */
  header: string[];
  /** Every column, in file order. */
  columns: Float64Array[];
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?$/;

/** The number a field stands for, or undefined when it is none (NaN and infinities are none). */
export function parseNumber(field: string): number | undefined {
  if (!NUMBER.test(field)) return undefined;
  const v = Number(field.replace(/[dD]/, "e"));
  return Number.isFinite(v) ? v : undefined;
}

/** Fields of a line: split at commas when the data are comma-separated, else at whitespace. */
function fieldsOf(text: string, commas: boolean): string[] {
  const t = text.trim();
  if (t === "") return [];
  return commas ? t.split(",").map((f) => f.trim()) : t.split(/\s+/);
}

/** A line without its `#` comment. */
function withoutComment(line: string): string {
  const at = line.indexOf("#");
  return at < 0 ? line : line.slice(0, at);
}

/**
 * Parses `text` (the contents of `file`, named in errors) into columns.
 * @throws UserError naming the file, line and column of the first field that is not a number,
 *   the line whose number of fields differs from the first data line's, or saying the file has
 *   no data
 */
export function parseTextColumns(text: string, file: string): TextColumns {
  const lines = text.split(/\r\n|\n|\r/);
  let commas: boolean | undefined;
  let header: string[] = [];
  let lastComment: string | undefined;
  let width = 0;
  let values: number[][] = [];
  let firstDataLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const body = withoutComment(raw);
    if (body.trim() === "") {
      if (raw.trim().startsWith("#") && values.length === 0 && header.length === 0) lastComment = raw.trim().slice(1);
      continue;
    }
    commas ??= body.includes(",");
    const fields = fieldsOf(body, commas);
    if (width === 0) {
      // The first line that is not a comment is a header when none of its fields is a number (a
      // line with some numbers is data, and its other fields are errors).
      if (header.length === 0 && fields.every((f) => parseNumber(f) === undefined)) {
        header = fields;
        checkHeader(header, file, i + 1);
        commas = undefined; // the data may be separated differently from the names
        continue;
      }
      width = fields.length;
      values = Array.from({ length: width }, () => []);
      firstDataLine = i + 1;
      if (header.length > 0 && header.length !== width)
        throw new UserError(
          `${file} line ${i + 1}: the header names ${header.length} column${header.length === 1 ? "" : "s"} (${header.join(", ")}) but the data have ${width}`,
        );
      if (header.length === 0 && lastComment !== undefined) {
        const names = fieldsOf(lastComment, commas);
        if (names.length === width && names.every((n) => parseNumber(n) === undefined && /^[A-Za-z_]/.test(n))) header = names;
      }
    }
    if (fields.length !== width)
      throw new UserError(
        `${file} line ${i + 1}: ${fields.length} field${fields.length === 1 ? "" : "s"}, but line ${firstDataLine} has ${width}; ` +
          "every data line needs the same columns",
      );
    for (let c = 0; c < width; c++) {
      const v = parseNumber(fields[c]);
      if (v === undefined) {
        const name = header.length > 0 ? ` (${header[c]})` : "";
        throw new UserError(
          `${file} line ${i + 1}, column ${c + 1}${name}: ${JSON.stringify(fields[c])} is not a number` +
            (/^[+-]?(nan|inf|infinity)$/i.test(fields[c])
              ? " (NaN and infinite values are refused: remove or fix the point)"
              : ""),
        );
      }
      values[c].push(v);
    }
  }
  if (width === 0)
    throw new UserError(`${file} holds no data lines${header.length > 0 ? ` (only the header ${header.join(", ")})` : ""}`);
  return { header, columns: values.map((v) => Float64Array.from(v)) };
}

/** Header names must be unique and not empty, so that columns can be asked for by name. */
function checkHeader(header: string[], file: string, line: number): void {
  const seen = new Set<string>();
  header.forEach((name, c) => {
    if (name === "") throw new UserError(`${file} line ${line}: header column ${c + 1} has no name`);
    if (seen.has(name)) throw new UserError(`${file} line ${line}: header names column ${JSON.stringify(name)} twice`);
    seen.add(name);
  });
}
