// The steps before generation, one by one: a photo with one person is chosen at once, an
// uploaded background goes through the presigned upload flow, the message counter follows
// the server's limit and blocks an over-long text, the style's ▶ speaks the message, the
// generate button lists what is still missing, and music of one's own is uploaded,
// previewed and deleted (by its uploader only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedServerAndBrowser } from './lib/suite.mjs';
import { join } from 'node:path';
import { openPage, artifactsDir } from './lib/browser.mjs';
import { ONE_PERSON, FACES, synthesizedSpeech } from './lib/fixtures.mjs';

const suite = sharedServerAndBrowser({ VMSG_TEXT_MAX_CHARS: '40' });

test('generate first lists what is missing, in the user\'s language', async () => {
  const page = await openPage(suite.browser, suite.server.url);
  await page.click('#generate-button');
  const missing = await page.locator('#generate-missing li').allTextContents();
  assert.deepEqual(missing, ['写真を選んでください（ステップ 1）', 'メッセージを入力してください（ステップ 3）', '写真の人物の同意にチェックしてください（ステップ 7）']);
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.deepEqual(await page.locator('#generate-missing li').allTextContents(), ['Choose a photo (step 1)', 'Type a message (step 3)', 'Tick that the person in the photo agreed (step 7)']);
  await page.check('#consent-check');
  assert.deepEqual(await page.locator('#generate-missing li').allTextContents(), ['Choose a photo (step 1)', 'Type a message (step 3)']);
  assert.equal(await page.isVisible('#progress-panel'), false);
  await page.context().close();
});

