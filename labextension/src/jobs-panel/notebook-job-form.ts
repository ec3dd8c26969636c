import { Widget } from "@lumino/widgets";
import type { JobRow } from "../../../schema/jobs.js";
import type {
  NotebookJobAnswer,
  NotebookJobForm,
  NotebookJobOrder,
  NotebookParameterField,
} from "../../../schema/notebook-jobs.js";
import { element } from "../renderers/bundle-renderer.js";
import { NOTEBOOK_JOB_RESOURCES, quickValueError, startingOrder } from "../transforms/notebook-job-fields.js";
import { JobFormControls, type SubmitOutcome } from "./job-form-controls.js";
import type { JobsConnection } from "./jobs-connection.js";

/** What the form needs from JupyterLab. */
export interface NotebookJobFormServices {
  /** Called with the new jobs after a successful submission. */
  submitted(jobs: JobRow[]): void;
}

/**
 * The "Run as Job…" form of one notebook. The kernel describes the notebook (its parameters with
 * their types and defaults, the backends and partitions, the remembered defaults), checks every
 * change (errors shown beside their fields, the number of runs, the exact batch script) and
 * submits through the notebooks library, as `hpcfit run --sbatch` and `hpcfit sweep --sbatch` do.
 */
export class NotebookJobFormWidget extends Widget {
  private form: NotebookJobForm | undefined;
  private readonly inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  private readonly errorSlots = new Map<string, HTMLElement>();
  private readonly body = element("div", "jp-hpcfit-form-grid");
  private readonly runs = element("div", "jp-hpcfit-run-count");
  private readonly general = element("ul", "jp-hpcfit-form-errors");
  private readonly controls: JobFormControls<NotebookJobAnswer>;

  /**
   * A form for `notebook` (absolute path) submitting over `connection`, starting from `previous`
   * ("Run again…") or from the notebook's remembered defaults.
   */
  constructor(
    private readonly connection: JobsConnection,
    private readonly notebook: string,
    private readonly services: NotebookJobFormServices,
    private readonly previous: NotebookJobOrder | null = null,
  ) {
    super();
    this.id = `hpcfit-notebook-job-${Date.now()}`;
    this.addClass("jp-hpcfit-fit-job-form");
    this.addClass("jp-hpcfit-notebook-job-form");
    this.title.label = `Run ${notebook.split("/").pop() ?? notebook} as job`;
    this.title.closable = true;
    this.controls = new JobFormControls<NotebookJobAnswer>(
      {
        values: () => (this.form === undefined ? null : this.order()),
        changedNow: () => this.quickCheck(),
        preview: () => (this.form === undefined ? null : this.connection.notebookJob(this.order(), true)),
        showPreview: (answer) => this.showPreview(answer),
        showPreviewError: (message) => this.showGeneral([message]),
        submit: () => this.submit(),
      },
      "(asking the kernel for the notebook's parameters…)",
    );
    this.node.append(
      element("h2", undefined, `Run ${notebook} as a job`),
      this.body,
      this.runs,
      element("h3", undefined, "Job script"),
      this.controls.preview,
      this.general,
      this.controls.submitButton,
      this.controls.result,
    );
    void this.connection.notebookForm(notebook).then(
      (form) => this.build(form),
      (error: unknown) =>
        this.showGeneral([`the kernel could not read the notebook: ${error instanceof Error ? error.message : String(error)}`]),
    );
  }

