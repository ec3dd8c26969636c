import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { McmcBundle } from "../../../schema/mcmc.js";
import { figureToPng, PlotHost, type FigureSource } from "../plot/plot-host.js";
import { stackImages } from "../plot/stack-images.js";
import { checkCornerSelection, defaultCornerSelection, MAX_CORNER_PARAMETERS } from "../transforms/corner.js";
import { formatSignificant } from "../transforms/fit-series.js";
import { diagnosticCells, diagnosticColumns, limitsText, untilRows } from "../transforms/mcmc-diagnostics.js";
import { checkFitBundle, checkMcmcBundle, type Checked } from "../transforms/validate-bundles.js";
import { BundleRenderer, element } from "./bundle-renderer.js";
import { FIT_FIGURE_HEIGHT, fitFigure } from "./fit-figure.js";
import { FIT_MIME_TYPE, FitRenderer } from "./fit-renderer.js";
import { cornerFigure, logpFigure, marginalFigure, traceFigure } from "./mcmc-figures.js";

/** `table` in a box that scrolls sideways when the table is wider than the output. */
function scrolling(table: HTMLTableElement): HTMLElement {
  const box = element("div", "jp-hpcfit-table-scroll");
  box.append(table);
  return box;
}

/** The MIME type drawn here (the constant lives in schema/mcmc.ts; strings must match). */
export const MCMC_MIME_TYPE = "application/vnd.hpcfit.mcmc+json";

/** The tabs of the MCMC view. */
export const MCMC_TABS = ["traces", "marginals", "corner", "logp", "diagnostics", "fit"] as const;
type Tab = (typeof MCMC_TABS)[number];
const TAB_TITLES: Record<Tab, string> = {
  traces: "Traces",
  marginals: "Marginals",
  corner: "Corner",
  logp: "Log-posterior",
  diagnostics: "Diagnostics",
  fit: "Best fit",
};

/**
 * Renders MCMC draws in tabs: traces, marginals with intervals, a corner plot of chosen
 * parameters, log-posterior by generation, and a diagnostics table. Warnings stay visible above
 * the tabs. A tab is drawn when first shown, and redrawn in place on live updates.
 */
export class McmcRenderer extends BundleRenderer<McmcBundle> {
  private readonly warnings = element("ul", "jp-hpcfit-warnings");
  private readonly tabBar = element("div", "jp-hpcfit-tabs");
  private readonly pages = new Map<Tab, HTMLElement>();
  private readonly hosts = new Map<Tab, PlotHost>();
  private readonly drawn = new Set<Tab>();
  private readonly cornerChoice = element("div", "jp-hpcfit-corner-choice");
  private readonly statsSummary = element("div", "jp-hpcfit-stats");
  private readonly burnInToggle = element("input");
  private showBurnIn = false;
  /** Output width the corner figure was sized for (it is redrawn when the output resizes). */
  private cornerWidth = 0;
  private active: Tab = "traces";
  /** A sampler's output also carries the fit bundle of its best point, drawn in the "Best fit" tab. */
  private fitView: FitRenderer | null = null;
  private fitData: unknown = undefined;
  private bundle: McmcBundle | null = null;
  private selection: number[] = [];

  /** Creates the renderer for JupyterLab's rendermime registry. */
  constructor(options: IRenderMime.IRendererOptions) {
    super(options, "jp-hpcfit-mcmc");
    this.tabBar.setAttribute("role", "tablist");
    const content = element("div", "jp-hpcfit-tab-pages");
    for (const tab of MCMC_TABS) {
      const button = element("button", "jp-hpcfit-tab", TAB_TITLES[tab]);
      button.setAttribute("role", "tab");
      button.dataset.tab = tab;
      button.addEventListener("click", () => void this.showTab(tab));
      this.tabBar.append(button);
      const page = element("div", "jp-hpcfit-tab-page");
      page.dataset.tab = tab;
      page.setAttribute("role", "tabpanel");
      if (tab === "corner") page.append(this.cornerChoice);
      if (tab === "traces") page.append(this.statsSummary);
      if (tab === "logp") page.append(this.renderBurnInToggle());
      if (tab !== "diagnostics" && tab !== "fit") {
        const host = new PlotHost();
        this.hosts.set(tab, host);
        page.append(host.node);
      }
      this.pages.set(tab, page);
      content.append(page);
    }
    this.node.append(this.warnings, this.tabBar, content);
  }

  protected check(data: unknown): Checked<McmcBundle> {
    return checkMcmcBundle(data);
  }

