import { Signal, type ISignal } from "@lumino/signaling";
import type { PlotLayout } from "./plotly-types.js";

/** Colours and font of plots, read from JupyterLab's CSS variables of the current theme. */
export interface PlotTheme {
  /** True for a light theme (JupyterLab sets `data-jp-theme-light` on the body). */
  light: boolean;
  background: string;
  foreground: string;
  grid: string;
  fontFamily: string;
  /** Trace colours, in order. */
  colorway: string[];
  /** Fill for shaded regions (burn-in, intervals): a translucent foreground. */
  shade: string;
}

const themeChangedSignal = new Signal<object, PlotTheme>({});

/**
 * Emitted after JupyterLab switched theme (the plugin forwards `IThemeManager.themeChanged`);
 * every plot redraws with {@link currentPlotTheme}.
 */
export const themeChanged: ISignal<object, PlotTheme> = themeChangedSignal;

/** Called by the plugin when the theme changed; waits a frame so the new CSS is applied. */
export function notifyThemeChanged(): void {
  requestAnimationFrame(() => themeChangedSignal.emit(currentPlotTheme()));
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const value = style.getPropertyValue(name).trim();
  return value === "" ? fallback : value;
}

/** Reads the current theme's colours from the CSS variables on `document.body`. */
export function currentPlotTheme(): PlotTheme {
  const style = getComputedStyle(document.body);
  const light = document.body.dataset.jpThemeLight !== "false";
  const foreground = cssVar(style, "--jp-ui-font-color1", light ? "rgba(0,0,0,0.87)" : "rgba(255,255,255,0.87)");
  return {
    light,
    background: cssVar(style, "--jp-layout-color0", light ? "white" : "#111"),
    foreground,
    grid: cssVar(style, "--jp-border-color2", light ? "#e0e0e0" : "#424242"),
    fontFamily: cssVar(style, "--jp-ui-font-family", "sans-serif"),
    colorway: [
      "--jp-brand-color1",
      "--jp-warn-color1",
      "--jp-success-color1",
      "--jp-error-color1",
      "--jp-accent-color1",
      "--jp-brand-color3",
      "--jp-warn-color3",
      "--jp-success-color3",
      "--jp-error-color3",
      "--jp-accent-color3",
    ].map((name, i) => cssVar(style, name, ["#1976d2", "#f57c00", "#388e3c", "#d32f2f", "#00897b"][i % 5])),
    shade: cssVar(style, "--jp-layout-color3", light ? "#bdbdbd" : "#616161"),
  };
}

const AXIS_KEY = /^[xy]axis\d*$/;

/**
 * Returns `layout` with the theme's colours and font applied to the paper and every axis it
 * declares; the caller's own settings win where both set the same key.
 */
export function themedLayout(layout: PlotLayout, theme: PlotTheme): PlotLayout {
  const result: PlotLayout = {
    paper_bgcolor: theme.background,
    plot_bgcolor: theme.background,
    font: { color: theme.foreground, family: theme.fontFamily, size: 11 },
    colorway: theme.colorway,
    legend: { bgcolor: "rgba(0,0,0,0)" },
    ...layout,
  };
  for (const key of Object.keys(layout)) {
    if (!AXIS_KEY.test(key)) continue;
    const axis = layout[key] as Record<string, unknown>;
    result[key] = {
      gridcolor: theme.grid,
      linecolor: theme.grid,
      zerolinecolor: theme.grid,
      tickfont: { color: theme.foreground },
      ...axis,
    };
  }
  return result;
}
