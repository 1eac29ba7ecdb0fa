// Step 1: the photo. The file (picked, dropped or taken with the camera) is uploaded with a
// presigned form (the same flow as a background picture), shown, and then named by its
// object key to the detect endpoint, which checks and stores it (its image_id is what
// generate takes) and finds the people; they are drawn as boxes over the preview, one to
// tap, chosen at once when alone. The stage is aria-busy while the people are looked for.
import { presignedUpload, sendJson, showError, clearError } from './api.js';
import { t, onLanguageChange, formatBytes } from './i18n.js';
import { state, changed, $, el } from './state.js';

let objectUrl = null;
let uploadSeq = 0;

function setStatus(text) {
  $('photo-status').textContent = text;
}

function drawBoxes() {
  const boxes = $('person-boxes');
  boxes.replaceChildren();
  const photo = state.photo;
  if (!photo) return;
  for (const [n, person] of photo.persons.entries()) {
    const { x1, y1, x2, y2 } = person.bbox;
    const selected = photo.personIndex === person.index;
    const button = el('button', {
      type: 'button',
      className: `person-box${selected ? ' selected' : ''}`,
      ariaPressed: String(selected),
      ariaLabel: t('photo.person_label', { n: n + 1 }),
      dataset: { index: String(person.index) },
    }, el('span', { className: 'person-tag', textContent: String(n + 1) }));
    // Positions in percent of the photo, so the boxes follow the preview's size.
    button.style.left = `${(100 * x1) / photo.width}%`;
    button.style.top = `${(100 * y1) / photo.height}%`;
    button.style.width = `${(100 * (x2 - x1)) / photo.width}%`;
    button.style.height = `${(100 * (y2 - y1)) / photo.height}%`;
    button.addEventListener('click', () => {
      photo.personIndex = person.index;
      drawBoxes();
      updateHint();
      changed();
      boxes.querySelector(`[data-index="${person.index}"]`)?.focus();
    });
    boxes.append(button);
  }
}

function updateHint() {
  const hint = $('person-hint');
  const photo = state.photo;
  hint.classList.remove('warning');
  if (!photo) {
    hint.textContent = '';
    return;
  }
  const count = photo.persons.length;
  if (count === 0) {
    hint.textContent = t('photo.nobody');
    hint.classList.add('warning');
  } else if (count === 1) {
    hint.textContent = t('photo.one_person');
  } else if (photo.personIndex == null) {
    hint.textContent = t('photo.choose_person', { n: count });
  } else {
    const n = photo.persons.findIndex((p) => p.index === photo.personIndex) + 1;
    hint.textContent = t('photo.person_chosen', { n, count });
  }
}

export async function handlePhoto(file) {
  if (!file || state.busy) return;
  const seq = ++uploadSeq;
  clearError($('photo-error'));
  state.photo = null;
  changed();
  if (objectUrl) URL.revokeObjectURL(objectUrl);
  objectUrl = URL.createObjectURL(file);
  const stage = $('photo-stage');
  stage.hidden = true;
  $('person-boxes').replaceChildren();
  setStatus(t('photo.uploading', { percent: 0 }));
  try {
    const objectKey = await presignedUpload('image', file, {
      onProgress: (f) => {
        // In steps of 10 %, so that a screen reader is not flooded with numbers.
        if (seq === uploadSeq) setStatus(f < 1 ? t('photo.uploading', { percent: Math.floor(f * 10) * 10 }) : t('photo.detecting'));
      },
    });
    if (seq !== uploadSeq) return;  // a newer photo replaced this one
    // Uploaded: the photo is shown while the people are looked for.
    $('photo-preview').src = objectUrl;
    stage.setAttribute('aria-busy', 'true');
    stage.hidden = false;
    setStatus(t('photo.detecting'));
    const res = await sendJson('/api/person-detection/detect', 'POST', { object_key: objectKey });
    const json = await res.json();
    if (seq !== uploadSeq) return;
    state.photo = {
      imageId: json.image_id,
      width: json.width,
      height: json.height,
      persons: json.persons || [],
      personIndex: json.persons && json.persons.length === 1 ? json.persons[0].index : null,
    };
    stage.removeAttribute('aria-busy');
    setStatus(json.person_count > 0 ? t('photo.found', { n: json.person_count }) : t('photo.found_none'));
    drawBoxes();
    updateHint();
    changed();
  } catch (err) {
    if (seq !== uploadSeq) return;
    stage.hidden = true;
    stage.removeAttribute('aria-busy');
    setStatus('');
    showError($('photo-error'), err, 'photo');
  }
}

export function resetPhoto() {
  uploadSeq++;
  state.photo = null;
  $('photo-stage').hidden = true;
  $('photo-stage').removeAttribute('aria-busy');
  $('person-boxes').replaceChildren();
  $('photo-input').value = '';
  $('photo-camera').value = '';
  setStatus('');
  clearError($('photo-error'));
  updateHint();
}

function showLimits() {
  $('photo-limits').textContent = t('photo.limits', { max: formatBytes(state.config.image_max_bytes) });
}

export function initPhoto() {
  for (const id of ['photo-input', 'photo-camera']) {
    $(id).addEventListener('change', (e) => {
      const file = e.target.files[0];
      e.target.value = '';  // so that choosing the same file again (after an error) works
      handlePhoto(file);
    });
  }
  const zone = $('photo-drop');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (file) handlePhoto(file);
  });
  onLanguageChange(() => {
    showLimits();
    drawBoxes();
    updateHint();
    if (state.photo) {
      const n = state.photo.persons.length;
      setStatus(n > 0 ? t('photo.found', { n }) : t('photo.found_none'));
    }
  });
  showLimits();
}
