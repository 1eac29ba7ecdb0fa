#!/usr/bin/env node
// Draws the web UI's icons (web/icons/): an SVG and the PNG sizes a PWA and iOS need, all
// from the one shape described below (a speech bubble with a play sign on a blue tile),
// rasterised here with 4x4 supersampling and written as PNG with Node's own zlib. Nothing is
// downloaded. Run: node scripts/make-web-icons.mjs [output dir]. The browser tests check
// that the committed PNGs are exactly what this script draws.
import { deflateSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TOP = [0x25, 0x63, 0xeb];     // tile gradient, top
const BOTTOM = [0x1e, 0x3a, 0x8a];  // tile gradient, bottom
const WHITE = [0xff, 0xff, 0xff];
const PLAY = [0x1d, 0x4e, 0xd8];
const SUPERSAMPLE = 4;

// The shapes in unit coordinates (0..1 across the icon). A maskable icon fills the whole
// square and keeps its drawing inside the central 80 % safe zone.
function shapes(maskable) {
  const s = maskable ? 0.8 : 1;
  const o = (1 - s) / 2;
  const p = (x, y) => [o + s * x, o + s * y];
  return {
    tileRadius: maskable ? 0 : 0.22,
    bubble: { x1: p(0.18, 0.22)[0], y1: p(0.18, 0.22)[1], x2: p(0.82, 0.66)[0], y2: p(0.82, 0.66)[1], r: 0.11 * s },
    tail: [p(0.3, 0.6), p(0.46, 0.6), p(0.26, 0.8)],
    play: [p(0.43, 0.32), p(0.43, 0.56), p(0.63, 0.44)],
  };
}

function inRoundedRect(x, y, x1, y1, x2, y2, r) {
  if (x < x1 || x > x2 || y < y1 || y > y2) return false;
  const cx = Math.min(Math.max(x, x1 + r), x2 - r);
  const cy = Math.min(Math.max(y, y1 + r), y2 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function inTriangle(x, y, [a, b, c]) {
  const side = (p, q) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  const d1 = side(a, b);
  const d2 = side(b, c);
  const d3 = side(c, a);
  const neg = d1 < 0 || d2 < 0 || d3 < 0;
  const pos = d1 > 0 || d2 > 0 || d3 > 0;
  return !(neg && pos);
}

// The colour (RGB) and coverage (0..1) of one sample point.
function sample(x, y, sh) {
  if (!inRoundedRect(x, y, 0, 0, 1, 1, sh.tileRadius)) return null;
  const b = sh.bubble;
  if (inTriangle(x, y, sh.play)) return PLAY;
  if (inRoundedRect(x, y, b.x1, b.y1, b.x2, b.y2, b.r) || inTriangle(x, y, sh.tail)) return WHITE;
  return TOP.map((c, i) => c + (BOTTOM[i] - c) * y);
}

// RGBA pixels, row by row.
export function renderIcon(size, maskable = false) {
  const sh = shapes(maskable);
  const out = Buffer.alloc(size * size * 4);
  const n = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let bl = 0;
      let a = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const c = sample((px + (sx + 0.5) / SUPERSAMPLE) / size, (py + (sy + 0.5) / SUPERSAMPLE) / size, sh);
          if (!c) continue;
          r += c[0];
          g += c[1];
          bl += c[2];
          a += 1;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(bl / a);
      }
      out[i + 3] = Math.round((255 * a) / n);
    }
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8;  // bit depth
  header[9] = 6;  // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;  // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const f = (v) => Math.round(v * 512 * 100) / 100;
const hex = (c) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

export function iconSvg() {
  const sh = shapes(false);
  const b = sh.bubble;
  const pts = (tri) => tri.map(([x, y]) => `${f(x)},${f(y)}`).join(' ');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">
  <defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hex(TOP)}"/><stop offset="1" stop-color="${hex(BOTTOM)}"/></linearGradient></defs>
  <rect width="512" height="512" rx="${f(sh.tileRadius)}" fill="url(#g)"/>
  <rect x="${f(b.x1)}" y="${f(b.y1)}" width="${f(b.x2 - b.x1)}" height="${f(b.y2 - b.y1)}" rx="${f(b.r)}" fill="#ffffff"/>
  <polygon points="${pts(sh.tail)}" fill="#ffffff"/>
  <polygon points="${pts(sh.play)}" fill="${hex(PLAY)}"/>
</svg>
`;
}

// Every file this script writes: name -> [size, maskable].
export const ICONS = {
  'icon-192.png': [192, false],
  'icon-512.png': [512, false],
  'icon-maskable-512.png': [512, true],
  'apple-touch-icon.png': [180, true],
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] || join(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'icons'));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'icon.svg'), iconSvg());
  for (const [name, [size, maskable]] of Object.entries(ICONS)) {
    writeFileSync(join(outDir, name), encodePng(size, renderIcon(size, maskable)));
  }
  console.log(`icons written to ${outDir}`);
}
