import { Widget } from "@lumino/widgets";
import { isTerminalState, type JobRow, type JobState } from "../../../schema/jobs.js";
import { element } from "../renderers/bundle-renderer.js";
import {
  cellText,
  filterJobs,
  formatDuration,
  groupArrays,
  JOB_COLUMN_TITLES,
  kernelAllocationLabel,
  newestFirst,
  stateColorVar,
} from "../transforms/jobs-table.js";
import type { JobsConnection } from "./jobs-connection.js";
import { DEFAULT_PANEL_SETTINGS, type JobsPanelSettings } from "./panel-settings.js";

/** What the panel asks of JupyterLab (dialogs, viewers, the file browser); given by the plugin. */
export interface JobsPanelServices {
  /** Asks the user to confirm; resolves true to go ahead. */
  confirm(title: string, message: string): Promise<boolean>;
  /** Opens a live-following viewer of the job's output. */
  openOutput(connection: JobsConnection, job: JobRow): void;
  /** Opens the job's stored fit result (`job.results`) as plots. */
  openResults(job: JobRow): Promise<void>;
  /** Shows the job's directory in the file browser. */
  openDirectory(job: JobRow): Promise<void>;
  /** Deletes a forgotten job's output files (stdout, stderr); resolves the paths deleted. */
  deleteOutputFiles(job: JobRow): Promise<string[]>;
  /** Opens the "New fit job" form for this connection. */
  openNewFitJob(connection: JobsConnection): void;
  /** Opens a notebook job's executed notebook (at its failing cell when it failed). */
  openNotebookOutput(job: JobRow): Promise<void>;
  /** Opens the HTML copy of a finished notebook job's executed notebook. */
  openNotebookHtml(job: JobRow): Promise<void>;
  /** Opens the "Run as Job…" form filled with a notebook job's order. */
  runAgain(connection: JobsConnection, job: JobRow): void;
  /** Has the kernel write a finished sweep's summary and opens it as a table. */
  openSummary(connection: JobsConnection, arrayJobId: number): Promise<void>;
  /** Reports an error to the user. */
  error(message: string): void;
}