test('one person is chosen at once; the counter follows VMSG_TEXT_MAX_CHARS', async () => {
  const page = await openPage(suite.browser, suite.server.url);
  await page.setInputFiles('#photo-input', ONE_PERSON);
  await page.waitForSelector('.person-box');
  assert.equal(await page.getAttribute('.person-box', 'aria-pressed'), 'true');
  assert.equal(await page.textContent('#person-hint'), 'この人が話します。');
  await page.fill('#message-text', 'あ'.repeat(41));
  await page.check('#consent-check');
  assert.equal(await page.textContent('#message-counter'), '41 / 40 文字');
  assert.equal(await page.getAttribute('#message-text', 'aria-invalid'), 'true');
  assert.equal(await page.textContent('#message-limit-live'), '上限を 1 文字超えています。');
  await page.click('#generate-button');
  assert.deepEqual(await page.locator('#generate-missing li').allTextContents(), ['メッセージを短くしてください（ステップ 3）']);
  await page.fill('#message-text', 'ありがとう');
  assert.equal(await page.getAttribute('#message-text', 'aria-invalid'), 'false');
  assert.deepEqual(await page.locator('#generate-missing li').allTextContents(), []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('an uploaded background goes through the presigned form', async () => {
  const page = await openPage(suite.browser, suite.server.url);
  await page.check('input[name=background][value=upload]', { force: true });
  await page.waitForSelector('#background-upload:not([hidden])');
  const form = page.waitForResponse((r) => r.url().endsWith('/api/uploads/presign'));
  await page.setInputFiles('#background-input', `${FACES}/dogs.jpg`);
  const presign = await (await form).json();
  assert.match(presign.object_key, /^images\/uploads\/.+\/original\.jpg$/);
  await page.waitForSelector('#background-preview:not([hidden])');
  assert.equal(await page.textContent('#background-status'), '背景をアップロードしました。');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the framing preview follows the framing and the background, and says why it fails', async () => {
  const page = await openPage(suite.browser, suite.server.url);
  assert.equal(await page.textContent('#framing-status'), '写真と人物を選ぶと、構図のプレビューが表示されます。');
  assert.equal(await page.isVisible('#framing-preview'), false);
  const isFrame = (r) => r.url().endsWith('/api/image/frame');
  const first = page.waitForResponse(isFrame);
  await page.setInputFiles('#photo-input', ONE_PERSON);
  assert.equal((await first).status(), 200);
  await page.waitForSelector('#framing-preview:not([hidden])');
  await page.waitForFunction(() => document.getElementById('framing-image').naturalHeight === 910);
  const firstSrc = await page.getAttribute('#framing-image', 'src');
  // The original background: another request, another picture.
  const second = page.waitForResponse(isFrame);
  await page.check('input[name=background][value=original]', { force: true });
  const body = (await second).request().postDataJSON();
  assert.equal(body.background_id, 'original');
  assert.equal(body.framing, 'auto');
  await page.waitForFunction((src) => document.getElementById('framing-image').src !== src, firstSrc);
  // Three quick changes make one request, for the last of them.
  let frames = 0;
  page.on('request', (r) => { if (isFrame(r)) frames += 1; });
  const last = page.waitForResponse(isFrame);
  await page.check('#framing-half');
  await page.check('#framing-full');
  await page.check('#framing-bust');
  assert.equal((await last).request().postDataJSON().framing, 'bust');
  await page.waitForTimeout(400);
  assert.equal(frames, 1);
  // In English too.
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await page.textContent('#framing-status'), 'Preview ready.');
  assert.equal(await page.textContent('label[for=framing-bust] .choice-name'), 'Close');
  // A refusal is explained in the page's words.
  await page.route('**/api/image/frame', (route) => route.fulfill({
    status: 404,
    contentType: 'application/problem+json',
    body: JSON.stringify({ status: 404, code: 'image_not_found', detail: 'gone' }),
  }));
  await page.check('#framing-half');
  await page.waitForSelector('#framing-error:not([hidden])');
  assert.match(await page.textContent('#framing-error'), /photo was not found/);
  assert.deepEqual(page.problems.filter((p) => !p.includes('404')), []);
  await page.context().close();
});

test('the video shape is offered from /api/config, reshapes the preview and goes with the request', async () => {
  const page = await openPage(suite.browser, suite.server.url);
  // The choices are the server's formats, the spec's portrait first and chosen.
  const config = await page.evaluate(() => fetch('/api/config').then((r) => r.json()));
  const ids = await page.locator('#format-choices input').evaluateAll((inputs) => inputs.map((i) => i.value));
  assert.deepEqual(ids, config.formats.map((f) => f.id));
  assert.equal(await page.isChecked('#format-portrait'), true);
  assert.equal(await page.textContent('label[for=format-landscape] .choice-name'), '横長');
  assert.match(await page.textContent('label[for=format-portrait_hd] .choice-meta'), /^1080×1920・/);
  const isFrame = (r) => r.url().endsWith('/api/image/frame');
  const first = page.waitForResponse(isFrame);
  await page.setInputFiles('#photo-input', ONE_PERSON);
  assert.equal((await first).request().postDataJSON().format, 'portrait');
  await page.waitForFunction(() => document.getElementById('format-image').naturalHeight === 910);
  // Landscape: a new preview at 1920x1080, shown in both places in that shape.
  const wide = page.waitForResponse(isFrame);
  await page.check('#format-landscape');
  assert.equal((await wide).request().postDataJSON().format, 'landscape');
  await page.waitForFunction(() => {
    const img = document.getElementById('framing-image');
    return img.naturalWidth === 1920 && img.naturalHeight === 1080;
  });
  assert.equal(await page.getAttribute('#format-image', 'src'), await page.getAttribute('#framing-image', 'src'));
  const box = await page.locator('#format-image').boundingBox();
  assert.ok(Math.abs(box.width / box.height - 16 / 9) < 0.05, `the small preview is ${box.width}x${box.height}`);
  await page.locator('#step-style').screenshot({ path: join(artifactsDir(), 'format-landscape-ja.png') });
  // The generation asks for it; a refusal is explained in the page's words.
  await page.fill('#message-text', 'ありがとう');
  await page.check('#consent-check');
  await page.route('**/api/video/generate', (route) => route.fulfill({
    status: 400,
    contentType: 'application/problem+json',
    body: JSON.stringify({ status: 400, code: 'invalid_format', detail: 'format must be one of ...' }),
  }));
  const generate = page.waitForRequest((r) => r.url().endsWith('/api/video/generate'));
  await page.click('#generate-button');
  assert.equal((await generate).postDataJSON().format, 'landscape');
  await page.waitForSelector('#generate-error:not([hidden])');
  assert.match(await page.textContent('#generate-error'), /選んだ動画の形は使えません/);
  // In English too.
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await page.textContent('label[for=format-square] .choice-name'), 'Square');
  assert.deepEqual(page.problems.filter((p) => !p.includes('400')), []);
  await page.context().close();
});

test('▶ speaks the message with the chosen style', async () => {
  const page = await openPage(suite.browser, suite.server.url);
  await page.fill('#message-text', 'お誕生日おめでとう！');
  await page.selectOption('#style-preset', 'celebration');
  await page.fill('#style-speed', '1.2');
  const synth = page.waitForRequest((r) => r.url().endsWith('/api/voice/synthesize'));
  await page.click('#style-listen');
  const body = JSON.parse((await synth).postData());
  assert.deepEqual(body, { text: 'お誕生日おめでとう！', voice_id: 'default_female', prosody: 'celebration', speed: 1.2 });
  await page.waitForFunction(() => {
    const a = document.getElementById('preview-audio');
    return !a.paused && a.currentTime > 0;
  });
  assert.equal(await page.textContent('#style-status'), '再生中（スタイル：お祝い）');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('music of one\'s own: uploaded, previewed, listed and deleted', async () => {
  const openapi = await (await fetch(`${suite.server.url}/api/openapi.json`)).json();
  const page = await openPage(suite.browser, suite.server.url);
  const wav = await synthesizedSpeech(suite.server.url, 'ラララ、ラララ、ラララ。今日は楽しい一日です。ラララ、ラララ。', 'default_female');
  await page.click('#music-upload summary');
  await page.setInputFiles('#music-file', wav);
  await page.fill('#music-name', 'テストの曲');
  await page.click('#music-submit');
  if (!openapi.paths['/api/bgm/tracks']?.post) {
    // This build has no track uploads yet: the page says so instead of failing silently.
    await page.waitForSelector('#music-upload-error:not([hidden])');
    assert.match(await page.textContent('#music-upload-error'), /音楽をアップロードできません/);
    await page.context().close();
    return;
  }
  const row = page.locator('#music-list .choice-row', { hasText: 'テストの曲' });
  await row.waitFor();
  assert.equal(await row.locator('input').isChecked(), true);
  const id = await row.getAttribute('data-id');
  await row.locator('.preview-button').click();
  await page.waitForFunction(() => {
    const a = document.getElementById('preview-audio');
    return !a.paused && a.currentTime > 0;
  });
  // Another browser (a context of its own, so without this one's vmsg_client cookie) can
  // pick the track in step 5, but its library does not offer it, and the server refuses its
  // delete.
  const other = await openPage(suite.browser, suite.server.url);
  await other.locator(`#music-list [data-id="${id}"]`).waitFor();
  await other.click('#tab-library');
  assert.equal(await other.isVisible('#library-music-empty'), true);
  assert.equal(await other.locator(`#library-music [data-id="${id}"]`).count(), 0);
  await other.context().close();
  const refused = await fetch(`${suite.server.url}/api/bgm/tracks/${id}`, { method: 'DELETE' });
  assert.equal(refused.status, 403);
  assert.equal((await refused.json()).code, 'not_owner');

  await page.click('#tab-library');
  const item = page.locator(`#library-music [data-id="${id}"]`);
  await item.waitFor();
  page.once('dialog', (d) => d.accept());
  await item.locator('.button.danger').click();
  await item.waitFor({ state: 'detached' });
  assert.equal((await fetch(`${suite.server.url}/api/bgm/tracks/${id}`)).status, 404);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the progress follower falls back from WebSocket to SSE to polling', async () => {
  const page = await openPage(suite.browser, suite.server.url);
  const outcome = await page.evaluate(async () => {
    const { followProgress } = await import('/js/progress.js');
    const id = '0b5e2c1a-9d4e-4f6a-8b7c-1d2e3f4a5b6c';  // no such task
    const seen = [];
    const origWs = window.WebSocket;
    const origEs = window.EventSource;
    window.WebSocket = class extends origWs {
      constructor(...a) { super(...a); seen.push('ws'); }
    };
    window.EventSource = class extends origEs {
      constructor(...a) { super(...a); seen.push('sse'); }
    };
    const origFetch = window.fetch;
    window.fetch = (url, ...rest) => {
      if (String(url).includes('/api/video/status/')) seen.push('poll');
      return origFetch(url, ...rest);
    };
    try {
      return await new Promise((resolve) => {
        followProgress(
          { task_id: id, websocket_url: `/api/ws/progress/${id}`, status_url: `/api/video/status/${id}` },
          { onUpdate: () => {}, onEnd: (record, error) => resolve({ record, code: error && error.code, seen }) },
        );
      });
    } finally {
      window.WebSocket = origWs;
      window.EventSource = origEs;
      window.fetch = origFetch;
    }
  });
  assert.equal(outcome.code, 'task_not_found');
  assert.deepEqual(outcome.seen.slice(0, 2), ['ws', 'sse']);
  assert.ok(outcome.seen.filter((s) => s === 'poll').length >= 5, outcome.seen.join(','));
  await page.context().close();
});