  private build(form: NotebookJobForm): void {
    this.form = form;
    const start = startingOrder(form, this.previous);
    const heading = (text: string): void => this.body.append(element("h3", "jp-hpcfit-form-wide", text));
    heading("Parameters");
    if (!form.hasParametersCell)
      this.body.append(
        element("p", "jp-hpcfit-note jp-hpcfit-form-wide", "This notebook has no cell tagged parameters: it runs as it is."),
      );
    else {
      const table = element("table", "jp-hpcfit-parameters jp-hpcfit-form-wide");
      const head = element("tr");
      for (const title of ["Parameter", "Type", "Value", "or sweep over (list a, b, c or range start:stop:step)"])
        head.append(element("th", undefined, title));
      table.append(head);
      for (const field of form.parameters) table.append(this.parameterRow(field, start));
      this.body.append(table);
    }
    heading("Where");
    const backend = this.select("backend", form.backends, start.backend, (b) =>
      b === "slurm" ? "Slurm cluster" : "this machine (local backend)",
    );
    this.labelled("backend", "Backend", backend);
    const partition = this.select("resources.partition", [], start.resources.partition ?? "", (p) => p);
    this.labelled("resources.partition", "Partition", partition);
    const fillPartitions = (): void => {
      const list = form.partitions[backend.value as "local" | "slurm"] ?? [];
      const chosen = partition.value;
      partition.replaceChildren(element("option", undefined, "(default)"));
      (partition.firstChild as HTMLOptionElement).value = "";
      for (const p of list) {
        const o = element("option", undefined, p.default ? `${p.name} (default)` : p.name);
        o.value = p.name;
        partition.append(o);
      }
      partition.value = list.some((p) => p.name === chosen) ? chosen : "";
    };
    fillPartitions();
    partition.value = start.resources.partition ?? "";
    backend.addEventListener("change", fillPartitions);
    for (const r of NOTEBOOK_JOB_RESOURCES) {
      const input = this.text(`resources.${r.name}`, start.resources[r.name] ?? "", r.placeholder);
      this.labelled(`resources.${r.name}`, r.label, input);
    }
    heading("Outputs");
    this.labelled("name", "Run name", this.text("name", start.name, form.defaultName));
    this.labelled("outputParent", "Runs folder", this.text("outputParent", start.outputParent, form.defaultOutputParent));
    const html = element("input");
    html.type = "checkbox";
    html.name = "html";
    html.checked = start.html;
    html.disabled = !form.htmlAvailable;
    html.addEventListener("change", () => this.changed());
    this.inputs.set("html", html);
    this.labelled("html", form.htmlAvailable ? "Also as HTML" : "Also as HTML (nbconvert not found)", html);
    this.body.append(
      element(
        "p",
        "jp-hpcfit-note jp-hpcfit-form-wide",
        "The executed notebook is always written, after every cell, into the run's folder.",
      ),
    );
    this.changed();
  }

  private parameterRow(field: NotebookParameterField, start: NotebookJobOrder): HTMLTableRowElement {
    const row = element("tr");
    row.dataset.parameter = field.name;
    const name = element("td", "jp-hpcfit-parameter-name", field.name);
    if (field.help !== "") name.title = field.help;
    const value = this.text(`parameters.${field.name}`, start.values[field.name] ?? "", field.defaultSource);
    const sweep = this.text(
      `sweep.${field.name}`,
      start.sweep[field.name] ?? "",
      field.kind === "number" ? "e.g. 1, 2, 4 or 1:8:1" : "e.g. a, b",
    );
    const valueCell = element("td");
    valueCell.append(value, this.errorSlot(`parameters.${field.name}`));
    const sweepCell = element("td");
    sweepCell.append(sweep, this.errorSlot(`sweep.${field.name}`));
    row.append(name, element("td", "jp-hpcfit-parameter-type", field.type), valueCell, sweepCell);
    return row;
  }

  private errorSlot(field: string): HTMLElement {
    const slot = element("div", "jp-hpcfit-field-error");
    slot.dataset.field = field;
    this.errorSlots.set(field, slot);
    return slot;
  }

  private text(name: string, value: string, placeholder: string): HTMLInputElement {
    const input = element("input");
    input.type = "text";
    input.name = name;
    input.value = value;
    input.placeholder = placeholder;
    input.addEventListener("input", () => this.changed());
    this.inputs.set(name, input);
    return input;
  }

  private select(name: string, values: string[], value: string, label: (v: string) => string): HTMLSelectElement {
    const select = element("select");
    select.name = name;
    for (const v of values) {
      const o = element("option", undefined, label(v));
      o.value = v;
      select.append(o);
    }
    select.value = value;
    select.addEventListener("change", () => this.changed());
    this.inputs.set(name, select);
    return select;
  }

