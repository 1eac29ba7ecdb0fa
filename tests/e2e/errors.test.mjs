// Errors from the server as a person meets them: shown in their language with what to do
// next. An oversized photo (refused by the object store the presigned form uploads to), a
// text file passed off as a photo (refused by detect, which reads the stored object), and
// the hourly upload budget running out (VMSG_RATE_LIMIT_UPLOADS=1), which must say when to
// try again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer } from './lib/server.mjs';
import { sharedServerAndBrowser } from './lib/suite.mjs';
import { openPage, screenshot } from './lib/browser.mjs';
import { FACES, ONE_PERSON, oversizedPhoto, scratchFile } from './lib/fixtures.mjs';

// Over the photo limit, but within what the local store's form endpoint reads: the refusal
// is then the upload policy's (S3's EntityTooLarge; entity_too_large from the local store).
const OVER_LIMIT_BYTES = 64 * 1024;
const suite = sharedServerAndBrowser();

test('an oversized photo shows the store\'s refusal of the upload and asks for a smaller photo', async () => {
  const page = await openPage(suite.browser, suite.server.url);
  const limit = await page.evaluate(() => fetch('/api/config').then((r) => r.json()).then((c) => c.image_max_bytes));
  const uploads = [];
  const detects = [];
  page.on('response', (res) => {
    if (res.request().method() !== 'POST') return;
    const path = new URL(res.url()).pathname;
    if (path === '/api/uploads') uploads.push(res);
    if (path === '/api/person-detection/detect') detects.push(res);
  });
  await page.setInputFiles('#photo-input', oversizedPhoto(limit + OVER_LIMIT_BYTES));
  await page.waitForSelector('#photo-error:not([hidden])');
  // The store refused the upload itself, and detect was never asked.
  assert.equal(uploads.length, 1);
  assert.equal(uploads[0].status(), 400);
  assert.equal((await uploads[0].json()).code, 'entity_too_large');
  assert.equal(detects.length, 0);
  assert.equal(await page.getAttribute('#photo-error', 'data-source'), 'store');
  const code = await page.getAttribute('#photo-error', 'data-code');
  assert.ok(['entity_too_large', 'EntityTooLarge'].includes(code), code);
  const text = await page.textContent('#photo-error');
  assert.match(text, /大きすぎます/);
  assert.match(text, /小さい/);  // what to do next
  assert.equal(await page.isVisible('#photo-stage'), false);
  // The same error reads in English after the switch.
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.match(await page.textContent('#photo-error'), /too large/);
  assert.match(await page.textContent('#photo-error'), /smaller photo/);
  await screenshot(page, 'error-oversized-en-390x844');
  await page.context().close();
});

// S3 itself cannot be reached here: its answers to a form POST (the XML of its documented
// errors) are played back in place of the local store's, to check the page reads them.
const S3_REFUSALS = [
  {
    code: 'EntityTooLarge',
    message: 'Your proposed upload exceeds the maximum allowed size',
    ja: [/大きすぎます/, /小さい写真/],
    en: [/too large/, /smaller photo/],
  },
  {
    code: 'AccessDenied',
    message: 'Invalid according to Policy: Policy expired.',
    ja: [/期限が切れました/, /もう一度選んで/],
    en: [/expired/, /again/],
  },
];

