// The page: wires the steps together, the message and style steps, and step 7 (generate,
// live progress, the result with save / share). Plain ES modules, no build step.
import { getJson, sendJson, request, showError, clearError, errorFromResponse, ApiError, LocalError, hasApiKey, setApiKey, clearApiKey } from './api.js';
import { initI18n, setLanguage, language, t, onLanguageChange } from './i18n.js';
import { initPhoto, resetPhoto } from './photo.js';
import { initBackground, loadBackgrounds } from './background.js';
import { initFraming } from './framing.js';
import { initFormat } from './format.js';
import { initCatalogs, loadVoices, loadMusic, playBlob } from './catalogs.js';
import { followProgress, estimateRemaining } from './progress.js';
import { state, onChange, changed, $, el } from './state.js';

// The pipeline's eight steps (current_step names) and the percentage each starts at, as the
// server's progress records carry them (DESIGN.md section 4).
const STEPS = [
  ['upload', 5],
  ['person_detection', 15],
  ['background_removal', 35],
  ['image_optimization', 50],
  ['voice_synthesis', 60],
  ['prosody_adjustment', 70],
  ['audio_mixing', 80],
  ['video_generation', 90],
];
const RESULT_RETRY_MS = 1000;
const RESULT_RETRIES = 30;
const TASK_KEY = 'vmsg.task';
// The step name of the record generate writes before a worker takes the task.
const QUEUED_STEP = 'queued';

// ---- message ----

// Characters as the server counts them (code points, after trimming).
function messageLength() {
  return [...$('message-text').value.trim()].length;
}

let lastOverState = null;
function updateCounter() {
  const max = state.config.text_max_chars;
  const n = messageLength();
  const over = n > max;
  const counter = $('message-counter');
  counter.textContent = t('message.counter', { n, max });
  counter.classList.toggle('over', over);
  counter.classList.toggle('near', !over && n >= max * 0.9);
  $('message-text').setAttribute('aria-invalid', String(over));
  // Announce only when crossing the limit, not on every keystroke.
  if (over !== lastOverState) {
    $('message-limit-live').textContent = over ? t('message.over', { n: n - max }) : lastOverState ? t('message.ok') : '';
    lastOverState = over;
  } else if (over) {
    $('message-limit-live').textContent = t('message.over', { n: n - max });
  }
  changed();
}

// ---- style ----

function styleValues() {
  return { preset: $('style-preset').value, speed: Number($('style-speed').value), pitch: 0, volume: 0 };
}

function updateSpeed() {
  $('style-speed-value').textContent = t('style.speed_value', { x: Number($('style-speed').value).toFixed(1) });
}

async function listen() {
  const status = $('style-status');
  clearError($('style-error'));
  const text = $('message-text').value.trim() || t('style.sample_text');
  const style = styleValues();
  status.textContent = t('style.synthesizing');
  try {
    const res = await sendJson('/api/voice/synthesize', 'POST', {
      text,
      voice_id: state.voiceId || undefined,
      prosody: style.preset,
      speed: style.speed,
    });
    const preset = res.headers.get('X-Prosody-Preset');
    await playBlob(await res.blob());
    status.textContent = preset ? t('style.playing_preset', { preset: t(`style.preset_${preset}`) }) : t('style.playing');
  } catch (err) {
    status.textContent = '';
    showError($('style-error'), err, 'message');
  }
}

// ---- what is missing before generate ----

function missingItems() {
  const missing = [];
  if (!state.photo) missing.push('missing.photo');
  else if (state.photo.persons.length === 0) missing.push('missing.person_none');
  else if (state.photo.persons.length > 1 && state.photo.personIndex == null) missing.push('missing.person');
  if (state.background === 'upload' && !state.backgroundKey) missing.push('missing.background');
  const n = messageLength();
  if (n === 0) missing.push('missing.text');
  else if (n > state.config.text_max_chars) missing.push('missing.text_too_long');
  if (!state.voiceId) missing.push('missing.voice');
  if (!$('consent-check').checked) missing.push('missing.consent');
  return missing;
}

let showMissing = false;
function renderMissing() {
  const list = $('generate-missing');
  const missing = showMissing ? missingItems() : [];
  list.replaceChildren(...missing.map((key) => el('li', { textContent: t(key) })));
}

// ---- generate, progress, result ----

let follower = null;
let currentTask = null;
let cancelRequested = false;
let startedAt = 0;
let lastRecord = null;
let etaTimer = null;

