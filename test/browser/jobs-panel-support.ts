/** What the Jobs panel browser tests share: finding a job's row by its name, and opening the panel. */
import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";

/** The Jobs panel's row of the job named exactly `name`. */
export function jobNamed(page: Page, name: string): Locator {
  return page
    .locator(".jp-hpcfit-job")
    .filter({ has: page.locator(".jp-hpcfit-job-name", { hasText: new RegExp(`^${name}$`) }) });
}

/** Opens the Jobs panel from the sidebar and waits until it is connected to the notebook's kernel. */
export async function openJobsPanel(page: Page): Promise<void> {
  await page.click("[data-id='hpcfit-jobs-panel']");
  await expect.poll(() => page.getAttribute(".jp-hpcfit-jobs-panel", "data-connected"), { timeout: 30_000 }).toBe("true");
}
