/**
 * Reader of NIST StRD nonlinear regression files (`.dat`): data, both starting points, certified
 * values and standard deviations. Pure text in, numbers out (no file access), so tests and
 * benchmarks read the files themselves.
 */

/** One NIST StRD nonlinear regression problem. */
export interface NistDataset {
  /** Dataset name (e.g. "Misra1a"). */
  name: string;
  /** Parameter names b1..bp. */
  names: string[];
  /** Starting points 1 and 2. */
  starts: [Float64Array, Float64Array];
  /** Certified parameter values. */
  certified: Float64Array;
  /** Certified standard deviations. */
  certifiedSd: Float64Array;
  /** Certified residual sum of squares. */
  rss: number;
  /** Degrees of freedom. */
  dof: number;
  /** Response values. */
  y: Float64Array;
  /** Predictor columns (one for all problems but Nelson, which has two). */
  x: Float64Array[];
  /** The data rows as written in the file (response first), for exact decimal parsing. */
  text: string[][];
}

/** Parses the text of a NIST StRD `.dat` file; throws naming the dataset when the format differs. */
export function parseNist(text: string, name: string): NistDataset {
  const lines = text.split(/\r?\n/);
  const names: string[] = [];
  const s1: number[] = [];
  const s2: number[] = [];
  const cert: number[] = [];
  const sd: number[] = [];
  let rss = NaN;
  let dof = NaN;
  let dataStart = -1;
  lines.forEach((line, i) => {
    const b = /^\s*(b\d+)\s*=\s*(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$/.exec(line);
    if (b) {
      names.push(b[1]);
      s1.push(Number(b[2]));
      s2.push(Number(b[3]));
      cert.push(Number(b[4]));
      sd.push(Number(b[5]));
      return;
    }
    const rs = /^Residual Sum of Squares:\s*(\S+)/.exec(line);
    if (rs) rss = Number(rs[1]);
    const df = /^Degrees of Freedom:\s*(\S+)/.exec(line);
    if (df) dof = Number(df[1]);
    if (/^Data:\s+y\s/.test(line)) dataStart = i + 1;
  });
  if (names.length === 0 || dataStart < 0 || Number.isNaN(rss))
    throw new Error(`NIST ${name}: not a StRD nonlinear regression file`);
  const rows: number[][] = [];
  const rowsText: string[][] = [];
  for (let i = dataStart; i < lines.length; i++) {
    const t = lines[i].trim();
    if (t === "") continue;
    const tokens = t.split(/\s+/);
    const row = tokens.map(Number);
    if (row.some(Number.isNaN)) throw new Error(`NIST ${name}: bad data row ${i + 1}: "${t}"`);
    rows.push(row);
    rowsText.push(tokens);
  }
  const ncols = rows[0].length;
  const y = Float64Array.from(rows, (r) => r[0]);
  const x: Float64Array[] = [];
  for (let c = 1; c < ncols; c++) x.push(Float64Array.from(rows, (r) => r[c]));
  return {
    name,
    names,
    starts: [Float64Array.from(s1), Float64Array.from(s2)],
    certified: Float64Array.from(cert),
    certifiedSd: Float64Array.from(sd),
    rss,
    dof,
    y,
    x,
    text: rowsText,
  };
}
