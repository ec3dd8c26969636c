import type { CsvTable } from "../../../schema/csv.js";

/** The columns whose every non-empty value is a number (and that have at least one). */
export function numericColumns(table: CsvTable): string[] {
  return table.header.filter((_, c) => {
    const values = table.rows.map((r) => (r[c] ?? "").trim()).filter((v) => v !== "");
    return values.length > 0 && values.every((v) => Number.isFinite(Number(v)));
  });
}

/**
 * Traces of column `y` against column `x`, one per combination of the other parameters' values
 * (`groupBy`), sorted by x, as plotly scatter traces with lines.
 */
export function seriesOf(table: CsvTable, x: string, y: string, groupBy: string[]): Record<string, unknown>[] {
  const xi = table.header.indexOf(x);
  const yi = table.header.indexOf(y);
  const gi = groupBy.map((g) => table.header.indexOf(g)).filter((i) => i >= 0 && i !== xi);
  const groups = new Map<string, { x: (number | string)[]; y: number[] }>();
  for (const row of table.rows) {
    const yv = Number(row[yi]);
    if ((row[yi] ?? "").trim() === "" || !Number.isFinite(yv)) continue;
    const key = gi.map((i) => `${table.header[i]}=${row[i]}`).join(", ");
    const group = groups.get(key) ?? { x: [], y: [] };
    const raw = row[xi] ?? "";
    group.x.push(raw.trim() !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw);
    group.y.push(yv);
    groups.set(key, group);
  }
  return [...groups.entries()].map(([name, g]) => {
    const order = g.x.map((_, i) => i).sort((a, b) => (g.x[a] < g.x[b] ? -1 : g.x[a] > g.x[b] ? 1 : 0));
    return {
      type: "scatter",
      mode: "lines+markers",
      name: name === "" ? y : name,
      x: order.map((i) => g.x[i]),
      y: order.map((i) => g.y[i]),
    };
  });
}
