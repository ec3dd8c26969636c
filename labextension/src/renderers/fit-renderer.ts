import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { FitBundle } from "../../../schema/fit.js";
import { PlotHost } from "../plot/plot-host.js";
import { formatSignificant, formatWithUncertainty, type FitScales } from "../transforms/fit-series.js";
import { correlationTable } from "../transforms/correlation.js";
import { checkFitBundle, type Checked } from "../transforms/validate-bundles.js";
import { BundleRenderer, element } from "./bundle-renderer.js";
import { fitFigure } from "./fit-figure.js";

/** The MIME type drawn here (the constant lives in schema/fit.ts; strings must match). */
export const FIT_MIME_TYPE = "application/vnd.hpcfit.fit+json";

/**
 * Renders a fit: one panel per model (data, curve, residuals sharing x; zoom in one panel
 * follows in the others), log-scale toggles, and the parameter table with chisq beside it.
 */
export class FitRenderer extends BundleRenderer<FitBundle> {
  private readonly toolbar = element("div", "jp-hpcfit-toolbar");
  private readonly panels = element("div", "jp-hpcfit-fit-panels");
  private readonly side = element("div", "jp-hpcfit-fit-side");
  private readonly note = element("div", "jp-hpcfit-note");
  private readonly hosts: PlotHost[] = [];
  private bundle: FitBundle | null = null;
  private scales: FitScales = { logX: false, logY: false };
  private linking = false;

  /** Creates the renderer for JupyterLab's rendermime registry. */
  constructor(options: IRenderMime.IRendererOptions) {
    super(options, "jp-hpcfit-fit");
    const body = element("div", "jp-hpcfit-fit-body");
    body.append(this.panels, this.side);
    this.node.append(this.toolbar, body, this.note);
    for (const axis of ["x", "y"] as const) {
      const label = element("label", "jp-hpcfit-toggle");
      const box = element("input");
      box.type = "checkbox";
      box.dataset.axis = axis;
      box.addEventListener("change", () => {
        this.scales = { ...this.scales, [axis === "x" ? "logX" : "logY"]: box.checked };
        if (this.bundle !== null) void this.drawPlots(this.bundle);
      });
      label.append(box, document.createTextNode(` log ${axis}`));
      this.toolbar.append(label);
    }
  }

  protected check(data: unknown): Checked<FitBundle> {
    return checkFitBundle(data);
  }

  protected async draw(bundle: FitBundle): Promise<void> {
    this.bundle = bundle;
    this.renderTable(bundle);
    await this.drawPlots(bundle);
  }

  protected async snapshot(): Promise<string | null> {
    // The first model's panel stands for the whole fit in a static copy.
    return this.hosts[0]?.toPng() ?? null;
  }

  private async drawPlots(bundle: FitBundle): Promise<void> {
    const models = bundle.models.filter((m) => m.kind !== "nllf" && m.y.length > 0);
    // Keep existing hosts so a live update reacts in place instead of rebuilding the DOM.
    while (this.hosts.length > models.length) this.hosts.pop()?.dispose();
    while (this.hosts.length < models.length) {
      const host = new PlotHost();
      const index = this.hosts.length;
      host.onRelayout((event) => this.linkX(index, event));
      this.hosts.push(host);
      this.panels.append(host.node);
    }
    let dropped = 0;
    await Promise.all(
      models.map((model, i) => {
        const scales = this.scales;
        dropped += fitFigure(model, scales).dropped;
        // A function of the theme: the bands take their model's colour, and follow a theme change.
        return this.hosts[i].draw((theme) => fitFigure(model, scales, theme).figure);
      }),
    );
    this.note.textContent =
      (models.length === 0 ? "This problem has no data to plot (models defined by their nllf only). " : "") +
      (dropped > 0 ? `${dropped} point(s) at or below zero are not shown on the log axis.` : "");
  }

