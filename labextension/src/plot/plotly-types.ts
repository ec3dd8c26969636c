/**
 * The part of plotly.js's API that the renderers use, typed loosely on purpose: plotly's own
 * figure schema is huge and the renderers build figures from plain objects.
 */

/** One plotly trace (scatter, histogram, heatmap, ...). */
export type PlotTrace = Record<string, unknown>;

/** A plotly layout object. */
export type PlotLayout = Record<string, unknown>;

/** A plotly config object. */
export type PlotConfig = Record<string, unknown>;

/** A div that plotly has drawn into; `on` subscribes to plotly events such as `plotly_relayout`. */
export interface PlotlyElement extends HTMLDivElement {
  on(event: string, handler: (event: Record<string, unknown>) => void): void;
  removeAllListeners?(event: string): void;
}

/** The plotly.js functions the extension calls. */
export interface PlotlyApi {
  /** Draws or updates a figure in place, diffing against what is drawn (no flicker). */
  react(root: HTMLElement, data: PlotTrace[], layout: PlotLayout, config?: PlotConfig): Promise<PlotlyElement>;
  /** Removes a figure and its listeners. */
  purge(root: HTMLElement): void;
  /** Renders a figure to an image data URL. */
  toImage(
    root: HTMLElement | { data: PlotTrace[]; layout: PlotLayout },
    options: { format: "png" | "svg"; width?: number; height?: number; scale?: number },
  ): Promise<string>;
  /** Applies layout changes (e.g. linked axis ranges) without redrawing data. */
  relayout(root: HTMLElement, update: PlotLayout): Promise<PlotlyElement>;
  /** Plotly's namespace for resizing. */
  Plots: { resize(root: HTMLElement): void };
}
