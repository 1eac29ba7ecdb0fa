// Steps 4 and 5 (voices and music) and the "my voices & music" view: the catalogs with ▶
// previews, making a custom voice from a recording, uploading a track, deleting one's own.
// "One's own" is what the server says (?owner=me: made by this browser's vmsg_client cookie),
// so the view never offers to delete another browser's voice or track.
import { getJson, request, postForm, showError, clearError, LocalError } from './api.js';
import { t, has, language, onLanguageChange, formatBytes } from './i18n.js';
import { Recorder, recordingSupported } from './recorder.js';
import { state, changed, $, el } from './state.js';

// ---- ▶ previews: one shared <audio>, one button playing at a time ----

let playingButton = null;

function setPlaying(button, playing) {
  if (!button) return;
  button.classList.toggle('playing', playing);
  button.setAttribute('aria-pressed', String(playing));
  button.querySelector('.play-icon').textContent = playing ? '■' : '▶';
}

// Plays `url` (or stops when this button is already playing).
export function togglePreview(button, url) {
  const audio = $('preview-audio');
  if (playingButton === button && !audio.paused) {
    audio.pause();
    setPlaying(button, false);
    playingButton = null;
    return;
  }
  setPlaying(playingButton, false);
  playingButton = button;
  audio.src = url;
  setPlaying(button, true);
  audio.play().catch(() => setPlaying(button, false));
}

export function playBlob(blob) {
  setPlaying(playingButton, false);
  playingButton = null;
  const audio = $('preview-audio');
  audio.src = URL.createObjectURL(blob);
  return audio.play();
}

function previewButton(label, url) {
  const button = el('button', {
    type: 'button',
    className: 'icon-button preview-button',
    ariaLabel: label,
    ariaPressed: 'false',
  }, el('span', { className: 'play-icon', ariaHidden: 'true', textContent: '▶' }));
  button.addEventListener('click', () => togglePreview(button, url));
  return button;
}

function initAudioEvents() {
  const audio = $('preview-audio');
  const done = () => {
    setPlaying(playingButton, false);
    playingButton = null;
  };
  audio.addEventListener('ended', done);
  audio.addEventListener('error', done);
}

// This browser's own custom voices and user tracks, as the server lists them (?owner=me).
const mine = { voices: [], tracks: [] };

// ---- voices ----

// A system voice's name in the page's language (the catalog's English name for a system voice
// the page has no words for); a custom voice's as its maker typed it.
function voiceName(v) {
  const key = `voice.system_${v.id}`;
  return v.type === 'system' && has(key) ? t(key) : v.name;
}

function voiceDescription(v) {
  const parts = [t(`voice.lang_${v.language}`)];
  if (v.gender) parts.push(t(`voice.gender_${v.gender}`));
  if (v.type === 'custom') parts.push(t('voice.custom_tag'));
  return parts.join(' · ');
}

function renderVoices() {
  const list = $('voice-list');
  list.replaceChildren();
  const ordered = [...state.voices.filter((v) => v.type === 'system'), ...state.voices.filter((v) => v.type !== 'system')];
  for (const v of ordered) {
    const id = `voice-${v.id}`;
    const input = el('input', { type: 'radio', name: 'voice', value: v.id, id });
    input.checked = state.voiceId === v.id;
    input.addEventListener('change', () => {
      state.voiceId = v.id;
      changed();
    });
    list.append(el('div', { className: 'choice-row', dataset: { id: v.id } },
      input,
      el('label', { for: id },
        el('span', { className: 'choice-name', textContent: voiceName(v) }),
        el('span', { className: 'choice-meta', textContent: voiceDescription(v) })),
      previewButton(t('voice.preview', { name: voiceName(v) }), v.preview_url)));
  }
}

export async function loadVoices() {
  try {
    const [body, own] = await Promise.all([
      getJson('/api/voice-clone/profiles'),
      getJson('/api/voice-clone/profiles?owner=me'),
    ]);
    state.voices = body.profiles || [];
    mine.voices = own.profiles || [];
    if (!state.voices.some((v) => v.id === state.voiceId)) {
      const preferred = language() === 'en' ? 'english_female' : 'default_female';
      state.voiceId = (state.voices.find((v) => v.id === preferred) || state.voices[0] || {}).id || null;
    }
    renderVoices();
    renderLibrary();
    changed();
  } catch (err) {
    showError($('voice-error'), err);
  }
}

// ---- making a custom voice ----

const recorder = new Recorder();
let recording = null;  // {blob, filename}
let recordTimer = null;

function setRecording(blob, filename) {
  recording = blob ? { blob, filename } : null;
  const preview = $('voice-recording-preview');
  if (blob) {
    preview.src = URL.createObjectURL(blob);
    preview.hidden = false;
  } else {
    preview.hidden = true;
  }
  updateCreateButton();
}

function updateCreateButton() {
  $('voice-create').disabled = !recording || !$('voice-name').value.trim() || recorder.recording;
}