  /** Zooming the x axis of one model's panel zooms the others the same way. */
  private linkX(source: number, event: Record<string, unknown>): void {
    if (this.linking || this.hosts.length < 2) return;
    const update: Record<string, unknown> = {};
    for (const key of [
      "xaxis.range[0]",
      "xaxis.range[1]",
      "xaxis.autorange",
      "xaxis2.range[0]",
      "xaxis2.range[1]",
      "xaxis2.autorange",
    ]) {
      if (key in event) update[key.replace("xaxis2", "xaxis")] = event[key];
    }
    if (Object.keys(update).length === 0) return;
    this.linking = true;
    void Promise.all(this.hosts.map((h, i) => (i === source ? Promise.resolve() : h.relayout(update)))).finally(() => {
      this.linking = false;
    });
  }

  private renderTable(bundle: FitBundle): void {
    this.side.replaceChildren();
    const table = element("table", "jp-hpcfit-table jp-hpcfit-params");
    const head = table.createTHead().insertRow();
    for (const title of ["Parameter", "Value", "Bounds"]) head.append(element("th", undefined, title));
    const body = table.createTBody();
    for (const p of bundle.parameters) {
      const row = body.insertRow();
      row.dataset.parameter = p.name;
      row.insertCell().textContent = p.name;
      const value = row.insertCell();
      value.className = "jp-hpcfit-value";
      value.textContent = formatWithUncertainty(p.value, p.stderr);
      value.title = `${p.value}${p.stderr === null ? "" : ` ± ${p.stderr}`}`;
      row.insertCell().textContent = `[${p.lower ?? "−∞"}, ${p.upper ?? "∞"}]`;
    }
    const summary = element("table", "jp-hpcfit-summary");
    const add = (term: string, value: string): void => {
      const row = summary.insertRow();
      row.append(element("th", undefined, term), element("td", undefined, value));
    };
    add("χ²/dof", bundle.chisq === null ? "undefined" : formatSignificant(bundle.chisq, 4));
    add("dof", String(bundle.dof));
    add("method", bundle.method);
    add("evaluations", String(bundle.evaluations));
    add("converged", bundle.converged ? "yes" : `no — ${bundle.message}`);
    if (!bundle.converged) summary.classList.add("jp-hpcfit-warning");
    this.side.append(table, summary);
    const correlations = this.renderCorrelations(bundle);
    if (correlations !== null) this.side.append(correlations);
  }

  /** The lower triangle of the parameters' correlation matrix, strong correlations marked. */
  private renderCorrelations(bundle: FitBundle): HTMLElement | null {
    const model = correlationTable(
      bundle.parameters.map((p) => p.name),
      bundle.correlation,
    );
    if (model === null) return null;
    const section = element("div", "jp-hpcfit-correlations");
    section.append(element("div", "jp-hpcfit-caption", "Parameter correlations"));
    const table = element("table", "jp-hpcfit-table jp-hpcfit-correlation");
    const head = table.createTHead().insertRow();
    head.append(element("th"));
    for (const name of model.names) head.append(element("th", undefined, name));
    const body = table.createTBody();
    for (const row of model.rows) {
      const tr = body.insertRow();
      tr.dataset.correlationRow = row.name;
      tr.append(element("th", undefined, row.name));
      row.cells.forEach((cell, j) => {
        const td = tr.insertCell();
        td.textContent = cell.text;
        td.className = "jp-hpcfit-correlation-value";
        if (cell.value !== null) {
          // The cell's tint grows with |r|: blue for positive, orange for negative.
          const hue = cell.value >= 0 ? "33, 113, 181" : "230, 85, 13";
          td.style.background = `rgba(${hue}, ${(0.6 * Math.abs(cell.value)).toFixed(3)})`;
        }
        if (cell.strong) {
          td.classList.add("jp-hpcfit-strong");
          td.title = `|r| ≥ 0.9: ${row.name} and ${model.names[j]} trade off; the data hardly tell them apart`;
        }
      });
    }
    section.append(table);
    return section;
  }

  protected override onResize(): void {
    for (const host of this.hosts) host.resize();
  }

  /** Frees the plots. */
  override dispose(): void {
    for (const host of this.hosts) host.dispose();
    this.hosts.length = 0;
    super.dispose();
  }
}
