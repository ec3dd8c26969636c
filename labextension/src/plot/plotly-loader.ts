import type { PlotlyApi } from "./plotly-types.js";

let loading: Promise<PlotlyApi> | null = null;

/**
 * Loads plotly.js on first use. The dynamic `import()` makes the bundler put plotly in its own
 * chunk, so JupyterLab's start-up never downloads it; only the first plot pays (once).
 */
export function loadPlotly(): Promise<PlotlyApi> {
  if (loading === null) {
    loading = import(/* webpackChunkName: "plotly" */ "plotly.js-cartesian-dist-min").then(
      // The declaration promises a default export; the bundle is CommonJS and may lack one at run time.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      (module) => (module as { default?: PlotlyApi }).default ?? (module as unknown as PlotlyApi),
    );
    // A failed download must not poison every later plot: let the next call try again.
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}
