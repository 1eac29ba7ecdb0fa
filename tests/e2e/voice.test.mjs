// "Make my voice": a custom voice from an uploaded recording and from the microphone
// (Chromium's fake capture device playing a WAV), previewed with ▶, then listed and deleted
// on the "my voices & music" view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { launch, openPage, screenshot } from './lib/browser.mjs';
import { synthesizedSpeech } from './lib/fixtures.mjs';

const SPEECH = 'こんにちは。今日はとても良い天気ですね。私の声で、お祝いのメッセージを届けます。最後まで聞いてくれてありがとう。';
let server;
let speechWav;

before(async () => {
  server = await startServer();
  speechWav = await synthesizedSpeech(server.url, SPEECH);
});
after(async () => {
  await server?.stop();
});

// Waits until the shared preview <audio> is really playing `path` (the catalog's preview
// route, which redirects to the presigned recording).
async function expectPreviewPlaying(page, path) {
  await page.waitForFunction(() => {
    const a = document.getElementById('preview-audio');
    return !a.paused && a.currentTime > 0 && a.readyState >= 2;
  });
  const src = await page.evaluate(() => document.getElementById('preview-audio').currentSrc);
  assert.equal(new URL(src).pathname, path);
}

async function makeVoice(page, name, setRecording) {
  await page.click('#voice-make summary');
  await page.fill('#voice-name', name);
  await setRecording();
  await page.click('#voice-create');
  await page.waitForFunction((n) => document.getElementById('voice-make-status').textContent.includes(n) ||
    !document.getElementById('voice-make-error').hidden, name);
  assert.equal(await page.isVisible('#voice-make-error'), false, await page.textContent('#voice-make-error'));
  const row = page.locator('#voice-list .choice-row', { hasText: name });
  await row.waitFor();
  const id = await row.getAttribute('data-id');
  assert.match(id, /^custom_[0-9a-f]{12}$/);
  assert.equal(await row.locator('input[type=radio]').isChecked(), true, 'the new voice is chosen');
  return { row, id };
}

test('a custom voice from an uploaded recording, previewed, then deleted', async () => {
  const browser = await launch();
  try {
    const page = await openPage(browser, server.url);
    const { row, id } = await makeVoice(page, 'テストの声', () => page.setInputFiles('#voice-file', speechWav));
    assert.match(await page.textContent('#voice-make-status'), /「テストの声」ができました/);
    await row.locator('.preview-button').click();
    await expectPreviewPlaying(page, `/api/voice-clone/profiles/${id}/preview`);
    assert.equal(await row.locator('.preview-button').getAttribute('aria-pressed'), 'true');
    await screenshot(page, 'voice-created-ja-390x844');

    // Another browser (a context of its own, without this one's vmsg_client cookie) may pick
    // the voice but does not find it in its library.
    const other = await openPage(browser, server.url);
    await other.locator(`#voice-list [data-id="${id}"]`).waitFor();
    await other.click('#tab-library');
    assert.equal(await other.locator(`#library-voices [data-id="${id}"]`).count(), 0);
    assert.equal(await other.isVisible('#library-voices-empty'), true);
    await other.context().close();

    // The library lists it; ▶ works there too; delete asks first, then it is gone everywhere.
    await page.click('#tab-library');
    const item = page.locator(`#library-voices [data-id="${id}"]`);
    await item.waitFor();
    await item.locator('.preview-button').click();
    await expectPreviewPlaying(page, `/api/voice-clone/profiles/${id}/preview`);
    page.once('dialog', (d) => d.accept());
    await item.locator('.button.danger').click();
    await item.waitFor({ state: 'detached' });
    assert.equal(await page.isVisible('#library-voices-empty'), true);
    const res = await fetch(`${server.url}/api/voice-clone/profiles/${id}`);
    assert.equal(res.status, 404);
    await page.click('#tab-create');
    assert.equal(await page.locator(`#voice-list [data-id="${id}"]`).count(), 0);
    assert.deepEqual(page.problems, []);
  } finally {
    await browser.close();
  }
});

test('a custom voice recorded with the microphone (MediaRecorder)', async () => {
  const browser = await launch([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${speechWav}`,
  ]);
  try {
    const page = await openPage(browser, server.url);
    const { row, id } = await makeVoice(page, 'マイクの声', async () => {
      await page.click('#voice-record');
      await page.waitForFunction(() => /録音中… [7-9] 秒/.test(document.getElementById('voice-recording-status').textContent), null, { timeout: 20000 });
      await page.click('#voice-record');
      await page.waitForSelector('#voice-recording-preview:not([hidden])');
    });
    await row.locator('.preview-button').click();
    await expectPreviewPlaying(page, `/api/voice-clone/profiles/${id}/preview`);
    assert.deepEqual(page.problems, []);
  } finally {
    await browser.close();
  }
});
