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

/** How a plotted column is shown: as recorded, or as the scaling of a time against a count (workers, nodes). */
export type PlotScale = "values" | "speedup" | "efficiency";

/** One line of {@link seriesOf}, as this module reads it back. */
interface Trace {
  name: string;
  x: (number | string)[];
  y: number[];
}

/**
 * The lines of {@link seriesOf} read as times against a count and shown as `scale`: speedup is
 * the time at the line's smallest count over each time, efficiency is speedup over the ratio of
 * the counts (1 when doubling the count halves the time). A dashed "ideal" line follows: the
 * counts' ratio to the smallest for speedup, 1 for efficiency. Lines whose counts are not
 * positive numbers, or with a time that is not positive, cannot be scaled and are left out.
 */
export function scaledSeries(traces: Record<string, unknown>[], scale: PlotScale): Record<string, unknown>[] {
  if (scale === "values") return traces;
  const lines = (traces as unknown as Trace[]).filter(
    (t) => t.x.length > 0 && t.x.every((x) => typeof x === "number" && x > 0) && t.y.every((y) => y > 0),
  );
  if (lines.length === 0) return [];
  const out: Record<string, unknown>[] = lines.map((t) => {
    const x = t.x as number[];
    const speedup = t.y.map((y) => t.y[0] / y);
    return {
      type: "scatter",
      mode: "lines+markers",
      name: t.name,
      x,
      y: scale === "speedup" ? speedup : speedup.map((s, i) => s / (x[i] / x[0])),
    };
  });
  const counts = [...new Set(lines.flatMap((t) => t.x as number[]))].sort((a, b) => a - b);
  out.push({
    type: "scatter",
    mode: "lines",
    name: "ideal",
    x: counts,
    y: counts.map((c) => (scale === "speedup" ? c / counts[0] : 1)),
    line: { dash: "dash" },
  });
  return out;
}
