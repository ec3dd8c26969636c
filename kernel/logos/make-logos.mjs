#!/usr/bin/env node
// Draws hpcfit's kernel logos (a fitted curve through data points with error bars on a dark
// tile) at 32x32 and 64x64 and writes them as PNG next to this script. Run it again after
// changing the drawing; the PNGs are committed so installs need nothing but a copy.
import { deflateSync } from "node:zlib";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** RGBA pixels (size*size*4) to a PNG file (colour type 6, filter 0 on every row). */
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function draw(size) {
  const px = Buffer.alloc(size * size * 4);
  const s = size / 64;
  const set = (x, y, [r, g, b], a = 255) => {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= size || y >= size) return;
    const i = (y * size + x) * 4;
    px[i] = r;
    px[i + 1] = g;
    px[i + 2] = b;
    px[i + 3] = a;
  };
  const disc = (cx, cy, rad, colour) => {
    for (let y = Math.floor(cy - rad); y <= cy + rad; y++)
      for (let x = Math.floor(cx - rad); x <= cx + rad; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= rad * rad) set(x, y, colour);
  };
  // Rounded dark-blue tile.
  const r = 10 * s;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const dx = Math.max(r - x, x - (size - 1 - r), 0);
      const dy = Math.max(r - y, y - (size - 1 - r), 0);
      if (dx * dx + dy * dy <= r * r) set(x, y, [23, 50, 94]);
    }
  // The model: a decaying curve, drawn thick in orange.
  const model = (x) => 14 + 36 * Math.exp(-(x - 8) / 16);
  for (let x = 6; x <= 58; x += 0.25) disc(x * s, model(x) * s, 2.2 * s, [245, 166, 35]);
  // Data points with error bars, in white.
  const points = [
    [12, -3],
    [22, 4],
    [32, -2],
    [42, 3],
    [52, -1],
  ];
  for (const [x, off] of points) {
    const y = model(x) + off;
    for (let e = -5; e <= 5; e += 0.5) set(x * s, (y + e) * s, [255, 255, 255]);
    disc(x * s, y * s, 3 * s, [255, 255, 255]);
  }
  return encodePng(size, px);
}

for (const size of [32, 64]) writeFileSync(join(here, `logo-${size}x${size}.png`), draw(size));
