// @ts-check
// The service worker: the page works offline after its first visit.
//
// It handles the app's own files and nothing else: the list below, fetched
// into the cache on install. Any other request (a widget page, a file the
// server happens to serve, anything added later) goes to the network as if
// there were no service worker, and is never stored. Network first, so a new
// build is picked up at once when online; the cache answers only when the
// network does not. Every URL is relative to this file, so the site works
// under any subpath. tests/browser/app.test.mjs checks that the cache holds
// exactly these files and that the page works offline with them.

/** This script's global scope (tsconfig.worker.json checks it with the worker's types). */
const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

const CACHE = 'ltvlab-v3';
/** The app: every file the page and its workers load. */
const APP_FILES = [
  './',
  'index.html',
  'app.js',
  'worker.js',
  'worker/charts-data.js',
  'worker/exports.js',
  'worker/recs-lists.js',
  'worker/intervals.js',
  'worker/ranges.js',
  'worker/range-worker.js',
  'protocol.js',
  'app/analysis.js',
  'app/chart-registry.js',
  'app/dashboard.js',
  'app/dom.js',
  'app/intervals.js',
  'app/state.js',
  'app/whatif.js',
  'app/worker-client.js',
  'sections/acquisition.js',
  'sections/cohorts.js',
  'sections/customers.js',
  'sections/deciles.js',
  'sections/distribution.js',
  'sections/funnel.js',
  'sections/group-effects.js',
  'sections/groups.js',
  'sections/groups-table.js',
  'sections/kpis.js',
  'sections/next-basket.js',
  'sections/notes.js',
  'sections/preview.js',
  'sections/progress.js',
  'sections/ranks.js',
  'sections/recommendations.js',
  'sections/report.js',
  'sections/segments.js',
  'sections/sheet.js',
  'sections/subscription.js',
  'sections/validation.js',
  'sections/whatif.js',
  'i18n.js',
  'charts.js',
  'style.css',
  'vendor/uplot/uPlot.esm.js',
  'vendor/uplot/uPlot.min.css',
  'pkg/ltvlab.js',
  'pkg/ltvlab_bg.wasm',
];
/** Cached when first used rather than on install (1.5 MB the app may never read). */
const ON_USE = ['sample/sample-orders.csv'];

const url = (/** @type {string} */ path) => new URL(path, sw.location.href).href;
const HANDLED = new Set([...APP_FILES, ...ON_USE].map(url));

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(APP_FILES))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const { origin, pathname } = new URL(request.url);
  const key = `${origin}${pathname}`;
  if (!HANDLED.has(key)) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && response.type === 'basic') {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(key, copy)));
        }
        return response;
      })
      .catch(() => caches.match(key).then((cached) => cached ?? Response.error())),
  );
});
