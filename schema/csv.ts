/**
 * CSV as the sweep summaries are written (notebooks/sweep.ts) and read back: by the Jobs panel's
 * summary viewer and by notebooks that compare a sweep's runs. Pure, so the browser shares it.
 */

/** A CSV file as a header and rows of text (RFC 4180: quoted fields, doubled quotes, newlines inside quotes). */
export interface CsvTable {
  header: string[];
  rows: string[][];
}

/** Parses CSV text. */
export function parseCsv(text: string): CsvTable {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const [header = [], ...rows] = records;
  return { header, rows };
}
