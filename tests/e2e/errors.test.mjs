// Errors from the server as a person meets them: shown in their language with what to do
// next. An oversized photo, a text file passed off as a photo, and the hourly upload budget
// running out (VMSG_RATE_LIMIT_UPLOADS=1), which must say when to try again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { launch, openPage, screenshot } from './lib/browser.mjs';
import { FACES, ONE_PERSON, oversizedPhoto, scratchFile } from './lib/fixtures.mjs';

const MIB = 1024 * 1024;
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an oversized photo shows the server\'s refusal and asks for a smaller photo', async () => {
  const page = await openPage(browser, server.url);
  const limit = await page.evaluate(() => fetch('/api/config').then((r) => r.json()).then((c) => c.image_max_bytes));
  await page.setInputFiles('#photo-input', oversizedPhoto(limit + MIB));
  await page.waitForSelector('#photo-error:not([hidden])');
  const code = await page.getAttribute('#photo-error', 'data-code');
  assert.ok(['image_too_large', 'payload_too_large'].includes(code), code);
  const text = await page.textContent('#photo-error');
  assert.match(text, /大きすぎます/);
  assert.match(text, /小さい/);  // what to do next
  assert.equal(await page.isVisible('#photo-stage'), false);
  // The same error reads in English after the switch.
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.match(await page.textContent('#photo-error'), /too large/);
  await screenshot(page, 'error-oversized-en-390x844');
  await page.context().close();
});

test('a text file is refused as a photo', async () => {
  const page = await openPage(browser, server.url);
  const path = scratchFile('not-a-photo.jpg', 'this is a text file, not a photo\n'.repeat(100));
  await page.setInputFiles('#photo-input', path);
  await page.waitForSelector('#photo-error:not([hidden])');
  assert.equal(await page.getAttribute('#photo-error', 'data-code'), 'unsupported_image_type');
  const text = await page.textContent('#photo-error');
  assert.match(text, /形式は使えません/);
  assert.match(text, /JPEG・PNG・WebP/);
  await page.context().close();
});

test('a used-up upload budget says when to try again', async () => {
  const limited = await startServer({ VMSG_RATE_LIMIT_UPLOADS: '1' });
  try {
    const page = await openPage(browser, limited.url);
    await page.setInputFiles('#photo-input', ONE_PERSON);
    await page.waitForSelector('.person-box');
    await page.setInputFiles('#photo-input', ONE_PERSON);
    await page.waitForSelector('#photo-error:not([hidden])');
    assert.equal(await page.getAttribute('#photo-error', 'data-code'), 'rate_limited');
    const text = await page.textContent('#photo-error');
    // "約 N 分後（HH:MM 以降）にもう一度お試しください。"
    assert.match(text, /約 \d+ (分|秒)後（\d\d:\d\d 以降）にもう一度お試しください/);
    await screenshot(page, 'error-rate-limited-ja-390x844');
    await page.context().close();
  } finally {
    await limited.stop();
  }
});

test('a photo with nobody in it is explained', async () => {
  const page = await openPage(browser, server.url);
  await page.setInputFiles('#photo-input', `${FACES}/dogs.jpg`);
  await page.waitForSelector('#photo-stage:not([hidden])');
  assert.equal(await page.locator('.person-box').count(), 0);
  assert.match(await page.textContent('#person-hint'), /人物が見つかりませんでした/);
  assert.equal(await page.isVisible('#photo-error'), false);
  await page.fill('#message-text', 'こんにちは');
  await page.click('#generate-button');
  assert.deepEqual(await page.locator('#generate-missing li').allTextContents(), ['人物が写った写真を選んでください（ステップ 1）']);
  await page.context().close();
});
