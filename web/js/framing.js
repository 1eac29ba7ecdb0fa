// Step 2's composition: how the person is framed (auto, bust, half, full) and a preview of the
// framed picture, made by POST /api/image/frame with the photo, the person, the framing, the
// background and the video's format (step 6) chosen so far, in that format's shape. The preview follows every change (a little after the last
// one, so a run of taps makes one request); an answer overtaken by a newer choice is dropped.
import { sendJson, showError, clearError } from './api.js';
import { t, onLanguageChange } from './i18n.js';
import { state, onChange, $, el } from './state.js';

export const FRAMINGS = ['auto', 'bust', 'half', 'full'];
const PREVIEW_DELAY_MS = 250;

let timer = null;
let seq = 0;
let shownFor = '';
let previewUrl = null;

function renderChoices() {
  const list = $('framing-choices');
  list.replaceChildren(...FRAMINGS.map((id) => {
    const input = el('input', { type: 'radio', name: 'framing', value: id, id: `framing-${id}` });
    input.checked = state.framing === id;
    input.addEventListener('change', () => {
      state.framing = id;
      schedule();
    });
    return el('div', { className: 'choice-row framing-choice', dataset: { id } }, input,
      el('label', { for: `framing-${id}` },
        el('span', { className: 'choice-name', textContent: t(`framing.${id}`) }),
        el('span', { className: 'choice-meta', textContent: t(`framing.${id}_help`) })));
  }));
}

// The request for the current choices, or null when a choice is still missing.
function previewBody() {
  const photo = state.photo;
  if (!photo || photo.persons.length === 0) return null;
  const person = photo.personIndex ?? (photo.persons.length === 1 ? photo.persons[0].index : null);
  if (person == null || !state.background) return null;
  if (state.background === 'upload' && !state.backgroundKey) return null;
  const body = {
    image_id: photo.imageId, person_index: person, background_id: state.background, framing: state.framing, format: state.format,
  };
  if (state.background === 'upload') body.background_key = state.backgroundKey;
  return body;
}

function setStatus(key) {
  $('framing-status').textContent = key ? t(key) : '';
}

async function refresh() {
  const body = previewBody();
  const wanted = body ? JSON.stringify(body) : '';
  if (wanted === shownFor) return;
  const mine = ++seq;
  const figure = $('framing-preview');
  clearError($('framing-error'));
  if (!body) {
    shownFor = '';
    figure.hidden = true;
    $('format-preview').hidden = true;
    setStatus('framing.waiting');
    return;
  }
  figure.hidden = false;
  figure.setAttribute('aria-busy', 'true');
  setStatus('framing.previewing');
  try {
    const res = await sendJson('/api/image/frame', 'POST', body, { headers: { Accept: 'image/jpeg' } });
    const blob = await res.blob();
    if (mine !== seq) return;
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(blob);
    $('framing-image').src = previewUrl;
    $('format-image').src = previewUrl;
    $('format-preview').hidden = false;
    shownFor = wanted;
    setStatus('framing.ready');
  } catch (err) {
    if (mine !== seq) return;
    shownFor = '';
    setStatus('');
    showError($('framing-error'), err, 'background');
  } finally {
    if (mine === seq) figure.removeAttribute('aria-busy');
  }
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(refresh, PREVIEW_DELAY_MS);
}

export function initFraming() {
  if (!FRAMINGS.includes(state.framing)) state.framing = 'auto';
  renderChoices();
  setStatus('framing.waiting');
  onChange(schedule);
  onLanguageChange(() => {
    renderChoices();
    const busy = $('framing-preview').getAttribute('aria-busy') === 'true';
    setStatus(busy ? 'framing.previewing' : shownFor ? 'framing.ready' : 'framing.waiting');
  });
}