function recordLimitsText() {
  const r = state.config.voice_recording;
  return t('voice.limits', { min: r.min_seconds, max: r.max_seconds, size: formatBytes(r.max_file_bytes) });
}

async function toggleRecording() {
  const button = $('voice-record');
  const status = $('voice-recording-status');
  clearError($('voice-make-error'));
  if (recorder.recording) {
    clearInterval(recordTimer);
    const { blob, seconds } = await recorder.stop();
    button.textContent = t('voice.record');
    button.setAttribute('aria-pressed', 'false');
    const ext = blob.type.includes('mp4') ? 'm4a' : blob.type.includes('ogg') ? 'ogg' : 'webm';
    setRecording(blob, `recording.${ext}`);
    status.textContent = t('voice.recorded', { seconds: Math.round(seconds) });
    return;
  }
  try {
    await recorder.start();
  } catch (err) {
    status.textContent = '';
    const code = err && err.name === 'NotAllowedError' ? 'mic_denied' : 'mic_unavailable';
    showError($('voice-make-error'), new LocalError(`voice.${code}`, 'voice.mic_hint'));
    return;
  }
  setRecording(null);
  button.textContent = t('voice.stop');
  button.setAttribute('aria-pressed', 'true');
  const max = state.config.voice_recording.max_seconds;
  const tick = () => {
    const s = Math.floor(recorder.elapsedSeconds());
    status.textContent = t('voice.recording', { seconds: s, max });
    if (s >= max) toggleRecording();
  };
  tick();
  recordTimer = setInterval(tick, 1000);
}

async function createVoice() {
  if (!recording) return;
  const name = $('voice-name').value.trim();
  const status = $('voice-make-status');
  const progress = $('voice-progress');
  clearError($('voice-make-error'));
  $('voice-create').disabled = true;
  progress.hidden = false;
  progress.value = 0;
  status.textContent = t('voice.uploading', { percent: 0 });
  const form = new FormData();
  form.append('name', name);
  form.append('language', $('voice-language').value);
  form.append('files', recording.blob, recording.filename);
  try {
    const { json } = await postForm('/api/voice-clone/profiles', form, {
      onProgress: (f) => {
        progress.value = Math.round(f * 90);
        status.textContent = f < 1 ? t('voice.uploading', { percent: Math.round(f * 100) }) : t('voice.analysing');
      },
    });
    progress.value = 100;
    state.voiceId = json.id;
    await loadVoices();
    status.textContent = t('voice.created', { name: json.name });
    setRecording(null);
    $('voice-recording-status').textContent = '';
    $('voice-file').value = '';
    document.querySelector(`#voice-list [data-id="${CSS.escape(json.id)}"] .preview-button`)?.focus();
  } catch (err) {
    status.textContent = '';
    showError($('voice-make-error'), err, 'voice');
  } finally {
    progress.hidden = true;
    updateCreateButton();
  }
}

// ---- music ----

function trackDescription(track) {
  const parts = [];
  if (track.duration_seconds) parts.push(t('music.duration', { seconds: Math.round(track.duration_seconds) }));
  if (track.mood) parts.push(has(`music.mood_${track.mood}`) ? t(`music.mood_${track.mood}`) : track.mood);
  if (track.type === 'user') parts.push(t('music.user_tag'));
  return parts.join(' · ');
}

function renderMusic() {
  const list = $('music-list');
  list.replaceChildren();
  const none = el('input', { type: 'radio', name: 'music', value: '', id: 'music-none' });
  none.checked = state.bgmId === null;
  none.addEventListener('change', () => {
    state.bgmId = null;
    changed();
  });
  list.append(el('div', { className: 'choice-row', dataset: { id: '' } }, none,
    el('label', { for: 'music-none' }, el('span', { className: 'choice-name', textContent: t('music.none') }))));
  const ordered = [...state.tracks.filter((x) => x.type === 'system'), ...state.tracks.filter((x) => x.type !== 'system')];
  for (const track of ordered) {
    const id = `music-${track.id}`;
    const input = el('input', { type: 'radio', name: 'music', value: track.id, id });
    input.checked = state.bgmId === track.id;
    input.addEventListener('change', () => {
      state.bgmId = track.id;
      changed();
    });
    list.append(el('div', { className: 'choice-row', dataset: { id: track.id } }, input,
      el('label', { for: id },
        el('span', { className: 'choice-name', textContent: track.name }),
        el('span', { className: 'choice-meta', textContent: trackDescription(track) })),
      previewButton(t('music.preview', { name: track.name }), track.preview_url || `/api/bgm/tracks/${track.id}/preview`)));
  }
}

let musicLoaded = false;