  protected async draw(bundle: McmcBundle): Promise<void> {
    const first = this.bundle === null || this.bundle.labels.join("\u0000") !== bundle.labels.join("\u0000");
    this.bundle = bundle;
    if (first) {
      this.selection = defaultCornerSelection(bundle.labels.length);
      this.renderCornerChoice(bundle);
    }
    this.warnings.replaceChildren(...bundle.warnings.map((w) => element("li", "jp-hpcfit-warning", w)));
    this.statsSummary.replaceChildren(scrolling(this.statsTable(bundle, false)));
    this.fitData = this.currentModel?.data[FIT_MIME_TYPE];
    const fitButton = this.tabBar.querySelector<HTMLElement>("[data-tab='fit']");
    if (fitButton !== null) fitButton.hidden = this.fitData === undefined;
    // New data: every tab is stale; the visible one redraws now, the others when shown.
    this.drawn.clear();
    await this.showTab(this.active);
  }

  /**
   * The static copy of a sampler's output: the best fit with its model bands (when the output
   * carries the fit bundle) above the traces, in one PNG.
   */
  protected async snapshot(): Promise<string | null> {
    if (this.bundle === null) return null;
    const host = this.hosts.get("traces");
    if (host === undefined) return null;
    if (!this.drawn.has("traces")) await this.drawTab("traces", this.bundle);
    const traces = await host.toPng();
    if (traces === null) return null;
    const fit = await this.fitPng(Math.max(320, Math.round(host.node.getBoundingClientRect().width) || 640));
    return fit === null ? traces : stackImages([fit, traces]);
  }

  /** The first plottable model of the output's fit bundle, drawn off screen; null when there is none. */
  private async fitPng(width: number): Promise<string | null> {
    const checked = this.fitData === undefined ? null : checkFitBundle(this.fitData);
    if (checked === null || !checked.ok) return null;
    const model = checked.value.models.find((m) => m.kind !== "nllf" && m.y.length > 0);
    if (model === undefined) return null;
    const scales = { logX: false, logY: false };
    return figureToPng((theme) => fitFigure(model, scales, theme).figure, width, FIT_FIGURE_HEIGHT);
  }

  /** Shows `tab`, drawing it first if its data is new. */
  async showTab(tab: Tab): Promise<void> {
    this.active = tab;
    for (const [name, page] of this.pages) page.hidden = name !== tab;
    for (const button of Array.from(this.tabBar.children) as HTMLElement[]) {
      button.setAttribute("aria-selected", String(button.dataset.tab === tab));
    }
    if (this.bundle !== null && !this.drawn.has(tab)) await this.drawTab(tab, this.bundle);
    this.hosts.get(tab)?.resize();
  }

  private async drawTab(tab: Tab, bundle: McmcBundle): Promise<void> {
    this.drawn.add(tab);
    if (tab === "diagnostics") {
      this.renderDiagnostics(bundle);
      return;
    }
    if (tab === "fit") {
      await this.drawFit();
      return;
    }
    const selection = this.selection;
    const source: FigureSource =
      tab === "traces"
        ? traceFigure(bundle)
        : tab === "marginals"
          ? marginalFigure(bundle)
          : tab === "logp"
            ? logpFigure(bundle, this.showBurnIn)
            : (theme) => cornerFigure(bundle, selection, { light: theme.light, available: this.cornerWidth });
    const page = this.pages.get(tab);
    if (tab === "corner") this.cornerWidth = page?.clientWidth ?? 0;
    if (page !== undefined) page.dataset.drawn = "pending";
    await this.hosts.get(tab)?.draw(source);
    if (page !== undefined) page.dataset.drawn = "true";
  }

  private async drawFit(): Promise<void> {
    const page = this.pages.get("fit");
    if (page === undefined || this.fitData === undefined) return;
    if (this.fitView === null) {
      this.fitView = new FitRenderer({
        mimeType: FIT_MIME_TYPE,
        sanitizer: { sanitize: (s) => s },
        resolver: null,
        linkHandler: null,
        latexTypesetter: null,
      });
      page.append(this.fitView.node);
    }
    // The fit view stores no PNG of its own: this output's snapshot is the traces.
    const data = { [FIT_MIME_TYPE]: this.fitData };
    await this.fitView.renderModel({
      data,
      metadata: {},
      trusted: true,
      setData: () => undefined,
    } as unknown as IRenderMime.IMimeModel);
    page.dataset.drawn = "true";
  }

  private renderCornerChoice(bundle: McmcBundle): void {
    this.cornerChoice.replaceChildren(element("span", "jp-hpcfit-note", `Parameters (up to ${MAX_CORNER_PARAMETERS}):`));
    const message = element("span", "jp-hpcfit-error-inline");
    bundle.labels.forEach((label, p) => {
      const box = element("input");
      box.type = "checkbox";
      box.checked = this.selection.includes(p);
      box.dataset.parameter = label;
      box.addEventListener("change", () => {
        const next = box.checked ? [...this.selection, p].sort((a, b) => a - b) : this.selection.filter((q) => q !== p);
        const error = checkCornerSelection(next, bundle.labels.length);
        if (error !== null) {
          box.checked = !box.checked;
          message.textContent = error;
          return;
        }
        message.textContent = "";
        this.selection = next;
        this.drawn.delete("corner");
        if (this.active === "corner" && this.bundle !== null) void this.drawTab("corner", this.bundle);
      });
      const label_ = element("label", "jp-hpcfit-toggle");
      label_.append(box, document.createTextNode(` ${label}`));
      this.cornerChoice.append(label_);
    });
    this.cornerChoice.append(message);
  }

