import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { rendererFactories } from "./renderers/factories.js";

/**
 * The MIME extension JupyterLab loads (`jupyterlab.mimeExtension` in package.json): one entry per
 * hpcfit MIME type, so notebooks, consoles and output views all draw them.
 */
const extensions: IRenderMime.IExtension[] = rendererFactories.map((rendererFactory, i) => ({
  id: `hpcfit-labextension:mime-${["fit", "mcmc", "jobs"][i]}`,
  rendererFactory,
  rank: rendererFactory.defaultRank,
  dataType: "json",
}));

export default extensions;
