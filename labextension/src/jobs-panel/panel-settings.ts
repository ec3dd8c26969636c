import { JOB_COLUMNS, type JobColumn } from "../transforms/jobs-table.js";

/** The Jobs panel's settings (schema/jobs-panel.json). */
export interface JobsPanelSettings {
  /** Seconds between refresh requests to the kernel (0: rely on the kernel's pushes alone). */
  refreshInterval: number;
  /** Show only the kernel user's jobs. */
  userOnly: boolean;
  /** Columns shown, in order. */
  columns: JobColumn[];
}

/** Settings before the registry answered, and for keys it does not have. */
export const DEFAULT_PANEL_SETTINGS: JobsPanelSettings = {
  refreshInterval: 10,
  userOnly: true,
  columns: ["id", "name", "state", "elapsed", "nodes"],
};

/** Reads settings from the registry's composite value, keeping defaults for anything invalid. */
export function readPanelSettings(composite: Record<string, unknown>): JobsPanelSettings {
  const interval = composite.refreshInterval;
  const columns = Array.isArray(composite.columns)
    ? composite.columns.filter((c): c is JobColumn => typeof c === "string" && (JOB_COLUMNS as readonly string[]).includes(c))
    : DEFAULT_PANEL_SETTINGS.columns;
  return {
    refreshInterval: typeof interval === "number" && interval >= 0 ? interval : DEFAULT_PANEL_SETTINGS.refreshInterval,
    userOnly: typeof composite.userOnly === "boolean" ? composite.userOnly : DEFAULT_PANEL_SETTINGS.userOnly,
    columns: columns.length > 0 ? columns : DEFAULT_PANEL_SETTINGS.columns,
  };
}
