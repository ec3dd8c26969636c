import type { JupyterFrontEndPlugin } from "@jupyterlab/application";
import { IThemeManager } from "@jupyterlab/apputils";
import { notifyThemeChanged } from "./theme.js";

/** Forwards JupyterLab's theme changes to every plot so it redraws in the new colours. */
export const themePlugin: JupyterFrontEndPlugin<void> = {
  id: "hpcfit-labextension:plot-theme",
  description: "Redraws hpcfit plots when the JupyterLab theme changes.",
  autoStart: true,
  optional: [IThemeManager],
  activate: (_app, themeManager: IThemeManager | null) => {
    themeManager?.themeChanged.connect(() => notifyThemeChanged());
  },
};
