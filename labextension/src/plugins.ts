import type { JupyterFrontEndPlugin } from "@jupyterlab/application";
import { jobsPanelPlugin } from "./jobs-panel/jobs-panel-plugin.js";
import { themePlugin } from "./plot/theme-plugin.js";

/** The extension's front-end plugins (renderers come separately, as the MIME extension in mime.ts). */
const plugins: JupyterFrontEndPlugin<void>[] = [themePlugin, jobsPanelPlugin];

export default plugins;