function generateBody() {
  const style = styleValues();
  const body = {
    image_id: state.photo.imageId,
    text: $('message-text').value.trim(),
    voice_id: state.voiceId,
    bgm_id: state.bgmId,
    background_id: state.background,
    framing: state.framing,
    format: state.format,
    prosody: style,
    consent: $('consent-check').checked,
  };
  // The voice decides the language (the server refuses a mismatch); progress texts come from
  // the page's own translations whatever the server's messages are in.
  const voice = state.voices.find((v) => v.id === state.voiceId);
  if (voice && (voice.language === 'ja' || voice.language === 'en')) body.language = voice.language;
  if (state.photo.personIndex != null) body.person_index = state.photo.personIndex;
  if (state.background === 'upload') body.background_key = state.backgroundKey;
  return body;
}

function stepIndexOf(record) {
  if (record.current_step === QUEUED_STEP) return -1;
  const named = STEPS.findIndex(([name]) => name === record.current_step);
  if (named >= 0) return named;
  let index = 0;
  for (const [i, [, pct]] of STEPS.entries()) if (record.percentage >= pct) index = i;
  return index;
}

function renderSteps(record) {
  const list = $('progress-steps');
  const current = record ? stepIndexOf(record) : -1;
  const done = record && record.percentage >= 100;
  list.replaceChildren(...STEPS.map(([name], i) => {
    const stateName = done || i < current ? 'done' : i === current ? 'active' : 'pending';
    const item = el('li', { className: `step-item ${stateName}`, dataset: { step: name, state: stateName } },
      el('span', { className: 'step-mark', ariaHidden: 'true', textContent: stateName === 'done' ? '✓' : stateName === 'active' ? '●' : '○' }),
      el('span', { textContent: t(`progress.steps.${name}`) }),
      el('span', { className: 'visually-hidden', textContent: ` (${t(`progress.state_${stateName}`)})` }));
    if (stateName === 'active') item.setAttribute('aria-current', 'step');
    return item;
  }));
}

function progressMessage(record) {
  if (!record || record.current_step === QUEUED_STEP) return t('progress.queued');
  if (record.percentage >= 100) return t('progress.done');
  if (record.percentage < 0) return record.current_step === 'cancelled' ? t('progress.cancelled') : t('progress.failed');
  const key = `progress.steps.${record.current_step}`;
  const known = STEPS.some(([name]) => name === record.current_step);
  return known ? t(key) : record.message || t('progress.working');
}

function renderEta() {
  const pct = lastRecord ? lastRecord.percentage : 0;
  const left = estimateRemaining(startedAt, pct);
  $('progress-eta').textContent = pct >= 100 || pct < 0 ? '' : left == null ? t('progress.eta_unknown') : left < 60 ? t('progress.eta_seconds', { n: left }) : t('progress.eta_minutes', { n: Math.ceil(left / 60) });
}

function renderProgress(record) {
  lastRecord = record;
  const pct = record ? Math.max(0, Math.min(100, record.percentage)) : 0;
  $('progress-fill').style.width = `${pct}%`;
  const bar = $('progress-bar');
  bar.setAttribute('aria-valuenow', String(pct));
  bar.setAttribute('aria-valuetext', `${pct}% ${progressMessage(record)}`);
  $('progress-percent').textContent = t('progress.percent', { n: pct });
  $('progress-message').textContent = progressMessage(record);
  renderSteps(record);
  renderEta();
}

function setBusy(busy) {
  state.busy = busy;
  $('generate-button').hidden = busy;
  for (const node of document.querySelectorAll('#create-form fieldset, #create-form input, #create-form textarea, #create-form select')) {
    node.disabled = busy;
  }
  document.body.classList.toggle('busy', busy);
}

async function fetchResult(task) {
  for (let attempt = 0; attempt < RESULT_RETRIES; attempt++) {
    const res = await fetch(task.result_url, { cache: 'no-store' });
    if (res.status === 202) {
      await new Promise((r) => setTimeout(r, RESULT_RETRY_MS));
      continue;
    }
    if (!res.ok) throw await errorFromResponse(res);
    const body = await res.json();
    if (body.status === 'SUCCESS') return body;
    throw new ApiError({ status: 200, code: body.code || (body.status === 'REVOKED' ? 'task_cancelled' : 'generation_failed'), detail: body.message || body.error || '' });
  }
  throw new ApiError({ code: 'result_timeout' });
}

function endTask() {
  try {
    sessionStorage.removeItem(TASK_KEY);
  } catch {
    // nothing was kept
  }
  clearInterval(etaTimer);
  etaTimer = null;
  follower = null;
  currentTask = null;
  setBusy(false);
}

async function onProgressEnd(task, record, error) {
  if (task !== currentTask) return;
  $('cancel-button').hidden = true;
  if (error) {
    showError($('generate-error'), error, 'generate');
    endTask();
    return;
  }
  if (record && record.percentage < 0 && (cancelRequested || record.current_step === 'cancelled')) {
    $('progress-panel').hidden = true;
    showError($('generate-error'), new LocalError('progress.cancelled', 'hints.cancelled'));
    endTask();
    return;
  }
  try {
    const result = await fetchResult(task);
    showResult(result);
  } catch (err) {
    showError($('generate-error'), err, 'generate');
  }
  endTask();
}

