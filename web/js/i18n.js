// Translations: every text the page shows lives in /i18n/{ja,en}.json. Japanese is the default;
// the choice is kept in localStorage. Elements name their text with data-i18n="key" and their
// attributes with data-i18n-attr="attr:key;attr:key". Dynamic text calls t(key, values).
export const LANGUAGES = ['ja', 'en'];
const STORAGE_KEY = 'vmsg.lang';

let current = 'ja';
const tables = {};
const listeners = [];

function readStored() {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return LANGUAGES.includes(v) ? v : null;
  } catch {
    return null;  // storage blocked (private mode): stay with the default
  }
}

async function load(lang) {
  if (!tables[lang]) {
    const res = await fetch(`/i18n/${lang}.json`);
    if (!res.ok) throw new Error(`i18n ${lang}: HTTP ${res.status}`);
    tables[lang] = await res.json();
  }
  return tables[lang];
}

function lookup(table, key) {
  let node = table;
  for (const part of key.split('.')) {
    if (node == null || typeof node !== 'object') return undefined;
    node = node[part];
  }
  return typeof node === 'string' ? node : undefined;
}

export function language() {
  return current;
}

// True when `key` exists in the current language.
export function has(key) {
  return lookup(tables[current] || {}, key) !== undefined;
}

// The text for `key` with {name} placeholders filled from `values`. A missing key shows as
// the key itself (easy to spot, never blank).
export function t(key, values = {}) {
  const text = lookup(tables[current] || {}, key) ?? lookup(tables.ja || {}, key) ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m));
}

export function applyTranslations(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

// Runs `fn` now and after every language change (for text built by code).
export function onLanguageChange(fn) {
  listeners.push(fn);
}

export async function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) return;
  await load(lang);
  current = lang;
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not kept across visits; the switch still works for this one
  }
  applyTranslations();
  for (const fn of listeners) fn(lang);
}

export async function initI18n() {
  await load('ja');  // the fallback for any key another language lacks
  await setLanguage(readStored() || 'ja');
}

// Formats a number of bytes as the UI shows limits: "10 MB".
export function formatBytes(bytes) {
  const mb = bytes / (1024 * 1024);
  return mb >= 1 ? `${Math.round(mb * 10) / 10} MB` : `${Math.ceil(bytes / 1024)} KB`;
}