export async function loadMusic() {
  try {
    const [body, own] = await Promise.all([getJson('/api/bgm/tracks'), getJson('/api/bgm/tracks?owner=me')]);
    state.tracks = body.tracks || [];
    mine.tracks = own.tracks || [];
    if (!musicLoaded) {
      // The first visit starts with the first system track; "no music" stays a choice.
      const first = state.tracks.find((x) => x.type === 'system');
      state.bgmId = first ? first.id : null;
      musicLoaded = true;
    } else if (state.bgmId && !state.tracks.some((x) => x.id === state.bgmId)) {
      state.bgmId = null;
    }
    renderMusic();
    renderLibrary();
    changed();
  } catch (err) {
    showError($('music-error'), err);
  }
}

function updateMusicButton() {
  $('music-submit').disabled = !$('music-file').files[0] || !$('music-name').value.trim();
}

async function uploadMusic() {
  const file = $('music-file').files[0];
  const name = $('music-name').value.trim();
  if (!file || !name) return;
  const status = $('music-upload-status');
  const progress = $('music-progress');
  clearError($('music-upload-error'));
  $('music-submit').disabled = true;
  progress.hidden = false;
  progress.value = 0;
  const form = new FormData();
  form.append('name', name);
  form.append('file', file, file.name);
  try {
    const { json } = await postForm('/api/bgm/tracks', form, {
      onProgress: (f) => {
        progress.value = Math.round(f * 90);
        status.textContent = f < 1 ? t('music.uploading', { percent: Math.round(f * 100) }) : t('music.processing');
      },
    });
    state.bgmId = json.id;
    await loadMusic();
    status.textContent = t('music.uploaded', { name: json.name });
    $('music-file').value = '';
    $('music-file-name').textContent = '';
  } catch (err) {
    status.textContent = '';
    showError($('music-upload-error'), err, 'music');
  } finally {
    progress.hidden = true;
    updateMusicButton();
  }
}

// ---- my voices & music ----

function manageRow(item, kind) {
  const isVoice = kind === 'voice';
  const url = isVoice ? item.preview_url : item.preview_url || `/api/bgm/tracks/${item.id}/preview`;
  const del = el('button', { type: 'button', className: 'button danger small', textContent: t('library.delete') });
  del.setAttribute('aria-label', t('library.delete_label', { name: item.name }));
  del.addEventListener('click', () => deleteItem(item, kind));
  return el('li', { className: 'manage-row', dataset: { id: item.id } },
    el('span', { className: 'choice-name', textContent: item.name }),
    previewButton(t(isVoice ? 'voice.preview' : 'music.preview', { name: item.name }), url),
    del);
}

function renderLibrary() {
  const { voices, tracks } = mine;
  $('library-voices').replaceChildren(...voices.map((v) => manageRow(v, 'voice')));
  $('library-music').replaceChildren(...tracks.map((x) => manageRow(x, 'music')));
  $('library-voices-empty').hidden = voices.length > 0;
  $('library-music-empty').hidden = tracks.length > 0;
}

async function deleteItem(item, kind) {
  if (!window.confirm(t('library.confirm_delete', { name: item.name }))) return;
  clearError($('library-error'));
  const url = kind === 'voice' ? `/api/voice-clone/profiles/${encodeURIComponent(item.id)}` : `/api/bgm/tracks/${encodeURIComponent(item.id)}`;
  try {
    await request(url, { method: 'DELETE' });
    $('library-status').textContent = t('library.deleted', { name: item.name });
    if (kind === 'voice') await loadVoices();
    else await loadMusic();
  } catch (err) {
    showError($('library-error'), err);
  }
}

export function initCatalogs() {
  initAudioEvents();
  $('voice-record').hidden = !recordingSupported();
  $('voice-record').addEventListener('click', toggleRecording);
  $('voice-file').addEventListener('change', (e) => {
    const file = e.target.files[0];
    if (file) {
      setRecording(file, file.name);
      $('voice-recording-status').textContent = t('voice.file_chosen', { name: file.name });
    }
  });
  $('voice-name').addEventListener('input', updateCreateButton);
  $('voice-create').addEventListener('click', createVoice);
  $('music-file').addEventListener('change', (e) => {
    const file = e.target.files[0];
    $('music-file-name').textContent = file ? file.name : '';
    if (file && !$('music-name').value.trim()) $('music-name').value = file.name.replace(/\.[^.]+$/, '').slice(0, 64);
    updateMusicButton();
  });
  $('music-name').addEventListener('input', updateMusicButton);
  $('music-submit').addEventListener('click', uploadMusic);
  const limits = () => {
    $('voice-make').querySelector('.help').textContent = `${t('voice.make_help')} ${recordLimitsText()}`;
    if (!$('voice-name').value.trim() || $('voice-name').dataset.auto === '1') {
      $('voice-name').value = t('voice.default_name');
      $('voice-name').dataset.auto = '1';
    }
    if (!recorder.recording) $('voice-record').textContent = t('voice.record');
  };
  $('voice-name').addEventListener('input', () => { $('voice-name').dataset.auto = '0'; });
  onLanguageChange(() => {
    limits();
    renderVoices();
    renderMusic();
    renderLibrary();
    updateCreateButton();
  });
  limits();
}