let resultVideoUrl = null;
let lastResult = null;

function renderResultInfo() {
  const result = lastResult;
  const info = [t('result.info', {
    duration: Number(result.duration_seconds).toFixed(1),
    processing: Number(result.processing_time_seconds ?? 0).toFixed(1),
  })];
  if (result.width && result.height) info.push(t('result.size', { width: result.width, height: result.height }));
  if (result.face_animated === false) info.push(t('result.not_animated'));
  $('result-info').textContent = info.join(' ');
}

function showResult(result) {
  lastResult = result;
  $('progress-panel').hidden = true;
  const panel = $('result-panel');
  const video = $('result-video');
  video.poster = result.thumbnail_url || '';
  if (result.width && result.height) video.style.aspectRatio = `${result.width} / ${result.height}`;
  video.dataset.format = result.format || 'portrait';
  video.src = result.video_url;
  video.dataset.duration = String(result.duration_seconds);
  resultVideoUrl = result.video_url;
  renderResultInfo();
  const download = $('download-link');
  download.href = result.video_url;
  clearError($('share-error'));
  const canShare = shareProbe();
  $('share-button').hidden = !canShare;
  download.hidden = canShare;
  panel.hidden = false;
  $('result-title').focus();
}

function canShareFile(file) {
  try {
    return Boolean(navigator.canShare({ files: [file] }));
  } catch {
    return false;  // a browser that throws on files instead of saying no
  }
}

function shareProbe() {
  if (!navigator.share || !navigator.canShare) return false;
  return canShareFile(new File([new Uint8Array(1)], 'vmsg.mp4', { type: 'video/mp4' }));
}

// Save / share. The share sheet needs the MP4 as a File; a cancelled sheet (AbortError) is
// the user's choice and says nothing. Any other refusal (NotAllowedError when the browser
// or the user's settings refuse, a TypeError for data it will not take) says so in the
// page's own words and offers the download link instead, so the video can still be saved.
// A failed fetch of the video says what went wrong. A browser that can share files but not
// this one (too large, say) downloads it.
let sharing = false;  // one share at a time: a second tap while the sheet opens does nothing

function offerDownload() {
  $('download-link').hidden = false;
}

async function share() {
  if (sharing) return;
  sharing = true;
  const status = $('share-status');
  const errorBox = $('share-error');
  clearError(errorBox);
  try {
    status.textContent = t('result.preparing');
    let file;
    try {
      const blob = await (await request(resultVideoUrl)).blob();
      file = new File([blob], 'vmsg.mp4', { type: 'video/mp4' });
    } catch (err) {
      // Downloading would fail the same way: the message says what to do.
      showError(errorBox, err, 'share');
      return;
    }
    if (!canShareFile(file)) {
      offerDownload();
      $('download-link').click();
      return;
    }
    try {
      await navigator.share({ files: [file], title: t('result.share_title') });
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      showError(errorBox, new LocalError('errors.share_failed', 'hints.share_failed'));
      offerDownload();
    }
  } finally {
    status.textContent = '';
    sharing = false;
  }
}

async function generate(event) {
  event.preventDefault();
  if (state.busy) return;
  clearError($('generate-error'));
  showMissing = true;
  renderMissing();
  if (missingItems().length > 0) {
    $('generate-missing').querySelector('li')?.scrollIntoView({ block: 'nearest' });
    return;
  }
  $('result-panel').hidden = true;
  setBusy(true);
  $('generate-button').hidden = false;
  $('generate-button').disabled = true;
  let task;
  try {
    const res = await sendJson('/api/video/generate', 'POST', generateBody());
    task = await res.json();
  } catch (err) {
    $('generate-button').disabled = false;
    setBusy(false);
    showError($('generate-error'), err, 'generate');
    return;
  }
  $('generate-button').disabled = false;
  follow(task, Date.now());
}

// Shows the progress panel and follows `task`; remembered for this tab so that a reload
// (or a phone that dropped the page) picks the same task up again.
function follow(task, started) {
  setBusy(true);
  $('generate-button').hidden = true;
  currentTask = task;
  cancelRequested = false;
  startedAt = started;
  try {
    sessionStorage.setItem(TASK_KEY, JSON.stringify({ task, started }));
  } catch {
    // not kept across a reload; following works all the same
  }
  $('progress-panel').hidden = false;
  $('cancel-button').hidden = false;
  $('cancel-button').disabled = false;
  renderProgress(null);
  etaTimer = setInterval(renderEta, 1000);
  follower = followProgress(task, {
    onUpdate: (record, channel) => {
      $('progress-panel').dataset.channel = channel;
      renderProgress(record);
    },
    onEnd: (record, error) => onProgressEnd(task, record, error),
  });
}

