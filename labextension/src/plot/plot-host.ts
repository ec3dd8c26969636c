import type { ISignal } from "@lumino/signaling";
import { loadPlotly } from "./plotly-loader.js";
import type { PlotConfig, PlotLayout, PlotlyApi, PlotlyElement, PlotTrace } from "./plotly-types.js";
import { currentPlotTheme, themeChanged, themedLayout, type PlotTheme } from "./theme.js";

/** A figure without theme: what a renderer computes from its data. */
export interface Figure {
  data: PlotTrace[];
  layout: PlotLayout;
}

/** A figure, or a function of the theme for figures whose trace colours follow it (heatmaps). */
export type FigureSource = Figure | ((theme: PlotTheme) => Figure);

const CONFIG: PlotConfig = {
  responsive: true,
  displaylogo: false,
  // Plotly's own PNG button would download a file; the renderer already stores a PNG in the output.
  modeBarButtonsToRemove: ["toImage", "select2d", "lasso2d"],
};

/**
 * One plotly figure in a div. It loads plotly lazily, redraws with `Plotly.react` (which diffs
 * against what is drawn, so live updates replace data in place without flicker), redraws when
 * the JupyterLab theme changes, and frees plotly's listeners on dispose.
 */
export class PlotHost {
  /** The div plotly draws into; put it in the DOM before {@link draw}. */
  readonly node: HTMLDivElement;
  private figure: FigureSource | null = null;
  private plotly: PlotlyApi | null = null;
  private disposed = false;
  private readonly themeSignal: ISignal<object, PlotTheme> = themeChanged;
  private readonly relayoutHandlers: ((event: Record<string, unknown>) => void)[] = [];
  private listening = false;

  /** @param className the CSS class of the plot's div. */
  constructor(className = "jp-hpcfit-plot") {
    this.node = document.createElement("div");
    this.node.className = className;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the signal calls it with `this`, its second argument
    this.themeSignal.connect(this.onThemeChanged, this);
  }

  /** Draws `figure` (or updates the figure drawn before, in place). */
  async draw(source: FigureSource): Promise<void> {
    this.figure = source;
    const plotly = await loadPlotly();
    if (this.disposed) return;
    this.plotly = plotly;
    const theme = currentPlotTheme();
    const figure = typeof source === "function" ? source(theme) : source;
    const element: PlotlyElement = await plotly.react(this.node, figure.data, themedLayout(figure.layout, theme), CONFIG);
    if (!this.listening && typeof element.on === "function") {
      this.listening = true;
      element.on("plotly_relayout", (event) => {
        for (const handler of this.relayoutHandlers) handler(event);
      });
    }
  }

  /** Calls `handler` with plotly's relayout event (zoom, pan, autoscale) of this figure. */
  onRelayout(handler: (event: Record<string, unknown>) => void): void {
    this.relayoutHandlers.push(handler);
  }

  /** Applies a layout change (e.g. an x range from a linked panel) without touching data. */
  async relayout(update: PlotLayout): Promise<void> {
    if (this.plotly === null || this.disposed) return;
    await this.plotly.relayout(this.node, update);
  }

  /** The drawn figure as a PNG data URL (`data:image/png;base64,...`), or null before a draw. */
  async toPng(width?: number, height?: number): Promise<string | null> {
    if (this.plotly === null || this.figure === null || this.disposed) return null;
    const rect = this.node.getBoundingClientRect();
    return this.plotly.toImage(this.node, {
      format: "png",
      width: width ?? Math.max(320, Math.round(rect.width) || 640),
      height: height ?? Math.max(240, Math.round(rect.height) || 420),
    });
  }

  /** Re-fits the figure to its div (after the output area or panel resized). */
  resize(): void {
    if (this.plotly !== null && this.figure !== null && !this.disposed && this.node.isConnected) {
      this.plotly.Plots.resize(this.node);
    }
  }

  /** Removes the figure and its listeners. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the signal calls it with `this`, its second argument
    this.themeSignal.disconnect(this.onThemeChanged, this);
    if (this.plotly !== null) this.plotly.purge(this.node);
  }

  private onThemeChanged(): void {
    if (this.figure !== null && !this.disposed) void this.draw(this.figure);
  }
}

/**
 * A PNG data URL of `source` drawn off screen at `width × height`, in the current theme (for
 * static copies of figures that are not on screen, such as a hidden tab's).
 */
export async function figureToPng(source: FigureSource, width: number, height: number): Promise<string> {
  const plotly = await loadPlotly();
  const theme = currentPlotTheme();
  const figure = typeof source === "function" ? source(theme) : source;
  return plotly.toImage({ data: figure.data, layout: themedLayout(figure.layout, theme) }, { format: "png", width, height });
}
