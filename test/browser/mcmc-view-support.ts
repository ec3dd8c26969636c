/** What the browser tests know of the MCMC view: its tabs, what each draws, and opening one. */
import type { Locator, Page } from "playwright-core";

/** What each tab of the MCMC view draws once it is shown, as a selector inside the tab's page. */
export const MCMC_TAB_CONTENT: Readonly<Record<string, string>> = {
  traces: ".scatterlayer .trace",
  marginals: ".barlayer .trace",
  corner: ".heatmaplayer image, .hm image",
  logp: ".scatterlayer .trace",
  diagnostics: "table.jp-hpcfit-diagnostics tbody tr",
  fit: ".jp-hpcfit-fit .scatterlayer .trace",
};

/** Clicks `tab` of the MCMC view `mcmc` and waits until its page has drawn; returns that page. */
export async function openMcmcTab(page: Page, mcmc: Locator, tab: string): Promise<Locator> {
  await mcmc.locator(`.jp-hpcfit-tab[data-tab='${tab}']`).click();
  const tabPage = mcmc.locator(`.jp-hpcfit-tab-page[data-tab='${tab}']`);
  await tabPage.and(page.locator("[data-drawn='true']")).waitFor({ timeout: 30_000 });
  return tabPage;
}
