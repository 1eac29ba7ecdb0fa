// The page as a first visitor sees it: Japanese by default, English with one switch (kept
// across a reload), every control named, no sideways scrolling on a 390 px phone,
// screenshots at 390x844 and 1280x800, the PWA manifest, icons and service worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { join } from 'node:path';
import { sourceDir } from './lib/server.mjs';
import { sharedServerAndBrowser } from './lib/suite.mjs';
import { openPage, screenshot } from './lib/browser.mjs';

const suite = sharedServerAndBrowser();

const visibleTexts = (page) => page.evaluate(() => {
  const out = [];
  for (const node of document.querySelectorAll('body *')) {
    if (node.children.length === 0 && node.offsetParent !== null && node.textContent.trim()) out.push(node.textContent.trim());
  }
  return out;
});

test('Japanese by default; one switch makes every visible text English, kept after reload', async () => {
  const page = await openPage(suite.browser, suite.server.url);
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  assert.equal(await page.textContent('#view-create h1'), 'ビデオメッセージを作る');
  assert.equal(await page.textContent('#h-photo'), '1写真');
  const ja = await visibleTexts(page);
  // No raw i18n key is ever shown.
  assert.deepEqual(ja.filter((s) => /^[a-z_]+(\.[a-z_]+)+$/.test(s)), []);
  assert.ok((await page.textContent('#message-counter')).includes('/ 200'), 'counter shows the server limit');
  // The system voices are named in the page's language (the catalog's names are English).
  const voiceName = (id) => page.textContent(`#voice-list .choice-row[data-id="${id}"] .choice-name`);
  await page.waitForSelector('#voice-list .choice-row[data-id="default_female"]');
  assert.equal(await voiceName('default_female'), '標準の女性の声');
  assert.equal(await voiceName('english_male'), '英語の男性の声');

  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await page.textContent('#view-create h1'), 'Make a video message');
  assert.equal(await page.textContent('#h-voice'), '4Voice');
  assert.equal(await page.textContent('#generate-button'), 'Make the video');
  assert.equal(await voiceName('default_female'), 'Default Female');
  const en = await visibleTexts(page);
  // Apart from names (voices, tracks, "vmsg", the language switch itself), nothing Japanese
  // is left on screen.
  const japanese = en.filter((s) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(s));
  const names = await page.evaluate(() => [...document.querySelectorAll('.choice-name, #lang-toggle')].map((e) => e.textContent.trim()));
  assert.deepEqual(japanese.filter((s) => !names.includes(s)), []);

  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.textContent('#view-create h1'), 'Make a video message');
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'ja');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('every control has an accessible name and the phone layout never scrolls sideways', async () => {
  const page = await openPage(suite.browser, suite.server.url, { viewport: { width: 390, height: 844 } });
  const unnamed = await page.evaluate(() => {
    const bad = [];
    for (const c of document.querySelectorAll('button, input, select, textarea, a[href]')) {
      const named = (c.labels && c.labels.length > 0 && [...c.labels].some((l) => l.textContent.trim())) ||
        c.getAttribute('aria-label') || c.getAttribute('aria-labelledby') || (c.textContent || '').trim() ||
        c.type === 'radio';  // radios are named by their tile or row label
      if (!named) bad.push(c.outerHTML.slice(0, 120));
    }
    return bad;
  });
  assert.deepEqual(unnamed, []);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  // Progress is announced politely, errors assertively.
  assert.equal(await page.getAttribute('#progress-message', 'aria-live'), 'polite');
  assert.equal(await page.getAttribute('#photo-error', 'role'), 'alert');
  // The first Tab lands on the skip link, then the language switch.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'lang-toggle');
  await page.context().close();
});