for (const refusal of S3_REFUSALS) {
  test(`S3's XML refusal ${refusal.code} of a photo upload reads as the page's own message`, async () => {
    const page = await openPage(suite.browser, suite.server.url);
    await page.route('**/api/uploads', (route) => route.fulfill({
      status: refusal.code === 'AccessDenied' ? 403 : 400,
      contentType: 'application/xml',
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>`,
    }));
    await page.setInputFiles('#photo-input', ONE_PERSON);
    await page.waitForSelector('#photo-error:not([hidden])');
    assert.equal(await page.getAttribute('#photo-error', 'data-source'), 'store');
    assert.equal(await page.getAttribute('#photo-error', 'data-code'), refusal.code);
    const text = await page.textContent('#photo-error');
    for (const re of refusal.ja) assert.match(text, re);
    assert.ok(text.includes(refusal.message), text);  // the store's own words, in small print
    await page.click('#lang-toggle');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    for (const re of refusal.en) assert.match(await page.textContent('#photo-error'), re);
    await page.context().close();
  });
}

test('a text file is refused as a photo', async () => {
  const page = await openPage(suite.browser, suite.server.url);
  const detects = [];
  page.on('response', (res) => {
    if (new URL(res.url()).pathname === '/api/person-detection/detect') detects.push(res);
  });
  const path = scratchFile('not-a-photo.jpg', 'this is a text file, not a photo\n'.repeat(100));
  await page.setInputFiles('#photo-input', path);
  await page.waitForSelector('#photo-error:not([hidden])');
  // The upload went through; detect refused what was stored.
  assert.equal(detects.length, 1);
  assert.equal(detects[0].status(), 400);
  assert.equal(await page.getAttribute('#photo-error', 'data-source'), 'api');
  assert.equal(await page.getAttribute('#photo-error', 'data-code'), 'unsupported_image_type');
  assert.equal(await page.isVisible('#photo-stage'), false);
  const text = await page.textContent('#photo-error');
  assert.match(text, /形式は使えません/);
  assert.match(text, /JPEG・PNG・WebP/);
  await page.context().close();
});

test('a used-up upload budget says when to try again', async () => {
  const limited = await startServer({ VMSG_RATE_LIMIT_UPLOADS: '1' });
  try {
    const page = await openPage(suite.browser, limited.url);
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
  const page = await openPage(suite.browser, suite.server.url);
  await page.setInputFiles('#photo-input', `${FACES}/dogs.jpg`);
  await page.waitForSelector('#photo-stage:not([hidden]):not([aria-busy])');
  assert.equal(await page.locator('.person-box').count(), 0);
  assert.match(await page.textContent('#person-hint'), /人物が見つかりませんでした/);
  assert.equal(await page.isVisible('#photo-error'), false);
  await page.fill('#message-text', 'こんにちは');
  await page.check('#consent-check');
  await page.click('#generate-button');
  assert.deepEqual(await page.locator('#generate-missing li').allTextContents(), ['人物が写った写真を選んでください（ステップ 1）']);
  await page.context().close();
});

test('a server that requires API keys asks for one once, explains a wrong one and keeps the right one', async () => {
  const keyed = await startServer({ VMSG_API_KEYS_REQUIRED: 'true' });
  const context = await suite.browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ja-JP' });
  try {
    const made = execFileSync(process.env.VMSG_BIN, ['keys', 'create', '--name', 'e2e'], {
      env: { ...process.env, VMSG_DATA_DIR: keyed.dataDir },
    }).toString().trim().split('\n').pop();
    assert.match(made, /^vmsg_[0-9a-f]{40}$/);
    const page = await context.newPage();
    await page.goto(keyed.url);
    await page.waitForSelector('#key-dialog[open]');
    assert.equal(await page.textContent('#key-title'), 'APIキー');
    await page.fill('#key-input', `vmsg_${'0'.repeat(40)}`);
    await page.click('#key-save');
    await page.waitForSelector('#key-error:not([hidden])');
    assert.match(await page.textContent('#key-error'), /このAPIキーは使えません/);
    await screenshot(page, 'api-key-refused-ja');
    await page.fill('#key-input', made);
    await page.click('#key-save');
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('#key-dialog[open]').count(), 0);
    assert.ok(await page.locator('#background-grid input[type="radio"]').count() > 1, 'backgrounds load with the key');
    // Kept in the browser: a reload does not ask again.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('#key-dialog[open]').count(), 0);
    // Once the operator revokes it, the next visit asks again.
    const id = execFileSync(process.env.VMSG_BIN, ['keys', 'list', '--json'], {
      env: { ...process.env, VMSG_DATA_DIR: keyed.dataDir },
    }).toString().match(/"id": "(key_[0-9a-f]{16})"/)[1];
    execFileSync(process.env.VMSG_BIN, ['keys', 'revoke', id], { env: { ...process.env, VMSG_DATA_DIR: keyed.dataDir } });
    await page.reload();
    await page.waitForSelector('#key-dialog[open]');
  } finally {
    await context.close();
    await keyed.stop();
  }
});