function resumeTask() {
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(TASK_KEY) || 'null');
  } catch {
    saved = null;
  }
  if (saved && saved.task && saved.task.task_id) follow(saved.task, saved.started || Date.now());
}

async function cancel() {
  if (!currentTask) return;
  $('cancel-button').disabled = true;
  cancelRequested = true;
  $('progress-message').textContent = t('progress.cancelling');
  try {
    await request(`/api/video/tasks/${encodeURIComponent(currentTask.task_id)}`, { method: 'DELETE' });
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'task_finished')) {
      cancelRequested = false;
      $('cancel-button').disabled = false;
      showError($('generate-error'), err);
    }
  }
}

function makeAnother() {
  const video = $('result-video');
  video.pause();
  video.removeAttribute('src');
  video.load();
  $('result-panel').hidden = true;
  $('share-status').textContent = '';
  clearError($('share-error'));
  resetPhoto();
  $('message-text').value = '';
  $('consent-check').checked = false;  // a new photo, a new person to ask
  showMissing = false;
  updateCounter();
  window.scrollTo({ top: 0 });
  $('photo-input').focus();
}

// ---- views and start-up ----

function showView(name) {
  for (const view of ['create', 'library']) {
    $(`view-${view}`).hidden = view !== name;
    const tab = $(`tab-${view}`);
    if (view === name) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
}

async function loadConfig() {
  try {
    const config = await getJson('/api/config');
    Object.assign(state.config, config);
  } catch {
    // An older server without /api/config: keep the defaults (the server still checks).
  }
}

// With VMSG_API_KEYS_REQUIRED the page asks for a key once and keeps it in a cookie, which
// every request of the page carries (fetch, the progress WebSocket, the video itself).
// Resolves once a key the server takes is set.
async function ensureApiKey() {
  if (!state.config.api_key_required) return;
  if (hasApiKey() && (await apiKeyAccepted()) === true) return;
  const dialog = $('key-dialog');
  await new Promise((resolve) => {
    $('key-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      $('key-save').disabled = true;
      setApiKey($('key-input').value.trim());
      const accepted = await apiKeyAccepted();
      $('key-save').disabled = false;
      if (accepted === true) {
        $('key-error').hidden = true;
        dialog.close();
        resolve();
      } else {
        clearApiKey();
        showError($('key-error'), accepted);
      }
    });
    dialog.addEventListener('cancel', (event) => event.preventDefault());  // no way around it
    dialog.showModal();
  });
}

// true when a route that needs the key answers, else the ApiError that says why not.
async function apiKeyAccepted() {
  try {
    await request('/api/backgrounds', { method: 'GET' });
    return true;
  } catch (err) {
    return err;
  }
}

function registerServiceWorker() {
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  }
}

async function main() {
  try {
    await initI18n();
  } catch (err) {
    $('app-error').textContent = `${err.message}`;
    $('app-error').hidden = false;
    return;
  }
  await loadConfig();
  await ensureApiKey();
  $('consent-check').addEventListener('change', renderMissing);
  initPhoto();
  initBackground();
  initFormat();
  initFraming();
  initCatalogs();
  $('lang-toggle').addEventListener('click', () => setLanguage(language() === 'ja' ? 'en' : 'ja'));
  $('tab-create').addEventListener('click', () => showView('create'));
  $('tab-library').addEventListener('click', () => {
    showView('library');
    loadVoices();  // another tab or device may have changed them
    loadMusic();
  });
  $('message-text').addEventListener('input', updateCounter);
  $('style-speed').addEventListener('input', updateSpeed);
  $('style-listen').addEventListener('click', listen);
  $('create-form').addEventListener('submit', generate);
  $('cancel-button').addEventListener('click', cancel);
  $('share-button').addEventListener('click', share);
  $('again-button').addEventListener('click', makeAnother);
  onChange(renderMissing);
  onLanguageChange(() => {
    $('lang-toggle').lang = language() === 'ja' ? 'en' : 'ja';
    updateCounter();
    updateSpeed();
    renderMissing();
    if (!$('progress-panel').hidden) renderProgress(lastRecord);
    if (!$('result-panel').hidden && lastResult) renderResultInfo();
  });
  $('lang-toggle').lang = language() === 'ja' ? 'en' : 'ja';
  updateCounter();
  updateSpeed();
  await Promise.all([loadBackgrounds(), loadVoices(), loadMusic()]);
  resumeTask();
  document.body.dataset.ready = 'true';
  registerServiceWorker();
}

main();
