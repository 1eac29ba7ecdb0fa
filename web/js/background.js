// Step 2: the background. The preset grid comes from GET /api/backgrounds (thumbnails drawn
// by vmsg); "original", "blurred" and "upload" are the other choices. An uploaded picture
// goes through the presigned upload flow and is passed to generate by its object key.
import { getJson, presignedUpload, showError, clearError } from './api.js';
import { t, language, onLanguageChange } from './i18n.js';
import { state, changed, $, el } from './state.js';

let backgrounds = [];

function nameOf(bg) {
  return (language() === 'ja' ? bg.name_ja : bg.name_en) || bg.name_en || bg.id;
}

function render() {
  const grid = $('background-grid');
  grid.replaceChildren();
  for (const bg of backgrounds) {
    const input = el('input', { type: 'radio', name: 'background', value: bg.id, className: 'visually-hidden' });
    input.checked = state.background === bg.id;
    input.addEventListener('change', () => {
      state.background = bg.id;
      $('background-upload').hidden = bg.id !== 'upload';
      changed();
    });
    const picture = bg.thumbnail_url
      ? el('img', { src: bg.thumbnail_url, alt: '', loading: 'lazy', width: 108, height: 192 })
      : el('span', { className: `swatch swatch-${bg.kind || bg.id}`, ariaHidden: 'true' });
    grid.append(el('label', { className: 'choice-tile', dataset: { id: bg.id } }, input, picture,
      el('span', { className: 'choice-name', textContent: nameOf(bg) })));
  }
}

async function uploadBackground(file) {
  if (!file) return;
  clearError($('background-error'));
  state.backgroundKey = null;
  changed();
  const status = $('background-status');
  status.textContent = t('background.uploading', { percent: 0 });
  try {
    const key = await presignedUpload('image', file, {
      onProgress: (f) => { status.textContent = t('background.uploading', { percent: Math.round(f * 100) }); },
    });
    state.backgroundKey = key;
    const preview = $('background-preview');
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
    status.textContent = t('background.uploaded');
    changed();
  } catch (err) {
    status.textContent = '';
    showError($('background-error'), err, 'background');
  }
}

export async function loadBackgrounds() {
  try {
    const body = await getJson('/api/backgrounds');
    backgrounds = body.backgrounds || [];
    if (!state.background || !backgrounds.some((b) => b.id === state.background)) {
      const firstPreset = backgrounds.find((b) => b.kind === 'preset');
      state.background = firstPreset ? firstPreset.id : 'original';
    }
    render();
    changed();
  } catch (err) {
    showError($('background-error'), err);
  }
}

export function initBackground() {
  $('background-input').addEventListener('change', (e) => uploadBackground(e.target.files[0]));
  onLanguageChange(render);
}
