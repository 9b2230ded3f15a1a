// @ts-check
// The page's main thread: it only posts messages to the analysis worker and
// renders what comes back. This module wires the page's controls to the
// modules that do the work:
//
//   app/state.js          the page's state, one object
//   app/worker-client.js  the analysis worker and its helpers (protocol.js: the messages)
//   app/analysis.js       an analysis from start to end: analyse, cancel, the worker's messages
//   app/dashboard.js      the dashboard, drawn section by section in tasks of their own
//   app/whatif.js         the what-if panel's runs; app/intervals.js the CLV intervals
//   sections/*.js         one renderer per section of the page
//
// Every string that comes from the CSV is rendered through text nodes
// (app/dom.js, `el`), never as HTML.

import { LANGUAGES, localize, preferredLanguage } from './i18n.js';
import { analyze, cancel, queryRows, renderError, requestExport } from './app/analysis.js';
import { downloadChart } from './app/chart-registry.js';
import { renderResult } from './app/dashboard.js';
import { byTestId, el, ui } from './app/dom.js';
import { dataCurrency, state } from './app/state.js';
import { resetLevers } from './app/whatif.js';
import { ensureWorker } from './app/worker-client.js';
import { renderTableHead, renderTablePage } from './sections/customers.js';
import { mappingOverrides, renderPreview } from './sections/preview.js';
import { renderStatus, showProgress } from './sections/progress.js';
import { printSheet } from './sections/sheet.js';
import { fillOptions, renderCustomerLists, renderItemList, showRecommendationsProgress } from './sections/recommendations.js';
import { EXPORT_KINDS } from './protocol.js';

const SAMPLE_URL = 'sample/sample-orders.csv';

/** @param {string} lang */
function setLanguage(lang) {
  state.l10n = localize(lang, state.result ? dataCurrency(state.result.report, state.preview?.rows) : null);
  const { l10n } = state;
  document.documentElement.lang = lang;
  ui.lang.value = lang;
  try {
    localStorage.setItem('ltvlab.lang', lang);
  } catch {}
  for (const node of document.querySelectorAll('[data-i18n]')) {
    node.textContent = l10n.t(/** @type {HTMLElement} */ (node).dataset.i18n ?? '');
  }
  document.title = l10n.t('title');
  if (state.preview) renderPreview();
  if (state.result) renderResult();
  renderStatus();
  renderError();
  // A stage shown while the worker is busy, in the new language.
  if (state.job && state.progressShown) showProgress(...state.progressShown);
  if (state.recsJob && state.recsProgressShown) showRecommendationsProgress(state.recsProgressShown);
}

/** @param {string} theme 'auto', 'light' or 'dark' */
function setTheme(theme) {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  ui.theme.value = theme;
  try {
    localStorage.setItem('ltvlab.theme', theme);
  } catch {}
  if (state.result) renderResult();
}

// ---- wiring ---------------------------------------------------------------------------

/**
 * @param {File} file
 * @returns {import('./app/state.js').Source}
 */
const fileSource = (file) => ({ file, name: () => file.name });

ui.fileInput.addEventListener('change', () => {
  const [file] = ui.fileInput.files ?? [];
  if (file) analyze(fileSource(file));
  ui.fileInput.value = ''; // choosing the same file again is a new analysis
});

ui.sample.addEventListener('click', () => analyze({ url: SAMPLE_URL, name: () => state.l10n.t('sample.name') }));
ui.cancel.addEventListener('click', cancel);

// The large orders' note: the same file again, without them or with them.
byTestId('notes').addEventListener('click', (/** @type {Event} */ event) => {
  const button = /** @type {HTMLElement} */ (event.target).closest?.('[data-large-orders]');
  if (!(button instanceof HTMLElement) || !state.source) return;
  state.excludeLarge = button.dataset.largeOrders === 'exclude';
  analyze(state.source);
});

ui.mapping.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!state.source || !state.preview) return;
  state.overrides = mappingOverrides();
  analyze(state.source);
});

ui.dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  ui.dropZone.classList.add('dragging');
});
ui.dropZone.addEventListener('dragleave', () => ui.dropZone.classList.remove('dragging'));
ui.dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  ui.dropZone.classList.remove('dragging');
  const [file] = event.dataTransfer?.files ?? [];
  if (file) analyze(fileSource(file));
});
// A file dropped beside the zone would otherwise replace the page with the file.
window.addEventListener('dragover', (event) => event.preventDefault());
window.addEventListener('drop', (event) => event.preventDefault());

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && state.job) cancel();
});

ui.customers.tHead?.addEventListener('click', (event) => {
  const { view } = state;
  const button = /** @type {HTMLElement | null} */ (/** @type {Element} */ (event.target).closest('button[data-sort]'));
  if (!button) return;
  const key = /** @type {import('./protocol.js').SortKey} */ (button.dataset.sort);
  view.descending = view.sort === key ? !view.descending : key !== 'customer';
  view.sort = key;
  view.page = 0;
  renderTableHead();
  queryRows();
});

ui.search.addEventListener('input', () => {
  const { view } = state;
  clearTimeout(view.searchTimer);
  view.searchTimer = setTimeout(() => {
    view.search = ui.search.value;
    view.page = 0;
    queryRows();
  }, 150);
});
ui.prev.addEventListener('click', () => {
  const { view } = state;
  view.page = Math.max(0, view.page - 1);
  renderTablePage();
});
ui.next.addEventListener('click', () => {
  state.view.page += 1;
  renderTablePage();
});

ui.recsItem.addEventListener('change', renderItemList);
ui.recsCustomer.addEventListener('change', renderCustomerLists);
for (const select of [ui.recsItem, ui.recsCustomer]) {
  for (const type of ['focus', 'pointerdown']) select.addEventListener(type, () => fillOptions(select));
}
document.querySelectorAll('[data-export]').forEach((button) => {
  const kind = EXPORT_KINDS.find((k) => k === /** @type {HTMLElement} */ (button).dataset.export);
  if (kind) button.addEventListener('click', () => requestExport(kind));
});
document.querySelectorAll('[data-chart]').forEach((button) =>
  button.addEventListener('click', () => downloadChart(/** @type {HTMLElement} */ (button).dataset.chart ?? '')),
);
byTestId('print').addEventListener('click', () => window.print());
byTestId('print-summary').addEventListener('click', () => printSheet());
byTestId('whatif-controls').addEventListener('reset', (/** @type {Event} */ event) => {
  event.preventDefault();
  resetLevers();
});
byTestId('whatif-controls').addEventListener('submit', (/** @type {Event} */ event) => event.preventDefault());

ui.lang.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => el('option', { value: code }, name)));
ui.lang.addEventListener('change', () => setLanguage(ui.lang.value));
ui.theme.addEventListener('change', () => setTheme(ui.theme.value));

/** @param {string} key */
function stored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

setLanguage(stored('ltvlab.lang') ?? preferredLanguage());
setTheme(stored('ltvlab.theme') ?? 'auto');

// Offline use after the first visit; relative, so it works under any subpath.
if ('serviceWorker' in navigator) {
  navigator.serviceWorker
    .register('./sw.js', { scope: './' })
    .then(() => navigator.serviceWorker.ready)
    .then(() => {
      ui.offline.dataset.i18n = 'offline.ready';
      ui.offline.textContent = state.l10n.t('offline.ready');
    })
    .catch(() => {});
}

// Start loading the wasm now, so the first analysis does not wait for it.
ensureWorker();
