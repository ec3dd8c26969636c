import type { JobRow, JobState } from "../../../schema/jobs.js";
import { JOB_STATES } from "../../../schema/jobs.js";
import {
  cellText,
  filterJobs,
  JOB_COLUMN_TITLES,
  JOB_COLUMNS,
  sortJobs,
  stateColorVar,
  type JobColumn,
} from "../transforms/jobs-table.js";
import { element } from "./bundle-renderer.js";

/**
 * A sortable, filterable table of jobs (click a header to sort, again to reverse; a text box and
 * a state menu filter). Used by the jobs MIME renderer; plain DOM, styled with JupyterLab's CSS
 * variables.
 */
export class JobsTableView {
  /** The root element. */
  readonly node = element("div", "jp-hpcfit-jobs-table");
  private rows: JobRow[] = [];
  private column: JobColumn = "id";
  private descending = true;
  private readonly text = element("input", "jp-hpcfit-filter-text");
  private readonly state = element("select", "jp-hpcfit-filter-state");
  private readonly table = element("table", "jp-hpcfit-table");
  private readonly count = element("span", "jp-hpcfit-note");

  /** @param columns the columns shown, in order. */
  constructor(private readonly columns: readonly JobColumn[] = JOB_COLUMNS) {
    this.text.type = "search";
    this.text.placeholder = "Filter jobs";
    this.text.addEventListener("input", () => this.render());
    this.state.append(element("option", undefined, "all states"));
    (this.state.firstChild as HTMLOptionElement).value = "";
    for (const s of JOB_STATES) {
      const option = element("option", undefined, s);
      option.value = s;
      this.state.append(option);
    }
    this.state.addEventListener("change", () => this.render());
    const bar = element("div", "jp-hpcfit-toolbar");
    bar.append(this.text, this.state, this.count);
    this.node.append(bar, this.table);
  }

  /** Replaces the rows shown. */
  setRows(rows: JobRow[]): void {
    this.rows = rows;
    this.render();
  }

  private render(): void {
    const now = Date.now();
    const states = this.state.value === "" ? [] : [this.state.value as JobState];
    const shown = sortJobs(filterJobs(this.rows, { states, text: this.text.value }), this.column, this.descending, now);
    this.count.textContent = `${shown.length} of ${this.rows.length} job(s)`;
    this.table.replaceChildren();
    const head = this.table.createTHead().insertRow();
    for (const column of this.columns) {
      const th = element("th", "jp-hpcfit-sortable", JOB_COLUMN_TITLES[column]);
      th.dataset.column = column;
      if (column === this.column) th.setAttribute("aria-sort", this.descending ? "descending" : "ascending");
      th.addEventListener("click", () => {
        this.descending = column === this.column ? !this.descending : false;
        this.column = column;
        this.render();
      });
      head.append(th);
    }
    const body = this.table.createTBody();
    for (const job of shown) {
      const tr = body.insertRow();
      tr.dataset.jobId = job.id;
      tr.dataset.state = job.state;
      for (const column of this.columns) {
        const td = tr.insertCell();
        td.textContent = cellText(job, column, now);
        if (column === "state") td.style.color = `var(${stateColorVar(job.state)})`;
      }
    }
  }
}
