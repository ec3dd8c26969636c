import { Widget } from "@lumino/widgets";
import type { FitJobCatalog, FitJobField } from "../../../schema/jobs.js";
import { element } from "../renderers/bundle-renderer.js";
import { fitJobOrder, optionFieldsFor, placeholderFor, type FitJobFormValues } from "../transforms/fit-job-order.js";
import { JobFormControls, type SubmitOutcome } from "./job-form-controls.js";
import type { FitJobAnswer, JobsConnection } from "./jobs-connection.js";

/** What the form needs from JupyterLab. */
export interface FitJobFormServices {
  /** Lets the user pick a model file in the file browser; resolves its server path or null. */
  chooseModelFile(): Promise<string | null>;
  /** Turns a server-relative path into the absolute path the job will use. */
  absolutePath(path: string): string;
  /** Called with the new job's id after a successful submission. */
  submitted(jobId: string): void;
}

/**
 * The "New fit job" form. Its fields come from the kernel (the fit options of the chosen method
 * and the Slurm resources, with their help and defaults); the kernel reads the filled form as a
 * `%%fit` line and submits it as `%%fit` does, so the job has checkpoints, live progress and
 * workers. The batch script shown is the kernel's dry run of the same order.
 */
export class FitJobFormWidget extends Widget {
  private catalog: FitJobCatalog | undefined;
  private readonly inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  private readonly optionRows = new Map<string, HTMLElement>();
  private readonly method = element("select");
  private readonly modelPath = element("input");
  private readonly dir = element("input");
  private readonly grid = element("div", "jp-hpcfit-form-grid");
  private readonly errors = element("ul", "jp-hpcfit-form-errors");
  private readonly controls: JobFormControls<FitJobAnswer>;

  /** A form submitting over `connection`. */
  constructor(
    private readonly connection: JobsConnection,
    private readonly services: FitJobFormServices,
  ) {
    super();
    this.id = `hpcfit-new-fit-job-${Date.now()}`;
    this.addClass("jp-hpcfit-fit-job-form");
    this.title.label = "New fit job";
    this.title.closable = true;
    this.controls = new JobFormControls<FitJobAnswer>(
      {
        values: () => this.values(),
        changedNow: () => this.showMethodFields(),
        preview: () => this.askPreview(),
        showPreview: (answer) => {
          this.controls.preview.textContent = answer.script;
          this.showErrors([]);
          return true;
        },
        showPreviewError: (message) => {
          this.controls.preview.textContent = "(fix the fields above to see the script)";
          this.showErrors([message]);
        },
        submit: () => this.submit(),
      },
      "(asking the kernel for the fit options…)",
    );
    this.node.append(
      element("h2", undefined, `New fit job on the ${this.connection.backend ?? "current"} backend`),
      this.grid,
      element("h3", undefined, "Job script"),
      this.controls.preview,
      this.errors,
      this.controls.submitButton,
      this.controls.result,
    );
    void this.connection.fitJobCatalog().then(
      (catalog) => this.build(catalog),
      (error: unknown) =>
        this.showErrors([`the kernel did not give the fit options: ${error instanceof Error ? error.message : String(error)}`]),
    );
  }

  private build(catalog: FitJobCatalog): void {
    this.catalog = catalog;
    const modelRow = element("label", "jp-hpcfit-form-row jp-hpcfit-form-wide");
    this.modelPath.name = "modelFile";
    this.modelPath.placeholder = "path/to/model.ts";
    this.modelPath.addEventListener("input", () => this.changed());
    const browse = element("button", "jp-mod-styled", "Browse…");
    browse.type = "button";
    browse.addEventListener("click", () => {
      void this.services.chooseModelFile().then((path) => {
        if (path !== null) {
          this.modelPath.value = path;
          this.changed();
        }
      });
    });
    modelRow.append(element("span", undefined, "Model file"), this.modelPath, browse);
    this.method.name = "method";
    for (const m of catalog.methods) {
      const o = element("option", undefined, m);
      o.value = m;
      this.method.append(o);
    }
    this.method.value = catalog.methods[0]!;
    this.method.addEventListener("change", () => this.changed());
    const methodRow = element("label", "jp-hpcfit-form-row");
    methodRow.append(element("span", undefined, "Method"), this.method);
    this.grid.append(modelRow, methodRow);
    for (const field of catalog.options) this.optionRows.set(field.name, this.row(field));
    this.grid.append(element("h3", "jp-hpcfit-form-wide", "Resources"));
    for (const field of catalog.resources) this.row(field);
    const dirRow = element("label", "jp-hpcfit-form-row jp-hpcfit-form-wide");
    this.dir.name = "dir";
    this.dir.placeholder = "fit-jobs (beside the notebook's kernel)";
    this.dir.addEventListener("input", () => this.changed());
    dirRow.append(element("span", undefined, "Job directories in"), this.dir);
    this.grid.append(dirRow);
    this.changed();
  }

