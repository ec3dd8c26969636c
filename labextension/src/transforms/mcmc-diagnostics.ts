/**
 * The MCMC view's convergence columns and `until` summary, from a bundle's diagnostics: R̂,
 * bulk- and tail-ESS and Monte Carlo standard errors as Vehtari et al. 2021 define them, each
 * value past the bundle's limits flagged with the reason. Pure, so it is tested without a DOM.
 */
import {
  diagnosticLimits,
  judgeDiagnostics,
  untilEnding,
  untilWorst,
  type McmcBundle,
  type McmcDiagnostics,
  type McmcUntil,
} from "../../../schema/mcmc.js";
import { formatSignificant } from "./fit-series.js";

/** Where the limits come from, for the cells' titles. */
const SOURCE = "Vehtari et al. 2021";

/** One table cell: its text, and why the value fails its limit (null when it does not). */
export interface DiagnosticCell {
  /** The value as shown ("—" when the bundle has none). */
  text: string;
  /** Why the value is flagged, for the cell's title; null when it is within its limit. */
  warning: string | null;
}

/** Column titles of {@link diagnosticCells}, in the same order. */
export function diagnosticColumns(full: boolean): string[] {
  const columns = ["R-hat", "bulk ESS", "tail ESS", "MCSE mean"];
  return full ? [...columns, "MCSE 5%", "MCSE 95%", "τ (draws)"] : columns;
}

const present = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);
const text = (v: number | null | undefined, digits: number): string => (present(v) ? formatSignificant(v, digits) : "—");
/** R̂ to three decimals (as ArviZ and Stan print it); ESS as a whole number of draws. */
const rhatText = (v: number | null | undefined): string => (present(v) ? v.toFixed(3) : "—");
const essText = (v: number | null | undefined): string => (present(v) ? String(Math.round(v)) : "—");

/**
 * The convergence cells of parameter `p` (columns as {@link diagnosticColumns}). A bundle made
 * before bulk/tail ESS and MCSE existed shows its one ESS as bulk ESS and "—" for the rest.
 * An SMC bundle's ESS is that of its particles, and its R̂ and tail ESS are undefined.
 */
export function diagnosticCells(bundle: McmcBundle, p: number, full: boolean): DiagnosticCell[] {
  const d = bundle.diagnostics;
  const limits = diagnosticLimits(d);
  const { rhat, bulk, tail } = judgeDiagnostics(d, p);
  const particles = bundle.sampler === "smc";
  const cells: DiagnosticCell[] = [
    {
      text: rhatText(rhat.value),
      warning:
        rhat.fails && present(rhat.value)
          ? `R-hat ${rhat.value.toFixed(4)} is above ${limits.rhat}: the chains have not mixed ` +
            `(rank-normalized split R-hat, ${SOURCE}); run longer`
          : null,
    },
    {
      text: essText(bulk.value),
      warning:
        bulk.fails && present(bulk.value)
          ? particles
            ? `particle ESS ${Math.round(bulk.value)} is below ${limits.ess} (${SOURCE}): use more particles`
            : `bulk ESS ${Math.round(bulk.value)} is below ${limits.ess}: the mean and median are uncertain (${SOURCE}); draw more samples`
          : null,
    },
    {
      text: essText(tail.value),
      warning:
        tail.fails && present(tail.value)
          ? `tail ESS ${Math.round(tail.value)} is below ${limits.ess}: the interval ends are uncertain (${SOURCE}); draw more samples`
          : null,
    },
    { text: text(d.mcseMean?.[p], 2), warning: null },
  ];
  if (full) {
    const q = d.mcseQuantiles?.[p];
    cells.push({ text: text(q?.[0], 2), warning: null }, { text: text(q?.[1], 2), warning: null });
    cells.push({ text: text(d.tau[p], 3), warning: null });
  }
  return cells;
}

/** The limits as one line of the summary table. */
export function limitsText(d: McmcDiagnostics): string {
  const l = diagnosticLimits(d);
  return `R-hat ≤ ${l.rhat}, bulk and tail ESS ≥ ${l.ess} (${SOURCE})${d.limits === undefined ? ", the defaults: the bundle names none" : ""}`;
}

/** Rows of the summary table on how sampling `until` targets ended: term, value, and whether to flag it. */
export function untilRows(u: McmcUntil): [string, string, boolean][] {
  const targets = [
    u.targets.rhat !== undefined ? `R-hat ≤ ${u.targets.rhat}` : "",
    u.targets.ess !== undefined ? `bulk and tail ESS ≥ ${u.targets.ess}` : "",
  ].filter((t) => t !== "");
  return [
    ["until targets", targets.length > 0 ? targets.join(", ") : "none", false],
    ["until outcome", `${untilEnding(u)} (${untilWorst(u, "—")})`, !u.met],
    ["convergence checks", String(u.checks), false],
  ];
}
