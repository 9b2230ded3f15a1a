// The service worker: the page works offline after its first visit.
//
// Network first, so a new build is picked up at once when online; the cache
// answers only when the network does not. Every URL is relative to this
// file, so the site works under any subpath. It only ever handles GET
// requests to its own origin; there are no others.

const CACHE = 'ltvlab-v1';
const SHELL = [
  './',
  'index.html',
  'app.js',
  'worker.js',
  'i18n.js',
  'charts.js',
  'style.css',
  'vendor/uplot/uPlot.esm.js',
  'vendor/uplot/uPlot.min.css',
  'pkg/ltvlab.js',
  'pkg/ltvlab_bg.wasm',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && response.type === 'basic') {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
        }
        return response;
      })
      .catch(() => caches.match(request, { ignoreSearch: true }).then((cached) => cached ?? Response.error())),
  );
});
