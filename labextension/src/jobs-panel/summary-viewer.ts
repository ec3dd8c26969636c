import { Widget } from "@lumino/widgets";
import { PlotHost } from "../plot/plot-host.js";
import { element } from "../renderers/bundle-renderer.js";
import type { CsvTable } from "../../../schema/csv.js";
import { numericColumns, scaledSeries, seriesOf, type PlotScale } from "../transforms/csv-table.js";

/** Columns of a sweep summary that are not parameters (see notebooks/sweep.ts `summaryCsv`). */
const RUN_COLUMNS = ["status", "run_time_s", "output", "job_id", "error"];

/** The ways a column can be shown, with their labels. */
const SCALES: [PlotScale, string][] = [
  ["values", "values"],
  ["speedup", "speedup (time at the fewest ÷ time)"],
  ["efficiency", "efficiency (speedup ÷ count ratio)"],
];

/**
 * A sweep's summary (`<name>-summary.csv`) as a table; each numeric column has a "Plot" button
 * that draws it against the parameter chosen above the table, one line per combination of the
 * other parameters, with the same lazily loaded, themed plotly host as the fit renderers. A time
 * plotted against a count (a scaling study's seconds against workers) can be shown as speedup or
 * efficiency instead of values.
 */
export class SummaryViewer extends Widget {
  private readonly plot = new PlotHost("jp-hpcfit-plot jp-hpcfit-summary-plot");
  private readonly x = element("select");
  private readonly scale = element("select");
  private readonly note = element("p", "jp-hpcfit-note");

  /** Shows `table`, read from `path`. */
  constructor(
    path: string,
    private readonly table: CsvTable,
  ) {
    super();
    this.id = `hpcfit-summary-${path.replace(/[^\w-]/g, "_")}`;
    this.addClass("jp-hpcfit-summary-viewer");
    this.title.label = path.split("/").pop() ?? path;
    this.title.closable = true;
    const runColumn = table.header.indexOf("status");
    const parameters = runColumn >= 0 ? table.header.slice(0, runColumn) : [];
    this.x.name = "x";
    for (const p of parameters.length > 0 ? parameters : table.header) {
      const o = element("option", undefined, p);
      o.value = p;
      this.x.append(o);
    }
    const pick = element("label", "jp-hpcfit-form-row");
    pick.append(element("span", undefined, "Plot against"), this.x);
    this.scale.name = "scale";
    for (const [value, label] of SCALES) {
      const o = element("option", undefined, label);
      o.value = value;
      this.scale.append(o);
    }
    const show = element("label", "jp-hpcfit-form-row");
    show.append(element("span", undefined, "Show as"), this.scale);
    const numeric = new Set(
      numericColumns(table)
        .filter((c) => !parameters.includes(c) && !RUN_COLUMNS.includes(c))
        .concat(["run_time_s"]),
    );
    const grid = element("table", "jp-hpcfit-summary-table");
    const head = element("tr");
    for (const column of table.header) {
      const th = element("th", undefined, column);
      if (numeric.has(column)) {
        const button = element("button", "jp-mod-styled jp-hpcfit-plot-column", "Plot");
        button.dataset.column = column;
        button.title = `plot ${column} against the parameter chosen above`;
        button.addEventListener("click", () => void this.draw(column, parameters));
        th.append(" ", button);
      }
      head.append(th);
    }
    grid.append(head);
    for (const row of table.rows) {
      const tr = element("tr");
      for (const value of row) tr.append(element("td", undefined, value));
      grid.append(tr);
    }
    this.node.append(element("h2", undefined, path), pick, show, grid, this.note, this.plot.node);
  }

  private async draw(column: string, parameters: string[]): Promise<void> {
    const x = this.x.value;
    const scale = this.scale.value as PlotScale;
    const values = seriesOf(
      this.table,
      x,
      column,
      parameters.filter((p) => p !== x),
    );
    const data = scaledSeries(values, scale);
    this.note.textContent =
      data.length === 0 && values.length > 0
        ? `${scale} needs ${x} to be a positive count and ${column} a positive time in every run`
        : "";
    const y = scale === "values" ? column : `${scale} of ${column}`;
    this.plot.node.dataset.column = column;
    this.plot.node.dataset.scale = scale;
    await this.plot.draw({
      data,
      layout: { title: { text: `${y} against ${x}` }, xaxis: { title: { text: x } }, yaxis: { title: { text: y } } },
    });
  }

  /** Frees the plot. */
  override dispose(): void {
    this.plot.dispose();
    super.dispose();
  }
}
