/**
 * bumps' MCMC state files as text (before compression): the chain file (one row per generation:
 * draws, acceptance rate, logp of each chain), the point file (one row per kept draw and chain:
 * logp then the parameter vector, with a header giving `[Nthin, Npop, Nvar]`) and the stats file
 * (one row per crossover update: draws, then the crossover weights). Layout as read by
 * `bumps.dream.state.load_state`; numbers written with full precision so a round trip is exact.
 */
import { McmcSamples, type McmcSamplesData } from "./samples.js";

/** The three texts of a saved state. */
export interface BumpsStateText {
  /** `<name>-chain.mc` contents. */
  chain: string;
  /** `<name>-point.mc` contents. */
  point: string;
  /** `<name>-stats.mc` contents. */
  stats: string;
}

/** What the files do not hold and must come from elsewhere (our `.json`). */
export type BumpsStateMeta = Pick<
  McmcSamplesData,
  "sampler" | "labels" | "thin" | "burn" | "evaluations" | "outliers" | "particleEss" | "until"
>;

function num(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return String(v); // shortest representation that round-trips exactly
}

/** Formats the three files. */
export function formatBumpsState(s: McmcSamples): BumpsStateText {
  const nc = s.nchains;
  const p = s.nparams;
  const chain: string[] = [`# draws acceptance_rate ${nc}*logp`];
  const ngen = s.genAcceptance.length;
  for (let g = 0; g < ngen; g++) {
    const row = [num(s.genDraws[g]), num(s.genAcceptance[g])];
    for (let c = 0; c < nc; c++) row.push(num(s.genLogp[g * nc + c]));
    chain.push(row.join(" "));
  }
  const point: string[] = [`# logp point (Nthin x Npop x Nvar = [${s.nthin},${nc},${p}])`];
  for (let i = 0; i < s.size; i++) {
    const row = [num(s.logp[i])];
    for (let k = 0; k < p; k++) row.push(num(s.points[i * p + k]));
    point.push(row.join(" "));
  }
  const stats: string[] = [`# draws ${s.ncr}*CR_weight`];
  const nup = s.crDraws.length;
  for (let u = 0; u < nup; u++) {
    const row = [num(s.crDraws[u])];
    for (let m = 0; m < s.ncr; m++) row.push(num(s.crWeights[u * s.ncr + m]));
    stats.push(row.join(" "));
  }
  return { chain: chain.join("\n") + "\n", point: point.join("\n") + "\n", stats: stats.join("\n") + "\n" };
}

function parseRows(text: string, file: string): number[][] {
  const rows: number[][] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].split("#")[0].trim();
    if (line === "") continue;
    const row = line.split(/\s+/).map((w) => {
      const v = w === "nan" ? Number.NaN : w === "inf" ? Infinity : w === "-inf" ? -Infinity : Number(w);
      if (Number.isNaN(v) && w !== "nan") throw new Error(`${file}: line ${i + 1}: "${w}" is not a number`);
      return v;
    });
    rows.push(row);
  }
  return rows;
}

/** Parses the three files back into samples; `meta` supplies what bumps does not store. */
export function parseBumpsState(text: BumpsStateText, meta: BumpsStateMeta): McmcSamples {
  const header = /\[\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\]/.exec(text.point.split("\n", 1)[0]);
  if (!header) throw new Error("point file: the first line lacks the [Nthin,Npop,Nvar] header");
  const [nthin, nc, p] = [Number(header[1]), Number(header[2]), Number(header[3])];
  if (p !== meta.labels.length) throw new Error(`point file has ${p} parameters but the result has ${meta.labels.length} labels`);
  const pointRows = parseRows(text.point, "point file");
  if (pointRows.length !== nthin * nc) throw new Error(`point file: ${pointRows.length} rows, the header says ${nthin} × ${nc}`);
  const points = new Float64Array(nthin * nc * p);
  const logp = new Float64Array(nthin * nc);
  pointRows.forEach((row, i) => {
    if (row.length !== p + 1) throw new Error(`point file: row ${i + 1} has ${row.length} values, expected ${p + 1}`);
    logp[i] = row[0];
    for (let k = 0; k < p; k++) points[i * p + k] = row[k + 1];
  });
  const chainRows = parseRows(text.chain, "chain file");
  const ngen = chainRows.length;
  const genDraws = new Float64Array(ngen);
  const genAcceptance = new Float64Array(ngen);
  const genLogp = new Float64Array(ngen * nc);
  chainRows.forEach((row, g) => {
    if (row.length !== nc + 2) throw new Error(`chain file: row ${g + 1} has ${row.length} values, expected ${nc + 2}`);
    genDraws[g] = row[0];
    genAcceptance[g] = row[1];
    for (let c = 0; c < nc; c++) genLogp[g * nc + c] = row[c + 2];
  });
  const statsHeader = /#\s*draws\s+(\d+)\*CR_weight/.exec(text.stats.split("\n", 1)[0]);
  const ncr = statsHeader ? Number(statsHeader[1]) : 0;
  const statRows = parseRows(text.stats, "stats file");
  const crDraws = new Float64Array(statRows.length);
  const crWeights = new Float64Array(statRows.length * ncr);
  statRows.forEach((row, u) => {
    if (row.length !== ncr + 1) throw new Error(`stats file: row ${u + 1} has ${row.length} values, expected ${ncr + 1}`);
    crDraws[u] = row[0];
    for (let m = 0; m < ncr; m++) crWeights[u * ncr + m] = row[m + 1];
  });
  return new McmcSamples({
    ...meta,
    nchains: nc,
    nthin,
    generations: ngen,
    points,
    logp,
    genDraws,
    genAcceptance,
    genLogp,
    ncr,
    crDraws,
    crWeights,
  });
}
