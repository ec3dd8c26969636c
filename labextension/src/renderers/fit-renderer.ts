import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { FitBundle, FitBundleModel } from "../../../schema/fit.js";
import { PlotHost, type Figure } from "../plot/plot-host.js";
import type { PlotTrace } from "../plot/plotly-types.js";
import { fitSeries, formatSignificant, formatWithUncertainty, type FitScales } from "../transforms/fit-series.js";
import { checkFitBundle, type Checked } from "../transforms/validate-bundles.js";
import { BundleRenderer, element } from "./bundle-renderer.js";

/** The MIME type drawn here (the constant lives in schema/fit.ts; strings must match). */
export const FIT_MIME_TYPE = "application/vnd.hpcfit.fit+json";

/** Builds the figure of one model: data with error bars and the model curve above, residuals below. */
export function fitFigure(model: FitBundleModel, scales: FitScales): { figure: Figure; dropped: number } {
  const data: PlotTrace[] = [];
  let dropped = 0;
  const responses = model.y.length;
  for (let r = 0; r < responses; r++) {
    const s = fitSeries(model, r, scales);
    dropped += s.dropped;
    const suffix = responses > 1 ? ` ${r + 1}` : "";
    const group = `response${r}`;
    data.push({
      type: "scatter",
      mode: "markers",
      name: `data${suffix}`,
      legendgroup: group,
      x: s.x,
      y: s.y,
      error_y: { type: "data", array: s.dy, visible: true, thickness: 1 },
      marker: { size: 6 },
      meta: "data",
    });
    data.push({ type: "scatter", mode: "lines", name: `model${suffix}`, legendgroup: group, x: s.curveX, y: s.curveY, connectgaps: false, meta: "model" });
    data.push({
      type: "scatter",
      mode: "markers",
      name: `residuals${suffix}`,
      legendgroup: group,
      showlegend: false,
      x: s.x,
      y: s.residuals,
      xaxis: "x2",
      yaxis: "y2",
      marker: { size: 5 },
      meta: "residuals",
    });
  }
  const layout = {
    // Live updates (Plotly.react) keep the user's zoom; a new axis scale starts afresh.
    uirevision: `${scales.logX}-${scales.logY}`,
    height: 420,
    margin: { l: 60, r: 16, t: 28, b: 44 },
    title: { text: model.name, font: { size: 13 } },
    showlegend: true,
    legend: { orientation: "h", y: 1.08, x: 1, xanchor: "right" },
    xaxis: { type: scales.logX ? "log" : "linear", anchor: "y", showticklabels: false },
    yaxis: { type: scales.logY ? "log" : "linear", domain: [0.32, 1], title: { text: "y" } },
    xaxis2: { type: scales.logX ? "log" : "linear", anchor: "y2", matches: "x", title: { text: model.x === null ? "point" : "x" } },
    yaxis2: { domain: [0, 0.26], title: { text: "(f−y)/dy" }, zeroline: true },
  };
  return { figure: { data, layout }, dropped };
}

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
        const { figure, dropped: d } = fitFigure(model, this.scales);
        dropped += d;
        return this.hosts[i].draw(figure);
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
    for (const key of ["xaxis.range[0]", "xaxis.range[1]", "xaxis.autorange", "xaxis2.range[0]", "xaxis2.range[1]", "xaxis2.autorange"]) {
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
