/**
 * The "New fit job" form as data: which of the kernel's fields apply to the chosen method, and
 * the order the form sends (the fields' text, by flag name). The kernel checks every value, with
 * the words `%%fit` uses; the form only leaves out what does not apply.
 */
import type { FitJobCatalog, FitJobField, FitJobOrder } from "../../../schema/jobs.js";

/** The fit option fields `method` uses. */
export function optionFieldsFor(catalog: FitJobCatalog, method: string): FitJobField[] {
  return catalog.options.filter((f) => f.methods === undefined || f.methods.includes(method));
}

/** The placeholder of a field: its default for `method`, or what it must be. */
export function placeholderFor(field: FitJobField, method: string): string {
  const d = field.defaults?.[method];
  return d !== undefined ? `default ${d}` : field.expected;
}

/** What the user typed: the model file, the method, and the text of each field by name. */
export interface FitJobFormValues {
  modelFile: string;
  method: string;
  values: Record<string, string>;
  dir: string;
}

/** The order for the kernel: non-empty fields that apply to the method, by flag name. */
export function fitJobOrder(catalog: FitJobCatalog, form: FitJobFormValues): FitJobOrder {
  const pick = (fields: FitJobField[]): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const f of fields) {
      const text = (form.values[f.name] ?? "").trim();
      if (text !== "") out[f.name] = text;
    }
    return out;
  };
  return {
    modelFile: form.modelFile.trim(),
    method: form.method,
    options: pick(optionFieldsFor(catalog, form.method)),
    resources: pick(catalog.resources),
    ...(form.dir.trim() !== "" ? { dir: form.dir.trim() } : {}),
  };
}
