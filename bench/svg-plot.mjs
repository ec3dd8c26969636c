// The frame the benchmark plots share: a white SVG of a given size with a title, the x axis, one
// or two y axes and the x axis's label, its plotting box given by margins; and a polyline's path.

/**
 * The opening of the SVG with its frame; the caller adds its ticks, curves and `</svg>`.
 * `box` = { width, height, left, right, top, bottom }; `rightAxis` draws a second y axis.
 */
export function svgFrame(box, { title, xLabel, rightAxis = false }) {
  const { width: W, height: H, left: L, right: R, top: T, bottom: B } = box;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle">${title}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    ...(rightAxis ? [`<line x1="${W - R}" y1="${T}" x2="${W - R}" y2="${H - B}" stroke="black"/>`] : []),
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle">${xLabel}</text>`,
  ].join("\n");
}

/** The `d` of a path through `points` ([x, y] pairs). */
export function svgPath(points) {
  return points.map(([a, b], i) => `${i ? "L" : "M"}${a.toFixed(1)},${b.toFixed(1)}`).join(" ");
}