/** Groups of states offered as filter buttons. */
const STATE_FILTERS: { label: string; states: JobState[] }[] = [
  { label: "All", states: [] },
  { label: "Active", states: ["PENDING", "RUNNING", "SUSPENDED", "COMPLETING"] },
  { label: "Completed", states: ["COMPLETED"] },
  {
    label: "Failed",
    states: ["FAILED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "CANCELLED", "PREEMPTED"],
  },
];

/**
 * The Jobs panel in the left sidebar: the jobs of the focused notebook's hpcfit kernel, newest
 * first, arrays grouped, filtered by state and text, each with its actions. It says plainly when
 * no hpcfit kernel is attached. Elapsed times tick every second; data comes from the kernel's
 * pushes over the `hpcfit.jobs` comm (see {@link JobsConnection}).
 */
export class JobsPanel extends Widget {
  private connection: JobsConnection | null = null;
  /** The notebook whose kernel the panel follows. */
  private label: string | null = null;
  private settings: JobsPanelSettings = DEFAULT_PANEL_SETTINGS;
  private readonly status = element("div", "jp-hpcfit-panel-status");
  private readonly list = element("div", "jp-hpcfit-job-list");
  private readonly text = element("input", "jp-hpcfit-filter-text");
  private readonly newJob = element("button", "jp-mod-styled jp-mod-accept jp-hpcfit-new-job", "New fit job");
  private readonly refreshButton = element("button", "jp-mod-styled jp-hpcfit-refresh", "Refresh");
  private readonly filterBar = element("div", "jp-hpcfit-state-filters");
  private stateFilter: JobState[] = [];
  private ticker: number | undefined;
  private refresher: number | undefined;
  private readonly busy = new Set<string>();

  /** @param services what the panel asks of JupyterLab (dialogs, viewers, file browser). */
  constructor(private readonly services: JobsPanelServices) {
    super();
    this.id = "hpcfit-jobs-panel";
    this.addClass("jp-hpcfit-jobs-panel");
    this.title.caption = "hpcfit jobs";
    const header = element("div", "jp-hpcfit-panel-header");
    header.append(element("h2", undefined, "Jobs"), this.refreshButton, this.newJob);
    this.refreshButton.addEventListener("click", () => this.connection?.refresh());
    this.newJob.addEventListener("click", () => {
      if (this.connection !== null) this.services.openNewFitJob(this.connection);
    });
    this.text.type = "search";
    this.text.placeholder = "Filter by id, name, node, reason";
    this.text.addEventListener("input", () => this.render());
    for (const filter of STATE_FILTERS) {
      const button = element("button", "jp-hpcfit-chip", filter.label);
      button.dataset.filter = filter.label;
      button.addEventListener("click", () => {
        this.stateFilter = filter.states;
        for (const b of Array.from(this.filterBar.children)) b.classList.toggle("jp-mod-active", b === button);
        this.render();
      });
      this.filterBar.append(button);
    }
    (this.filterBar.firstChild as HTMLElement).classList.add("jp-mod-active");
    this.node.append(header, this.status, this.text, this.filterBar, this.list);
    this.setConnection(null, null);
    this.ticker = window.setInterval(() => this.tick(), 1000);
  }

  /** The connection shown, or null when the focused notebook has no hpcfit kernel. */
  get current(): JobsConnection | null {
    return this.connection;
  }

  /** Shows `connection`'s jobs (`label` names the notebook), or the plain "no kernel" state. */
  setConnection(connection: JobsConnection | null, label: string | null, reason?: string): void {
    if (this.connection !== null) {
      // eslint-disable-next-line @typescript-eslint/unbound-method -- Lumino's connect/disconnect take the method and its `this` separately
      this.connection.changed.disconnect(this.render, this);
      // eslint-disable-next-line @typescript-eslint/unbound-method -- Lumino's connect/disconnect take the method and its `this` separately
      this.connection.problem.disconnect(this.onProblem, this);
    }
    this.connection = connection;
    this.label = label;
    this.newJob.disabled = connection === null;
    this.refreshButton.disabled = connection === null;
    if (connection === null) {
      this.node.dataset.connected = "false";
      this.status.textContent =
        reason ??
        "No hpcfit kernel is attached to the current notebook. Open a notebook that uses the HPCFit (TypeScript) kernel to see its jobs.";
    } else {
      this.node.dataset.connected = "true";
      // eslint-disable-next-line @typescript-eslint/unbound-method -- Lumino's connect/disconnect take the method and its `this` separately
      connection.changed.connect(this.render, this);
      // eslint-disable-next-line @typescript-eslint/unbound-method -- Lumino's connect/disconnect take the method and its `this` separately
      connection.problem.connect(this.onProblem, this);
      this.status.textContent = this.describe();
    }
    this.restartRefresher();
    this.render();
  }

  /** Applies new settings (columns, refresh interval, user-only view). */
  setSettings(settings: JobsPanelSettings): void {
    this.settings = settings;
    this.restartRefresher();
    this.render();
  }

  private restartRefresher(): void {
    window.clearInterval(this.refresher);
    this.refresher = undefined;
    if (this.connection !== null && this.settings.refreshInterval > 0) {
      this.refresher = window.setInterval(() => this.connection?.refresh(), this.settings.refreshInterval * 1000);
    }
  }

  /** What the list shows: whose jobs, from which backend, and which mark means "from this notebook". */
  private describe(): string {
    const connection = this.connection;
    if (connection === null) return "";
    if (!connection.ready) return `Waiting for the jobs of ${this.label ?? "this notebook"}'s kernel…`;
    const whose = this.settings.userOnly ? `Your jobs${connection.user ? ` (${connection.user})` : ""}` : "Jobs of all users";
    const notebook = this.label ?? "this notebook";
    return `${whose} on the ${connection.backend ?? "current"} backend, from every notebook and the command line; ● marks those submitted from ${notebook}.`;
  }

  private onProblem(_: JobsConnection, message: string): void {
    this.services.error(message);
  }

  private tick(): void {
    // Only running jobs' elapsed time moves; skip the DOM work when none is running.
    if (this.connection?.jobs().some((j) => j.state === "RUNNING") === true && this.isVisible) this.render();
  }

  /** Redraws the list from the connection's rows. */
  render(): void {
    if (this.connection === null) {
      this.list.replaceChildren();
      return;
    }
    const status = this.connection.ready ? `${this.connection.backend ?? ""} backend` : "waiting for the kernel…";
    this.status.dataset.backend = this.connection.backend ?? "";
    this.status.title = status;
    this.status.textContent = this.describe();
    const rows = newestFirst(filterJobs(this.connection.jobs(), { states: this.stateFilter, text: this.text.value }));
    const now = Date.now();
    const items: HTMLElement[] = [];
    for (const group of groupArrays(rows)) {
      if (group.kind === "job") {
        items.push(this.jobItem(group.row, now));
        continue;
      }
      const details = element("details", "jp-hpcfit-array");
      details.dataset.arrayJobId = String(group.arrayJobId);
      const sweep = group.tasks.find((t) => t.notebook?.kind === "sweep")?.notebook;
      const title = sweep ? `sweep ${sweep.name} of ${sweep.input.split("/").pop() ?? ""}` : group.name;
      const summary = element("summary", undefined, `${group.arrayJobId}_[${group.tasks.length}] ${title} — `);
      for (const [state, count] of Object.entries(group.states)) {
        const badge = element("span", "jp-hpcfit-state", `${count} ${state}`);
        badge.dataset.state = state;
        badge.style.color = `var(${stateColorVar(state as JobState)})`;
        summary.append(badge, document.createTextNode(" "));
      }
      if (sweep && group.tasks.every((t) => isTerminalState(t.state))) {
        const button = element("button", "jp-hpcfit-action", "Summary");
        button.dataset.action = "summary";
        button.addEventListener("click", (event) => {
          event.preventDefault();
          if (this.connection === null) return;
          void this.services
            .openSummary(this.connection, group.arrayJobId)
            .catch((error: unknown) =>
              this.services.error(`summary of ${group.arrayJobId}: ${error instanceof Error ? error.message : String(error)}`),
            );
        });
        summary.append(button);
      }
      details.append(summary, ...group.tasks.map((task) => this.jobItem(task, now)));
      items.push(details);
    }
    if (items.length === 0) {
      const none = this.settings.userOnly ? "You have no jobs on this backend." : "No jobs on this backend.";
      items.push(element("div", "jp-hpcfit-note", this.connection.ready ? none : "Waiting for the kernel's job list…"));
    }
    // Keep open array groups open across redraws.
    const open = new Set(
      Array.from(this.list.querySelectorAll("details[open]")).map((d) => (d as HTMLElement).dataset.arrayJobId),
    );
    for (const item of items) if (item instanceof HTMLDetailsElement && open.has(item.dataset.arrayJobId)) item.open = true;
    this.list.replaceChildren(...items);
  }

  private jobItem(job: JobRow, now: number): HTMLElement {
    const item = element("div", "jp-hpcfit-job");
    item.dataset.jobId = job.id;
    item.dataset.state = job.state;
    const line = element("div", "jp-hpcfit-job-line");
    const here = this.connection !== null && this.connection.origin !== null && job.origin === this.connection.origin;
    item.dataset.here = String(here);
    const mark = element("span", "jp-hpcfit-job-here", here ? "●" : "");
    mark.title = here
      ? `submitted from ${this.label ?? "this notebook"}`
      : "submitted elsewhere (another notebook, the command line)";
    line.append(mark);
    const own = kernelAllocationLabel(job, now);
    if (own !== null) {
      item.dataset.kernelAllocation = "true";
      const tag = element("span", "jp-hpcfit-job-kernel", own);
      tag.title = "the allocation this notebook's kernel runs in";
      line.append(tag);
    }
    for (const column of this.settings.columns) {
      const cell = element("span", `jp-hpcfit-job-${column}`, cellText(job, column, now));
      cell.title = JOB_COLUMN_TITLES[column];
      if (column === "state") {
        cell.classList.add("jp-hpcfit-state");
        cell.style.color = `var(${stateColorVar(job.state)})`;
      }
      line.append(cell);
    }
    const notebook = job.notebook;
    const runLine = notebook ? notebookLine(notebook, now) : null;
    const actions = element("div", "jp-hpcfit-job-actions");
    const terminal = isTerminalState(job.state);
    const add = (action: string, label: string, enabled: boolean, run: () => Promise<unknown> | void): void => {
      // Only the actions that apply to the job's state are shown, to keep a narrow panel readable.
      if (!enabled) return;
      const button = element("button", "jp-hpcfit-action", label);
      button.dataset.action = action;
      button.disabled = this.busy.has(job.id);
      button.addEventListener("click", (event) => {
        event.stopPropagation();
        void Promise.resolve(run()).catch((error: unknown) =>
          this.services.error(`${label} ${job.id}: ${error instanceof Error ? error.message : String(error)}`),
        );
      });
      actions.append(button);
    };
    add("cancel", "Cancel", !terminal, () =>
      this.act(job, "cancel", `Cancel job ${job.id}?`, `Job ${job.id} (${job.name}) will be cancelled.`),
    );
    add("hold", "Hold", job.state === "PENDING" && job.reason !== "JobHeldUser", () => this.act(job, "hold"));
    add("release", "Release", job.state === "PENDING" && (job.reason ?? "").startsWith("JobHeld"), () =>
      this.act(job, "release"),
    );
    add("tail", "Output", job.stdout !== null, () => {
      if (this.connection !== null) this.services.openOutput(this.connection, job);
    });
    // Only a job that stored a fit result has results, and they are its own.
    add("results", "Results", typeof job.results === "string", () => this.services.openResults(job));
    add("open-output", "Open output", notebook !== undefined && notebook !== null && notebook.progress.state !== "pending", () =>
      this.services.openNotebookOutput(job),
    );
    // nbconvert runs after the last cell, inside the job: the copy exists once the job has ended.
    add("open-html", "Open HTML", terminal && typeof notebook?.html === "string", () => this.services.openNotebookHtml(job));
    add("run-again", "Run again…", notebook !== undefined && notebook !== null, () => {
      if (this.connection !== null) this.services.runAgain(this.connection, job);
    });
    add("directory", "Directory", true, () => this.services.openDirectory(job));
    const files = [...new Set([job.stdout, job.stderr].filter((f): f is string => f !== null))];
    add("forget", "Delete", terminal, async () => {
      const what = files.length > 0 ? ` and deletes its output file${files.length > 1 ? "s" : ""} ${files.join(", ")}` : "";
      if (
        await this.act(
          job,
          "forget",
          `Delete job ${job.id}?`,
          `hpcfit forgets job ${job.id} (${job.name})${what}. Its working directory stays.`,
        )
      ) {
        await this.services.deleteOutputFiles(job);
      }
    });
    if (runLine !== null) item.append(line, runLine, actions);
    else item.append(line, actions);
    return item;
  }

  /** Runs an action on one job after an optional confirmation; resolves whether it ran. */
  private async act(
    job: JobRow,
    action: "cancel" | "hold" | "release" | "forget",
    title?: string,
    message?: string,
  ): Promise<boolean> {
    const connection = this.connection;
    if (connection === null) return false;
    if (title !== undefined && !(await this.services.confirm(title, message ?? title))) return false;
    this.busy.add(job.id);
    this.render();
    try {
      await connection.action(action, [job.id]);
      return true;
    } finally {
      this.busy.delete(job.id);
      this.render();
    }
  }

  /** Stops the clocks. */
  override dispose(): void {
    window.clearInterval(this.ticker);
    window.clearInterval(this.refresher);
    super.dispose();
  }
}

/** A notebook job's second line: parameters, cells done of all, the cell running, elapsed and remaining time. */
function notebookLine(info: NonNullable<JobRow["notebook"]>, now: number): HTMLElement {
  const line = element("div", "jp-hpcfit-notebook-run");
  const p = info.progress;
  const params = Object.entries(info.parameters)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  if (params !== "") line.append(element("span", "jp-hpcfit-run-parameters", params));
  const cells = element("span", "jp-hpcfit-run-progress", p.state === "pending" ? "waiting" : `${p.done}/${p.total}`);
  cells.dataset.done = String(p.done);
  cells.dataset.total = String(p.total);
  cells.dataset.runState = p.state;
  cells.title = "code cells done of all";
  line.append(cells);
  if (p.current !== null) {
    const current = element("span", "jp-hpcfit-run-cell", `cell ${p.current.number}: ${p.current.line}`);
    current.title = "the cell running now";
    line.append(current);
  }
  if (p.startTime !== null) {
    const start = Date.parse(p.startTime);
    const end = p.state === "running" ? now : Date.parse(p.savedAt ?? p.startTime);
    const parts = [`${formatDuration(Math.max(0, Math.round((end - start) / 1000)))} elapsed`];
    if (p.state === "running" && p.remainingSeconds !== null) {
      // The estimate was made when the notebook was last saved; time since then counts down.
      const since = p.savedAt === null ? 0 : Math.max(0, Math.round((now - Date.parse(p.savedAt)) / 1000));
      parts.push(`~${formatDuration(Math.max(0, p.remainingSeconds - since))} left`);
    }
    line.append(element("span", "jp-hpcfit-run-times", parts.join(", ")));
  }
  if (p.state === "failed")
    line.append(element("span", "jp-hpcfit-warning", p.failedCell !== null ? "failed (Open output shows the cell)" : "stopped"));
  return line;
}
