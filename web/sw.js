// The service worker: keeps the app shell (this page's own files) for offline start-up and
// nothing else. API responses, uploads, presigned downloads and generated videos are never
// touched: they pass straight to the network. Shell files are fetched from the network first
// (the server revalidates them with ETags), the cache answers only when the network fails.
const CACHE = 'vmsg-shell-v4';
const SHELL = [
  '/',
  '/style.css',
  '/manifest.webmanifest',
  '/js/app.js',
  '/js/api.js',
  '/js/background.js',
  '/js/catalogs.js',
  '/js/format.js',
  '/js/framing.js',
  '/js/i18n.js',
  '/js/photo.js',
  '/js/progress.js',
  '/js/recorder.js',
  '/js/state.js',
  '/i18n/ja.json',
  '/i18n/en.json',
  '/icons/icon.svg',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/icons/apple-touch-icon.png',
];

function isShell(url) {
  return url.origin === self.location.origin && SHELL.includes(url.pathname === '/index.html' ? '/' : url.pathname);
}

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (!isShell(url)) return;  // the API, /files/ and videos: not ours to cache
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && response.type === 'basic') {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() => caches.match(request, { ignoreSearch: true }).then((hit) => hit || Response.error())),
  );
});
