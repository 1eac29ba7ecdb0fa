// Calls to vmsg's HTTP API. Every failure becomes an ApiError carrying the server's
// problem+json `code`, its `detail` and, for 429, when to try again; describeError() turns
// one into the user's language with what to do next. A presigned upload goes to the object
// store (vmsg's local store, or S3 with its XML errors): its refusals are ApiErrors with
// source 'store' and the store's own code (EntityTooLarge, entity_too_large, AccessDenied...).
import { t, has, language, onLanguageChange } from './i18n.js';

export class ApiError extends Error {
  constructor({ status = 0, code = 'network_error', detail = '', retryAfter = null, source = 'api' } = {}) {
    super(detail || code);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.retryAfter = retryAfter;  // seconds, for 429 and 503
    this.source = source;  // 'api' (vmsg) or 'store' (where a presigned form uploads)
  }
}

function retryAfterSeconds(res) {
  const h = res.headers.get('Retry-After');
  if (!h) return null;
  if (/^\d+$/.test(h.trim())) return Number(h.trim());
  const when = Date.parse(h);
  return Number.isNaN(when) ? null : Math.max(0, Math.round((when - Date.now()) / 1000));
}

// An error found by the page itself (no server involved): an i18n key for the message and
// one for what to do next.
export class LocalError extends Error {
  constructor(key, hintKey = '') {
    super(key);
    this.key = key;
    this.hintKey = hintKey;
  }
}

// The API key, when the server requires one (VMSG_API_KEYS_REQUIRED): a cookie, so that the
// page's WebSocket and <video> requests, which cannot carry a header, carry it too. Strict:
// no other site's page makes the browser send it.
const API_KEY_COOKIE = 'vmsg_api_key';

export function hasApiKey() {
  return document.cookie.split(';').some((c) => c.trim().startsWith(`${API_KEY_COOKIE}=`));
}

export function setApiKey(key) {
  const secure = window.location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = `${API_KEY_COOKIE}=${encodeURIComponent(key)}; Path=/; Max-Age=31536000; SameSite=Strict${secure}`;
}

export function clearApiKey() {
  document.cookie = `${API_KEY_COOKIE}=; Path=/; Max-Age=0; SameSite=Strict`;
}

// Reads a failed response into an ApiError (problem+json when the server sent one).
export async function errorFromResponse(res) {
  let code = `http_${res.status}`;
  let detail = '';
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      const body = await res.json();
      if (body && typeof body.code === 'string') code = body.code;
      detail = body.detail || body.message || body.title || '';
    } catch {
      // a body that is not JSON after all: keep the status code
    }
  }
  if (res.status === 429 && code === `http_429`) code = 'rate_limited';
  return new ApiError({ status: res.status, code, detail, retryAfter: retryAfterSeconds(res) });
}

// fetch() that throws ApiError on a network failure or a status outside 2xx.
export async function request(url, options = {}) {
  let res;
  try {
    res = await fetch(url, options);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError({ code: 'network_error', detail: err.message });
  }
  if (!res.ok) throw await errorFromResponse(res);
  return res;
}

export async function getJson(url, options = {}) {
  const res = await request(url, options);
  return res.json();
}

export async function sendJson(url, method, body, options = {}) {
  return request(url, {
    ...options,
    method,
    headers: { 'Content-Type': 'application/json', ...(options.headers || {}) },
    body: JSON.stringify(body),
  });
}

// An S3-style XML error body: <Error><Code>EntityTooLarge</Code><Message>...</Message></Error>.
function xmlError(text) {
  if (!text || !text.trimStart().startsWith('<')) return null;
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  const code = doc.querySelector('Error > Code');
  if (!code) return null;
  const message = doc.querySelector('Error > Message');
  return { code: code.textContent.trim(), detail: message ? message.textContent.trim() : '' };
}

// POSTs a FormData with upload progress (fetch cannot report it). Resolves to
// {status, json}; rejects with ApiError. `onProgress(fraction)` sees 0..1 of the upload.
// `store`: the URL is an object store's form endpoint (a presigned upload), whose refusals
// may be S3's XML.
export function postForm(url, form, { onProgress, signal, store = false } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.responseType = 'text';
    if (onProgress) {
      xhr.upload.addEventListener('progress', (e) => {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      });
    }
    if (signal) signal.addEventListener('abort', () => xhr.abort());
    xhr.addEventListener('load', () => {
      let json = null;
      try {
        json = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        json = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve({ status: xhr.status, json, xhr });
        return;
      }
      const h = xhr.getResponseHeader('Retry-After');
      const xml = store && !json ? xmlError(xhr.responseText) : null;
      reject(new ApiError({
        status: xhr.status,
        code: (xml && xml.code) || (json && json.code) || (xhr.status === 429 ? 'rate_limited' : `http_${xhr.status}`),
        detail: (xml && xml.detail) || (json && (json.detail || json.message)) || '',
        retryAfter: h && /^\d+$/.test(h) ? Number(h) : null,
        source: store ? 'store' : 'api',
      }));
    });
    xhr.addEventListener('error', () => reject(new ApiError({ code: 'network_error', source: store ? 'store' : 'api' })));
    xhr.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    xhr.send(form);
  });
}

