import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { validateJobsTable } from "../../../schema/jobs.js";
import { element } from "./bundle-renderer.js";
import { JobsTableView } from "./jobs-table-view.js";

/** The MIME type drawn here (`JOBS_MIME` in schema/jobs.ts). */
export const JOBS_MIME_TYPE = "application/vnd.hpcfit.jobs+json";

/**
 * Renders `application/vnd.hpcfit.jobs+json` (what `%squeue` and `%jobs` show) as a sortable,
 * filterable table. A table needs no PNG snapshot: the bundle's own `text/html` fallback already
 * shows it where the extension is missing.
 */
export class JobsRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly view = new JobsTableView();
  private readonly error = element("div", "jp-hpcfit-error");
  private readonly mimeType: string;

  /** Creates the renderer for JupyterLab's rendermime registry. */
  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass("jp-hpcfit-renderer");
    this.addClass("jp-hpcfit-jobs");
    this.error.hidden = true;
    this.node.append(this.error, this.view.node);
  }

  /** Shows the output's jobs table, or says what is wrong with it. */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const checked = validateJobsTable(model.data[this.mimeType]);
    if (!checked.ok) {
      this.error.hidden = false;
      this.error.textContent = `hpcfit: cannot show this jobs table: ${checked.error}`;
      this.view.setRows([]);
      return;
    }
    this.error.hidden = true;
    this.view.setRows(checked.value.jobs);
  }
}
