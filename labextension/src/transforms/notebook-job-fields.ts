import type { NotebookJobForm, NotebookJobOrder, NotebookParameterField } from "../../../schema/notebook-jobs.js";

/** The resources the form offers, in order, with their labels and what they hold. */
export const NOTEBOOK_JOB_RESOURCES: { name: string; label: string; placeholder: string }[] = [
  { name: "time", label: "Time limit", placeholder: "e.g. 30 or 01:00:00" },
  { name: "cpus", label: "CPUs", placeholder: "per run, e.g. 4" },
  { name: "mem", label: "Memory", placeholder: "e.g. 4G" },
  { name: "nodes", label: "Nodes", placeholder: "1" },
];

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * What is wrong with `text` as a value of `field`, checked as the user types (the kernel checks
 * again on every preview): a number field refuses text, a switch anything but true or false.
 * Null when it looks right or is empty.
 */
export function quickValueError(field: NotebookParameterField, text: string): string | null {
  const t = text.trim();
  if (t === "") return null;
  if (field.kind === "number" && !NUMBER.test(t)) return `${field.name} is a number; "${text}" is not one`;
  if (field.kind === "boolean" && !/^(true|false)$/i.test(t)) return `${field.name} is true or false`;
  if (field.kind === "choice" && !(field.values ?? []).includes(t))
    return `${field.name} is one of ${(field.values ?? []).join(", ")}`;
  return null;
}

/** The order a fresh form starts from: the remembered one for the notebook, else the defaults. */
export function startingOrder(form: NotebookJobForm, previous: NotebookJobOrder | null): NotebookJobOrder {
  const base = previous ?? form.remembered;
  const known = new Set(form.parameters.map((p) => p.name));
  const keep = (texts: Record<string, string> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(texts ?? {}).filter(([name]) => known.has(name)));
  return {
    notebook: form.notebook,
    // A run name names a new folder: never reused.
    name: "",
    outputParent: base?.outputParent ?? "",
    values: keep(base?.values),
    sweep: keep(base?.sweep),
    backend: base !== null && form.backends.includes(base.backend) ? base.backend : form.backend,
    resources: { ...(base?.resources ?? {}) },
    html: base?.html === true && form.htmlAvailable,
  };
}