// The presigned upload flow: ask vmsg for a form, POST the file with it straight to the
// object store (vmsg's own /api/uploads, or S3 with S3_BUCKET set), return the object key.
// Refusals of the form come from vmsg, refusals of the file from the store (source 'store').
export async function presignedUpload(kind, file, { onProgress, signal } = {}) {
  const res = await sendJson('/api/uploads/presign', 'POST', { kind, content_type: file.type }, { signal });
  const form = await res.json();
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
  body.append('file', file);
  await postForm(form.url, body, { onProgress, signal, store: true });
  return form.object_key;
}

// What a store's refusal of an upload means, as an i18n key under errors. and hints.: the
// codes of S3's XML errors and of vmsg's local store (problem+json), which refuse alike.
const STORE_REFUSALS = {
  EntityTooLarge: 'upload_too_large',
  entity_too_large: 'upload_too_large',
  payload_too_large: 'upload_too_large',  // the local store's request limit, before the policy's
  http_413: 'upload_too_large',
  EntityTooSmall: 'upload_too_small',
  entity_too_small: 'upload_too_small',
  policy_expired: 'upload_expired',
  ExpiredToken: 'upload_expired',
  AccessDenied: 'upload_denied',
  SignatureDoesNotMatch: 'upload_denied',
  InvalidPolicyDocument: 'upload_denied',
  signature_mismatch: 'upload_denied',
  policy_condition_failed: 'upload_denied',
  malformed_policy: 'upload_denied',
  network_error: 'network_error',
};

function storeRefusal(err) {
  // S3 answers an expired policy with AccessDenied, "Invalid according to Policy: Policy expired."
  if (err.code === 'AccessDenied' && /expired/i.test(err.detail)) return 'upload_expired';
  if (err.code === 'rate_limited' || err.status === 429) return 'rate_limited';
  return STORE_REFUSALS[err.code] || (err.status >= 500 ? 'upload_failed' : 'upload_denied');
}

function formatClock(date) {
  return new Intl.DateTimeFormat(language() === 'ja' ? 'ja-JP' : 'en-GB', {
    hour: '2-digit',
    minute: '2-digit',
  }).format(date);
}

// When to try again, in words: "about 12 minutes (at 14:05)".
export function describeWait(seconds) {
  const at = formatClock(new Date(Date.now() + seconds * 1000));
  if (seconds < 60) return t('errors.wait_seconds', { n: Math.max(1, Math.round(seconds)), at });
  return t('errors.wait_minutes', { n: Math.ceil(seconds / 60), at });
}

// {message, hint} in the current language for any error thrown by these functions.
// `context` picks a more specific text when one exists ("photo", "voice", ...).
export function describeError(err, context = '') {
  if (err instanceof LocalError) {
    return { message: t(err.key), hint: err.hintKey ? t(err.hintKey) : '', detail: '', code: '', source: '' };
  }
  if (!(err instanceof ApiError)) {
    return { message: t('errors.unexpected'), hint: t('hints.retry'), detail: String(err && err.message || err) };
  }
  // The store's codes are its own (S3's or the local store's): read through our meaning of
  // them. The code shown with the details stays the store's.
  const key = err.source === 'store' ? storeRefusal(err) : err.code;
  let message;
  if (context && has(`errors.${context}.${key}`)) message = t(`errors.${context}.${key}`);
  else if (has(`errors.${key}`)) message = t(`errors.${key}`);
  else if (context && has(`errors.${context}.fallback`)) message = t(`errors.${context}.fallback`);
  else if (err.status >= 500) message = t('errors.server');
  else message = t('errors.generic', { status: err.status });
  let hint = '';
  if (context && has(`hints.${context}_${key}`)) hint = t(`hints.${context}_${key}`);
  else if (has(`hints.${key}`)) hint = t(`hints.${key}`);
  else if (context && has(`hints.${context}_fallback`)) hint = t(`hints.${context}_fallback`);
  else if (err.status >= 500 || key === 'network_error') hint = t('hints.retry');
  if (key === 'rate_limited' || err.status === 429) {
    hint = err.retryAfter != null ? t('hints.rate_limited_at', { when: describeWait(err.retryAfter) }) : t('hints.rate_limited');
  }
  return { message, hint, detail: err.detail, code: err.code, source: err.source };
}

// Puts an error into an alert element: the message, what to do next, and the server's own
// words (in its language) for whoever needs the details.
const shownErrors = new Map();  // alert element -> [err, context], redrawn on a language switch
onLanguageChange(() => {
  for (const [el, [err, context]] of shownErrors) {
    if (!el.hidden) renderError(el, err, context);
  }
});

export function showError(el, err, context = '') {
  shownErrors.set(el, [err, context]);
  renderError(el, err, context);
}

function renderError(el, err, context) {
  const { message, hint, detail, code, source } = describeError(err, context);
  el.replaceChildren();
  const p = document.createElement('p');
  p.className = 'alert-message';
  p.textContent = message;
  el.append(p);
  if (hint) {
    const h = document.createElement('p');
    h.className = 'alert-hint';
    h.textContent = hint;
    el.append(h);
  }
  if (detail && code) {
    const d = document.createElement('p');
    d.className = 'alert-detail';
    d.textContent = `${t('errors.server_said')} ${detail} (${code})`;
    el.append(d);
  }
  el.dataset.code = code || '';
  el.dataset.source = source || '';  // 'store' when the object store refused an upload
  el.hidden = false;
}

export function clearError(el) {
  shownErrors.delete(el);
  el.hidden = true;
  el.replaceChildren();
  delete el.dataset.code;
  delete el.dataset.source;
}
