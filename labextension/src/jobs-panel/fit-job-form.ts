import { Widget } from "@lumino/widgets";
import { element } from "../renderers/bundle-renderer.js";
import {
  defaultFitJobForm,
  FIT_METHODS,
  fitJobScript,
  isSampler,
  MEMORY_UNITS,
  validateFitJobForm,
  type FitJobForm,
} from "../transforms/fit-job-script.js";
import type { JobsConnection } from "./jobs-connection.js";

/** What the form needs from JupyterLab. */
export interface FitJobFormServices {
  /** Lets the user pick a model file in the file browser; resolves its server path or null. */
  chooseModelFile(): Promise<string | null>;
  /** Turns a server-relative path into the absolute path the job will use. */
  absolutePath(path: string): string;
  /** Called with the new job's id after a successful submission. */
  submitted(jobId: string): void;
}

type FieldSpec = { key: keyof FitJobForm; label: string; kind: "text" | "number" | "select"; options?: readonly string[]; samplerOnly?: boolean; optimizerOnly?: boolean };

const FIELDS: FieldSpec[] = [
  { key: "method", label: "Optimizer", kind: "select", options: FIT_METHODS },
  { key: "steps", label: "Steps (0: default)", kind: "number", optimizerOnly: true },
  { key: "samples", label: "Samples", kind: "number", samplerOnly: true },
  { key: "burn", label: "Burn-in", kind: "number", samplerOnly: true },
  { key: "nodes", label: "Nodes", kind: "number" },
  { key: "ntasks", label: "Tasks", kind: "number" },
  { key: "cpusPerTask", label: "Cores per task", kind: "number" },
  { key: "gpus", label: "GPUs", kind: "number" },
  { key: "memPerCpu", label: "Memory per core", kind: "number" },
  { key: "memUnit", label: "Unit", kind: "select", options: MEMORY_UNITS },
  { key: "time", label: "Wall time", kind: "text" },
  { key: "partition", label: "Partition", kind: "text" },
  { key: "jobName", label: "Job name", kind: "text" },
  { key: "email", label: "E-mail", kind: "text" },
  { key: "storeDir", label: "Results directory", kind: "text" },
];

/**
 * The "New fit job" form (like the bumps web service's): model file, optimizer and its budget,
 * resources, wall time, partition, name and e-mail. The generated script is shown and updated as
 * the user types; Submit sends it over the jobs comm and reports the new id or the error.
 */
export class FitJobFormWidget extends Widget {
  private form: FitJobForm = defaultFitJobForm();
  private readonly inputs = new Map<keyof FitJobForm, HTMLInputElement | HTMLSelectElement>();
  private readonly rows = new Map<keyof FitJobForm, HTMLElement>();
  private readonly preview = element("pre", "jp-hpcfit-script-preview");
  private readonly errors = element("ul", "jp-hpcfit-form-errors");
  private readonly result = element("div", "jp-hpcfit-submit-result");
  private readonly submitButton = element("button", "jp-mod-styled jp-mod-accept", "Submit");
  private readonly modelPath = element("input");

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
    const grid = element("div", "jp-hpcfit-form-grid");
    const modelRow = element("label", "jp-hpcfit-form-row jp-hpcfit-form-wide");
    this.modelPath.name = "modelFile";
    this.modelPath.placeholder = "path/to/model.ts";
    this.modelPath.addEventListener("input", () => this.refreshForm());
    const browse = element("button", "jp-mod-styled", "Browse…");
    browse.type = "button";
    browse.addEventListener("click", () => {
      void this.services.chooseModelFile().then((path) => {
        if (path !== null) {
          this.modelPath.value = path;
          this.refreshForm();
        }
      });
    });
    modelRow.append(element("span", undefined, "Model file"), this.modelPath, browse);
    grid.append(modelRow);
    for (const field of FIELDS) {
      const row = element("label", "jp-hpcfit-form-row");
      let input: HTMLInputElement | HTMLSelectElement;
      if (field.kind === "select") {
        input = element("select");
        for (const option of field.options ?? []) {
          const o = element("option", undefined, option);
          o.value = option;
          input.append(o);
        }
      } else {
        input = element("input");
        input.type = field.kind === "number" ? "number" : "text";
        if (field.kind === "number") input.step = "any";
      }
      input.name = field.key;
      input.value = String(this.form[field.key]);
      input.addEventListener("input", () => this.refreshForm());
      input.addEventListener("change", () => this.refreshForm());
      row.append(element("span", undefined, field.label), input);
      this.inputs.set(field.key, input);
      this.rows.set(field.key, row);
      grid.append(row);
    }
    this.submitButton.addEventListener("click", () => void this.submit());
    this.node.append(element("h2", undefined, `New fit job on the ${this.connection.backend ?? "current"} backend`), grid, element("h3", undefined, "Job script"), this.preview, this.errors, this.submitButton, this.result);
    this.refreshForm();
  }

  private read(): FitJobForm {
    const next: Record<string, unknown> = { ...this.form, modelFile: this.modelPath.value.trim() === "" ? "" : this.services.absolutePath(this.modelPath.value.trim()) };
    for (const [key, input] of this.inputs) {
      const spec = FIELDS.find((f) => f.key === key);
      next[key] = spec?.kind === "number" ? (input.value.trim() === "" ? NaN : Number(input.value)) : input.value;
    }
    return next as unknown as FitJobForm;
  }

  private refreshForm(): void {
    this.form = this.read();
    const sampler = isSampler(this.form.method);
    for (const field of FIELDS) {
      const row = this.rows.get(field.key);
      if (row !== undefined) row.hidden = (field.samplerOnly === true && !sampler) || (field.optimizerOnly === true && sampler);
    }
    const errors = validateFitJobForm(this.form);
    this.errors.replaceChildren(...errors.map((e) => element("li", "jp-hpcfit-warning", e.message)));
    this.submitButton.disabled = errors.length > 0;
    this.preview.textContent = errors.length === 0 ? fitJobScript(this.form) : "(fix the fields above to see the script)";
  }

  private async submit(): Promise<void> {
    this.refreshForm();
    if (validateFitJobForm(this.form).length > 0) return;
    this.submitButton.disabled = true;
    this.result.className = "jp-hpcfit-submit-result";
    this.result.textContent = "submitting…";
    try {
      const rows = await this.connection.submit(fitJobScript(this.form));
      const id = rows[0]?.id ?? "(no id returned)";
      this.result.textContent = `Submitted job ${id}`;
      this.result.dataset.jobId = id;
      this.services.submitted(id);
    } catch (error) {
      this.result.classList.add("jp-hpcfit-warning");
      this.result.textContent = `Submission failed: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.submitButton.disabled = false;
    }
  }
}
