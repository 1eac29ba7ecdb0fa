// The choices the page has collected so far, shared by the step modules. `changed()` tells
// whoever listens (the generate step) to re-check what is still missing.
export const state = {
  config: {
    text_max_chars: 200,
    image_max_bytes: 10 * 1024 * 1024,
    upload_max_bytes: 10 * 1024 * 1024,
    voice_recording: { max_files: 3, max_file_bytes: 10 * 1024 * 1024, min_seconds: 5, max_seconds: 60 },
  },
  photo: null,          // {imageId, width, height, persons, personIndex}
  background: null,     // a preset id, 'original', 'blurred' or 'upload'
  backgroundKey: null,  // the uploaded background's object key
  framing: 'auto',      // 'auto', 'bust', 'half' or 'full'
  format: 'portrait',   // an id of config.formats: 'portrait', 'portrait_hd', 'square', 'landscape'
  voiceId: null,
  voices: [],
  bgmId: null,          // null: no music
  tracks: [],
  busy: false,          // a video is being made
};

const listeners = [];
export function onChange(fn) {
  listeners.push(fn);
}
export function changed() {
  for (const fn of listeners) fn(state);
}

// Shortcut for document.getElementById.
export const $ = (id) => document.getElementById(id);

// Creates an element: el('p', {className: 'x', textContent: 'y'}, child, ...).
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('aria') || key === 'role' || key === 'for') node.setAttribute(key.replace(/^aria([A-Z])/, (m, c) => `aria-${c.toLowerCase()}`), value);
    else node[key] = value;
  }
  node.append(...children.filter((c) => c != null));
  return node;
}
