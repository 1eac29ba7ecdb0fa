// Step 6's video shape: the output formats the server offers (GET /api/config `formats`:
// portrait 512x910 by default, portrait_hd, square, landscape), as a choice with each one's
// size, and a small copy of step 2's framed preview in the chosen shape (framing.js makes
// the preview for the format chosen here).
import { t, has, onLanguageChange } from './i18n.js';
import { state, changed, $, el } from './state.js';

// Without /api/config's list (an older server): the spec's portrait only.
const FALLBACK = [{ id: 'portrait', width: 512, height: 910, default: true }];

export function formats() {
  const list = state.config.formats;
  return Array.isArray(list) && list.length > 0 ? list : FALLBACK;
}

// The chosen format's entry.
export function currentFormat() {
  return formats().find((f) => f.id === state.format) ?? formats()[0];
}

// Gives the preview images the chosen shape before their picture arrives.
export function shapePreviews() {
  const { width, height } = currentFormat();
  for (const id of ['framing-image', 'format-image']) {
    const img = $(id);
    img.style.aspectRatio = `${width} / ${height}`;
    img.dataset.format = currentFormat().id;
  }
}

function renderChoices() {
  const list = $('format-choices');
  list.replaceChildren(...formats().map((f) => {
    const input = el('input', { type: 'radio', name: 'format', value: f.id, id: `format-${f.id}` });
    input.checked = state.format === f.id;
    input.addEventListener('change', () => {
      state.format = f.id;
      shapePreviews();
      changed();
    });
    // A format the page has no words for (a newer server) shows its id and size.
    const name = has(`format.${f.id}`) ? t(`format.${f.id}`) : f.id;
    const use = has(`format.${f.id}_help`) ? t(`format.${f.id}_help`) : '';
    const size = use ? t('format.size', { width: f.width, height: f.height, use }) : `${f.width}×${f.height}`;
    return el('div', { className: 'choice-row format-choice', dataset: { id: f.id } }, input,
      el('label', { for: `format-${f.id}` },
        el('span', { className: 'choice-name', textContent: name }),
        el('span', { className: 'choice-meta', textContent: size })));
  }));
}

export function initFormat() {
  const ids = formats().map((f) => f.id);
  if (!ids.includes(state.format)) state.format = (formats().find((f) => f.default) ?? formats()[0]).id;
  renderChoices();
  shapePreviews();
  onLanguageChange(renderChoices);
}