  /** One field: a list for choices and switches, a text box otherwise (the kernel checks the text). */
  private row(field: FitJobField): HTMLElement {
    const row = element("label", "jp-hpcfit-form-row");
    row.title = `--${field.name}: ${field.help} (${field.expected})`;
    let input: HTMLInputElement | HTMLSelectElement;
    if (field.kind === "choice" || field.kind === "boolean") {
      input = element("select");
      for (const value of ["", ...(field.kind === "boolean" ? ["true", "false"] : (field.values ?? []))]) {
        const o = element("option", undefined, value === "" ? "(default)" : value);
        o.value = value;
        input.append(o);
      }
    } else {
      input = element("input");
      input.type = "text";
      if (field.kind === "integer" || field.kind === "number") input.inputMode = "decimal";
    }
    input.name = field.name;
    input.addEventListener(input instanceof HTMLSelectElement ? "change" : "input", () => this.changed());
    row.append(element("span", undefined, field.name), input);
    this.inputs.set(field.name, input);
    this.grid.append(row);
    return row;
  }

  private values(): FitJobFormValues {
    const values: Record<string, string> = {};
    for (const [name, input] of this.inputs) values[name] = input.value;
    const model = this.modelPath.value.trim();
    return {
      modelFile: model === "" ? "" : this.services.absolutePath(model),
      method: this.method.value,
      values,
      dir: this.dir.value,
    };
  }

  /** Asks for a new preview once the typing pauses. */
  private changed(): void {
    if (this.catalog !== undefined) this.controls.changed();
  }

  /** Shows the chosen method's fields, with its defaults as placeholders. */
  private showMethodFields(): void {
    if (this.catalog === undefined) return;
    const method = this.method.value;
    const used = new Set(optionFieldsFor(this.catalog, method).map((f) => f.name));
    for (const [name, row] of this.optionRows) row.hidden = !used.has(name);
    for (const field of this.catalog.options) {
      const input = this.inputs.get(field.name);
      if (input instanceof HTMLInputElement) input.placeholder = placeholderFor(field, method);
    }
  }

  private askPreview(): Promise<FitJobAnswer> | null {
    if (this.catalog === undefined) return null;
    const form = this.values();
    if (form.modelFile === "") {
      this.controls.preview.textContent = "(choose a model file to see the script)";
      this.showErrors(["choose a model file (a .ts file exporting a FitProblem)"]);
      return null;
    }
    return this.connection.fitJob(fitJobOrder(this.catalog, form), true);
  }

  private showErrors(messages: string[]): void {
    this.errors.replaceChildren(...messages.map((m) => element("li", "jp-hpcfit-warning", m)));
    if (messages.length > 0) this.controls.submitButton.disabled = true;
  }

  private async submit(): Promise<SubmitOutcome> {
    if (this.catalog === undefined) return { refused: "the form is not ready" };
    const answer = await this.connection.fitJob(fitJobOrder(this.catalog, this.values()), false);
    const id = answer.jobs[0]?.id ?? "(no id returned)";
    this.controls.preview.textContent = answer.script;
    this.services.submitted(id);
    return { jobId: id, text: `Submitted job ${id}` };
  }
}
