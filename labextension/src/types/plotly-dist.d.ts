// The plotly.js dist bundles ship no type declarations; the subset we call is typed in
// ../plot/plotly-types.ts and the module is declared here so a dynamic import type-checks.
declare module "plotly.js-cartesian-dist-min" {
  import type { PlotlyApi } from "../plot/plotly-types.js";
  const Plotly: PlotlyApi;
  export default Plotly;
}