test('screenshots at 390x844 and 1280x800, in both languages', async () => {
  for (const [w, h] of [[390, 844], [1280, 800]]) {
    const page = await openPage(suite.browser, suite.server.url, { viewport: { width: w, height: h } });
    await screenshot(page, `start-ja-${w}x${h}`);
    await page.click('#lang-toggle');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await screenshot(page, `start-en-${w}x${h}`);
    await page.click('#lang-toggle');
    await page.waitForFunction(() => document.documentElement.lang === 'ja');
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
});

// Decodes an 8-bit RGBA, non-interlaced, filter-0 PNG as make-web-icons.mjs writes it.
function pngPixels(bytes) {
  let offset = 8;
  const idat = [];
  let size = 0;
  while (offset < bytes.length) {
    const len = bytes.readUInt32BE(offset);
    const type = bytes.toString('ascii', offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + len);
    if (type === 'IHDR') size = data.readUInt32BE(0);
    if (type === 'IDAT') idat.push(data);
    offset += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const out = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) raw.copy(out, y * size * 4, y * (size * 4 + 1) + 1, (y + 1) * (size * 4 + 1));
  return { size, pixels: out };
}

test('PWA: manifest, icons drawn by our own script, a service worker caching only the shell', async () => {
  const manifest = await (await fetch(`${suite.server.url}/manifest.webmanifest`)).json();
  assert.equal(manifest.start_url, '/');
  assert.equal(manifest.display, 'standalone');
  const { renderIcon, iconSvg, ICONS } = await import(join(sourceDir(), 'scripts', 'make-web-icons.mjs'));
  for (const icon of manifest.icons) {
    const res = await fetch(`${suite.server.url}${icon.src}`);
    assert.equal(res.status, 200, icon.src);
  }
  for (const [name, [size, maskable]] of Object.entries(ICONS)) {
    const png = pngPixels(readFileSync(join(sourceDir(), 'web', 'icons', name)));
    assert.equal(png.size, size, name);
    assert.ok(png.pixels.equals(renderIcon(size, maskable)), `${name} is not what scripts/make-web-icons.mjs draws`);
  }
  assert.equal(readFileSync(join(sourceDir(), 'web', 'icons', 'icon.svg'), 'utf8'), iconSvg());

  const page = await openPage(suite.browser, suite.server.url);
  await page.evaluate(() => navigator.serviceWorker.ready);
  // Use the API the way the page does, then look at what the worker kept.
  await page.evaluate(() => fetch('/api/backgrounds').then((r) => r.json()));
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  const cached = await page.evaluate(async () => {
    const urls = [];
    for (const name of await caches.keys()) {
      for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
    }
    return urls;
  });
  assert.ok(cached.includes('/') && cached.includes('/js/app.js') && cached.includes('/i18n/en.json'), cached.join(' '));
  assert.deepEqual(cached.filter((p) => p.startsWith('/api/') || p.startsWith('/files/') || p.endsWith('.mp4')), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('ja.json and en.json have the same keys, and every key the page names exists', async () => {
  const load = (lang) => JSON.parse(readFileSync(join(sourceDir(), 'web', 'i18n', `${lang}.json`), 'utf8'));
  const keys = (node, prefix = '') => Object.entries(node).flatMap(([k, v]) =>
    (typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
  const ja = new Set(keys(load('ja')));
  const en = new Set(keys(load('en')));
  assert.deepEqual([...ja].filter((k) => !en.has(k)), [], 'only in ja.json');
  assert.deepEqual([...en].filter((k) => !ja.has(k)), [], 'only in en.json');
  const html = readFileSync(join(sourceDir(), 'web', 'index.html'), 'utf8');
  const named = [...html.matchAll(/data-i18n="([^"]+)"/g)].map((m) => m[1]);
  for (const m of html.matchAll(/data-i18n-attr="([^"]+)"/g)) named.push(...m[1].split(';').map((p) => p.split(':')[1]));
  for (const file of ['app.js', 'api.js', 'photo.js', 'background.js', 'catalogs.js']) {
    const js = readFileSync(join(sourceDir(), 'web', 'js', file), 'utf8');
    named.push(...[...js.matchAll(/\bt\('([a-z_.]+)'/g)].map((m) => m[1]));
  }
  assert.deepEqual(named.filter((k) => !ja.has(k)), [], 'named but missing');
});