  private labelled(field: string, label: string, input: HTMLElement): void {
    const row = element("label", "jp-hpcfit-form-row");
    row.append(element("span", undefined, label), input, this.errorSlot(field));
    this.body.append(row);
  }

  private value(name: string): string {
    const input = this.inputs.get(name);
    return input === undefined ? "" : input.value;
  }

  /** The order the form stands for now. */
  order(): NotebookJobOrder {
    const form = this.form!;
    const values: Record<string, string> = {};
    const sweep: Record<string, string> = {};
    for (const p of form.parameters) {
      if (this.value(`parameters.${p.name}`).trim() !== "") values[p.name] = this.value(`parameters.${p.name}`);
      if (this.value(`sweep.${p.name}`).trim() !== "") sweep[p.name] = this.value(`sweep.${p.name}`);
    }
    const resources: Record<string, string> = {};
    for (const r of ["partition", ...NOTEBOOK_JOB_RESOURCES.map((x) => x.name)]) {
      const v = this.value(`resources.${r}`).trim();
      if (v !== "") resources[r] = v;
    }
    return {
      notebook: this.notebook,
      name: this.value("name").trim(),
      outputParent: this.value("outputParent").trim(),
      values,
      sweep,
      backend: this.value("backend") === "slurm" ? "slurm" : "local",
      resources,
      html: (this.inputs.get("html") as HTMLInputElement | undefined)?.checked === true,
    };
  }

  private changed(): void {
    if (this.form !== undefined) this.controls.changed();
  }

  /** Types are checked at once; the kernel checks everything else after the pause. */
  private quickCheck(): void {
    if (this.form === undefined) return;
    const quick: Record<string, string> = {};
    for (const p of this.form.parameters) {
      const e = quickValueError(p, this.value(`parameters.${p.name}`));
      if (e !== null) quick[`parameters.${p.name}`] = e;
    }
    this.showFieldErrors(quick);
  }

  private showFieldErrors(errors: Record<string, string>): void {
    for (const [field, slot] of this.errorSlots) {
      slot.textContent = errors[field] ?? "";
      this.inputs.get(field)?.classList.toggle("jp-mod-invalid", errors[field] !== undefined);
    }
    // Errors of fields the form does not show (an unknown parameter from an old order) go below.
    this.showGeneral(
      Object.entries(errors)
        .filter(([f]) => !this.errorSlots.has(f))
        .map(([f, m]) => `${f}: ${m}`),
    );
    if (Object.keys(errors).length > 0) this.controls.submitButton.disabled = true;
  }

  private showGeneral(messages: string[]): void {
    this.general.replaceChildren(...messages.map((m) => element("li", "jp-hpcfit-warning", m)));
  }

  /** Shows the kernel's check of the order: errors by field, else the runs and the script; true when it may be submitted. */
  private showPreview(answer: NotebookJobAnswer): boolean {
    this.showFieldErrors(answer.errors);
    const ok = Object.keys(answer.errors).length === 0;
    this.controls.preview.textContent = ok ? answer.script : "(fix the fields marked above to see the script)";
    this.runs.textContent = ok
      ? `${answer.runs} run${answer.runs === 1 ? "" : "s"}${answer.runs > 1 ? " (one job array)" : ""}, into ${answer.runDir}`
      : "";
    this.runs.dataset.runs = ok ? String(answer.runs) : "";
    return ok;
  }

  private async submit(): Promise<SubmitOutcome> {
    const answer = await this.connection.notebookJob(this.order(), false);
    if (Object.keys(answer.errors).length > 0) {
      this.showFieldErrors(answer.errors);
      return { refused: "Not submitted: fix the fields marked above." };
    }
    const first = answer.jobs[0];
    const id = first === undefined ? "(no id returned)" : first.arrayJobId !== null ? String(first.arrayJobId) : first.id;
    this.services.submitted(answer.jobs);
    // The same name cannot be used twice: the next submission gets a new folder.
    const name = this.inputs.get("name");
    if (name !== undefined) name.value = "";
    return { jobId: id, text: `Submitted job ${id}: ${answer.runs} run${answer.runs === 1 ? "" : "s"} into ${answer.runDir}` };
  }
}