  private renderBurnInToggle(): HTMLElement {
    const label = element("label", "jp-hpcfit-toggle");
    this.burnInToggle.type = "checkbox";
    this.burnInToggle.dataset.option = "show-burn-in";
    this.burnInToggle.addEventListener("change", () => {
      this.showBurnIn = this.burnInToggle.checked;
      this.drawn.delete("logp");
      if (this.active === "logp" && this.bundle !== null) void this.drawTab("logp", this.bundle);
    });
    label.append(this.burnInToggle, document.createTextNode(" show burn-in"));
    const bar = element("div", "jp-hpcfit-toolbar");
    bar.append(label);
    return bar;
  }

  /**
   * The per-parameter statistics table with the convergence diagnostics of Vehtari et al. 2021:
   * R-hat, bulk and tail ESS and the MCSE of the mean on the first tab; on the diagnostics tab
   * also the MCSE of the 5% and 95% quantiles and the autocorrelation time. A value past the
   * bundle's limits is marked, its title saying why.
   */
  private statsTable(bundle: McmcBundle, full: boolean): HTMLTableElement {
    const fmt = (v: number): string => formatSignificant(v, 4);
    const table = element("table", `jp-hpcfit-table ${full ? "jp-hpcfit-diagnostics" : "jp-hpcfit-statistics"}`);
    const head = table.createTHead().insertRow();
    const titles = ["Parameter", "mean", "median", "best", "std", "68% interval", "95% interval", ...diagnosticColumns(full)];
    for (const title of titles) head.append(element("th", undefined, title));
    const body = table.createTBody();
    bundle.stats.forEach((s, p) => {
      const row = body.insertRow();
      row.dataset.parameter = s.name;
      const cells = [
        s.name,
        fmt(s.mean),
        fmt(s.median),
        fmt(s.best),
        fmt(s.std),
        `[${fmt(s.p68[0])}, ${fmt(s.p68[1])}]`,
        `[${fmt(s.p95[0])}, ${fmt(s.p95[1])}]`,
      ];
      for (const text of cells) row.insertCell().textContent = text;
      const diagnostics = diagnosticCells(bundle, p, full);
      diagnosticColumns(full).forEach((column, k) => {
        const { text, warning } = diagnostics[k];
        const cell = row.insertCell();
        cell.textContent = text;
        cell.dataset.column = column;
        if (warning !== null) {
          cell.classList.add("jp-hpcfit-warning");
          cell.title = warning;
        }
      });
    });
    return table;
  }

  private renderDiagnostics(bundle: McmcBundle): void {
    const page = this.pages.get("diagnostics");
    if (page === undefined) return;
    const d = bundle.diagnostics;
    const table = this.statsTable(bundle, true);
    const summary = element("table", "jp-hpcfit-summary");
    const add = (term: string, value: string, warn = false): void => {
      const row = summary.insertRow();
      row.append(element("th", undefined, term), element("td", warn ? "jp-hpcfit-warning" : undefined, value));
    };
    add("sampler", bundle.sampler);
    add("chains × kept draws", `${bundle.nchains} × ${bundle.nthin} (thin ${bundle.thin}, burn-in ${bundle.burn})`);
    add("generations", String(bundle.generations));
    add("evaluations", String(bundle.evaluations));
    add("acceptance rate", `${(100 * d.acceptanceRate).toFixed(1)}%`, d.acceptanceRate < 0.05);
    add("outlier chains", d.outlierChains.length === 0 ? "none" : d.outlierChains.join(", "), d.outlierChains.length > 0);
    add("limits", limitsText(d));
    if (d.until !== undefined) for (const [term, value, warn] of untilRows(d.until)) add(term, value, warn);
    // The bundle's warnings are listed above the tabs, in sight on this page too.
    page.replaceChildren(scrolling(table), summary);
    page.dataset.drawn = "true";
  }

  protected override onResize(): void {
    if (this.active === "corner" && this.bundle !== null) {
      // The corner figure has a fixed square size chosen from the output's width: redraw it
      // when that width changed enough to matter.
      const width = this.pages.get("corner")?.clientWidth ?? 0;
      if (width > 0 && Math.abs(width - this.cornerWidth) > 40) {
        this.drawn.delete("corner");
        void this.drawTab("corner", this.bundle);
        return;
      }
    }
    this.hosts.get(this.active)?.resize();
  }

  /** Frees the plots. */
  override dispose(): void {
    for (const host of this.hosts.values()) host.dispose();
    this.fitView?.dispose();
    super.dispose();
  }
}
