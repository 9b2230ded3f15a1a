// @ts-check
// An analysis from start to end: the page's actions (analyse, cancel) and
// what it does with each message of the analysis worker.

import { FromWorker, ToWorker } from '../protocol.js';
import { errorText, localize } from '../i18n.js';
import { renderNotes } from '../sections/notes.js';
import { renderPreview } from '../sections/preview.js';
import { renderStatus, showProgress } from '../sections/progress.js';
import { renderRecommendationsSection, showRecommendationsProgress } from '../sections/recommendations.js';
import { renderTablePage } from '../sections/customers.js';
import { destroyCharts } from './chart-registry.js';
import { renderResultInSteps } from './dashboard.js';
import { byTestId, download, nextTask, setState, ui } from './dom.js';
import { onIntervals, onIntervalsError, startIntervals, stopIntervals } from './intervals.js';
import { PackedStrings, dataCurrency, newId, state } from './state.js';
import { onShift, onShiftError, onWhatIf, resetWhatIf, runWhatIf, showWhatIfError, startWhatIfHelper, stopWhatIfHelper } from './whatif.js';
import { connect, dropWorker, ensureWorker, post } from './worker-client.js';

/** @typedef {import('../protocol.js').FromWorkerMessage} FromWorkerMessage */
/** @typedef {import('../protocol.js').ResultMessage} ResultMessage */
/** @typedef {import('../protocol.js').FirstFiguresMessage} FirstFiguresMessage */
/** @typedef {import('../protocol.js').RecommendationsMessage} RecommendationsMessage */
/** @typedef {import('../protocol.js').ExportKind} ExportKind */
/** @typedef {import('./state.js').Source} Source */
/** @typedef {import('./state.js').PageResult} PageResult */

/**
 * What the page does with each message of the analysis worker.
 * @param {FromWorkerMessage} message
 */
function onWorkerMessage(message) {
  const { view, whatif, job } = state;
  switch (message.type) {
    case FromWorker.READY:
      ui.version.textContent = message.version;
      return;
    case FromWorker.ROWS:
      if (message.id === view.query) {
        view.rows = message.rows;
        renderTablePage();
      }
      return;
    case FromWorker.FILE:
      if (state.pendingFiles.delete(message.id)) download(message.blob, message.name);
      return;
    case FromWorker.WHATIF:
      onWhatIf(message);
      return;
    case FromWorker.SHIFT:
      onShift(message);
      return;
    case FromWorker.INTERVALS: // a large shop's, computed here (intervals.js)
      onIntervals(message);
      return;
    case FromWorker.RECOMMENDATIONS:
      if (message.id === state.recsJob) onRecommendations(message);
      return;
    case FromWorker.RECS_PROGRESS:
      if (message.id === state.recsJob) showRecommendationsProgress(message);
      return;
    case FromWorker.ERROR: {
      // Scenario and bootstrap errors are the core's messages about this data, not a broken worker.
      if (message.id === whatif.pending?.id) {
        whatif.pending = null;
        showWhatIfError(message.error ?? { code: 'unexpected', params: {}, message: message.message });
        return;
      }
      if (onShiftError(message) || onIntervalsError(message)) return;
      const { id } = message;
      if (job?.id === id || (id !== undefined && state.pendingFiles.delete(id)) || id === view.query || id === state.recsJob) {
        fail(message.message, message.error);
      } else {
        // A cancelled or superseded job; its error may still have left wasm unusable.
        dropWorker();
      }
      return;
    }
  }
  if (!job || message.id !== job.id) return;
  switch (message.type) {
    case FromWorker.PROGRESS:
      showProgress(message.stage, message.percent, message);
      break;
    case FromWorker.PREVIEW:
      state.preview = message.preview;
      renderPreview();
      break;
    case FromWorker.FIRST_FIGURES:
      firstFigures(message);
      break;
    case FromWorker.RESULT:
      finish(message);
      break;
  }
}

/**
 * Analyses `next` (a file, or the sample's URL) with the mapping the user chose for it.
 * @param {Source} next
 */
export function analyze(next) {
  if (state.job) cancel();
  if (state.replaceWorker) {
    // The last models phase trapped: its wasm may be unusable.
    state.replaceWorker = false;
    dropWorker();
    ensureWorker();
  }
  state.firstFigures = 0;
  delete document.body.dataset.firstFigures;
  stopIntervals();
  stopWhatIfHelper();
  state.renderToken++; // stops a dashboard still being drawn
  state.recsJob = 0;
  if (next !== state.source) {
    state.source = next;
    state.preview = null; // the last file's rows must not choose this one's currency
    state.overrides = {};
    state.excludeLarge = false;
    byTestId('summary-period').value = '';
  }
  const id = newId();
  state.job = { id, started: performance.now() };
  setState('working');
  ui.error.hidden = true;
  ui.error.textContent = '';
  state.error = null;
  ui.status.textContent = '';
  state.status = null;
  ui.preview.hidden = true;
  ui.results.forEach((section) => (section.hidden = true));
  destroyCharts();
  showProgress('loading', null);
  ui.progress.hidden = false;
  // The core has no clock: the page tells it today's date (for future-date checks).
  /** @type {import('../pkg/ltvlab.js').IngestOptions} */
  const ingest = { today: localIsoDate(new Date()), mapping: { ...state.overrides } };
  // The large orders' note's button: the same file without them.
  if (state.excludeLarge) ingest.large_orders = 'exclude';
  /** @type {import('../pkg/ltvlab.js').AnalysisOptions} */
  const options = { ingest };
  // A summary file's unit, when the user gave it (the core asks for it: summary_period_needed).
  const period = byTestId('summary-period').value;
  if (period) options.summary = { period };
  post({ type: ToWorker.ANALYZE, id, options, file: next.file, url: next.url });
}

// Most of an analysis is one synchronous wasm call, which no message can
// interrupt: cancel ends the worker and starts a fresh one at once, so the
// next file does not wait for the wasm to load. The preview stays, so a wrong
// column can be fixed and the file analysed again.
export function cancel() {
  if (!state.job) return;
  const hadFocus = ui.progress.contains(document.activeElement);
  dropWorker();
  state.job = null;
  state.recsJob = 0;
  state.pendingFiles.clear();
  state.view.query = 0;
  ui.progress.hidden = true;
  // The first figures without their models would wait for them forever.
  state.renderToken++;
  state.firstFigures = 0;
  delete document.body.dataset.firstFigures;
  ui.results.forEach((section) => (section.hidden = true));
  state.status = { key: 'status.cancelled', params: {} };
  renderStatus();
  setState('idle');
  ensureWorker();
  if (hadFocus) ui.fileInput.focus();
}

/** The error shown, again in the page's language (after a language switch). */
export function renderError() {
  if (state.error && !ui.error.hidden) ui.error.textContent = errorText(state.l10n, state.error);
}

/**
 * Shows the error that ended the analysis, and replaces the worker.
 * @param {string} message
 * @param {import('../protocol.js').DescribedError} [error] its code (kept on the element for tests and styles),
 *   parameters and English text, to say it again after a language switch
 */
function fail(message, error) {
  state.job = null;
  state.recsJob = 0;
  state.pendingFiles.clear();
  state.view.query = 0;
  dropWorker();
  ui.progress.hidden = true;
  ui.error.textContent = message;
  ui.error.dataset.code = error?.code ?? '';
  state.error = error ?? null;
  ui.error.hidden = false;
  setState('error');
}

/**
 * The first figures: everything that needs no model, drawn at once while the
 * worker fits the models (its progress goes on); the model sections say so.
 * @param {FirstFiguresMessage} message
 */
async function firstFigures({ id, result: posted }) {
  const { view, intervals } = state;
  const summary = posted.summary;
  const c = summary?.customers;
  /** @type {PageResult} */
  const result = {
    ...posted,
    summary: summary && c ? {
      ...summary,
      customers: {
        ...c,
        customer_id: new PackedStrings(c.customer_id),
        first_purchase: c.first_purchase && new PackedStrings(c.first_purchase),
        last_purchase: c.last_purchase && new PackedStrings(c.last_purchase),
      },
    } : null,
  };
  state.result = result;
  state.chartData = null;
  state.l10n = localize(state.l10n.lang, dataCurrency(result.report, state.preview?.rows));
  view.page = 0;
  view.rows = null;
  view.search = '';
  ui.search.value = '';
  view.descending = true;
  resetWhatIf();
  stopIntervals();
  intervals.query = 0;
  intervals.data = null;
  intervals.state = 'none';
  if (!(await renderResultInSteps())) return; // the models, or a new analysis, came meanwhile
  if (state.job?.id !== id) return;
  state.firstFigures = id;
  document.body.dataset.firstFigures = 'true';
}

/**
 * The models after the first figures: their sections are drawn, and the
 * dashboard is done. When the models phase failed, the model sections say
 * why and the first figures stand.
 * @param {ResultMessage} message
 */
async function finish({ id, result: posted, charts: nextCharts, error }) {
  const { view, intervals } = state;
  const seconds = (performance.now() - (state.job?.started ?? 0)) / 1000;
  state.job = null;
  const first = state.result;
  ui.progress.hidden = true;
  if (!first) return; // cannot be: the first figures come first
  /** @type {PageResult} */
  const result = posted
    ? { ...first, ...posted, notes: [...first.notes, ...posted.notes], models_pending: false }
    : { ...first, models_pending: false, recommendations_pending: false, models_error: error };
  if (error?.code === 'internal') state.replaceWorker = true;
  state.result = result;
  state.chartData = nextCharts;
  // Again with the models' result: the channel shift reads the channel effects.
  resetWhatIf();
  view.sort = result.predictions ? 'clv' : 'total_spend';
  intervals.state = result.predictions && result.summary ? 'pending' : 'none';
  if (result.summary) queryRows();
  if (result.whatif) runWhatIf(true);
  // After the rows and the what-if's first run, which the worker answers first.
  state.recsJob = result.recommendations_pending ? id : 0;
  if (state.recsJob) {
    const line = byTestId('recs-computing');
    line.textContent = state.l10n.t('recs.computing'); // not the last analysis's stage
    delete line.dataset.stage;
    state.recsProgressShown = null;
    post({ type: ToWorker.RECOMMEND, id });
  }
  state.helpersGate = { id, waiting: state.recsJob ? 2 : 1 };
  // Only the model sections when the first figures are drawn; else all (the
  // models came before the first figures were drawn, which then stopped).
  const drawn = state.firstFigures === id;
  if (!(await renderResultInSteps({ modelsOnly: drawn }))) return; // a new analysis started meanwhile
  state.firstFigures = id;
  document.body.dataset.firstFigures = 'true';
  state.status = result.summary
    ? { key: 'status.done', params: { seconds } }
    : { key: 'status.baskets', params: { seconds, baskets: result.report.stats.orders, items: result.report.stats.items } };
  renderStatus();
  releaseHelpers(id);
  setState('done');
}

// The CLV-interval bootstrap and the what-if helper run in workers of their
// own, each with its own wasm heap and copy of the summary. They start once
// the dashboard is drawn (after the what-if's first run, so the panel does
// not wait for the bootstrap) and the recommendations are in: started beside
// the recommender, their memory added to its peak and they took its cores.
// The what-if helper starts when the bootstrap has ended, so the two never
// hold their memory at once (until then runs with draws go to the analysis
// worker, as before the helper is ready).
/** @param {number} id */
function releaseHelpers(id) {
  const gate = state.helpersGate;
  if (gate?.id !== id || --gate.waiting > 0) return;
  state.helpersGate = null;
  const result = state.result;
  const whatIfHelper = () => {
    if (state.result === result && result?.whatif && result.summary) startWhatIfHelper();
  };
  if (state.intervals.state === 'pending') startIntervals(whatIfHelper);
  else whatIfHelper();
}

// The recommendations arrive after the dashboard (see worker.js): their
// section says so meanwhile. If the dashboard is still being drawn, its last
// step draws them.
/** @param {RecommendationsMessage} message */
async function onRecommendations(message) {
  state.recsJob = 0;
  const token = state.renderToken;
  // Parsed part by part, then drawn, in tasks of their own after this message's.
  /** @type {Record<string, unknown> | null} */
  let recommendations = null;
  if (message.recommendations) {
    recommendations = {};
    let started = -Infinity;
    for (const [key, json] of Object.entries(message.recommendations)) {
      if (performance.now() - started >= PARSE_BUDGET_MS) {
        await nextTask();
        if (token !== state.renderToken) return; // a new analysis started meanwhile
        started = performance.now();
      }
      recommendations[key] = JSON.parse(json);
    }
  }
  await nextTask();
  const result = state.result;
  if (token !== state.renderToken || !result) return;
  result.recommendations = /** @type {import('../pkg/ltvlab.js').RecommendationsResult | null} */ (recommendations);
  result.recommendations_pending = false;
  if (message.notes.length > 0) {
    result.notes = [...result.notes, ...message.notes];
    renderNotes();
  }
  if (!ui.section('exports').hidden) renderRecommendationsSection();
  releaseHelpers(message.id);
}

/**
 * Script time after which the recommendations' parts stop sharing a task:
 * the largest part (the customers' lists, 2.4 MB at 1M lines) takes
 * 10–20 ms to parse.
 */
const PARSE_BUDGET_MS = 8;

/** Asks the worker for the customer rows in the table's order and search. */
export function queryRows() {
  const { view } = state;
  view.query = newId();
  post({ type: ToWorker.QUERY, id: view.query, sort: view.sort, descending: view.descending, search: view.search });
}

/**
 * @param {ExportKind} kind
 * @param {import('../protocol.js').ListName} [list] the list, for kind `list`
 */
export function requestExport(kind, list) {
  const id = newId();
  state.pendingFiles.add(id);
  post({ type: ToWorker.EXPORT, id, kind, list });
}

/** @param {Date} date */
function localIsoDate(date) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

connect({ message: onWorkerMessage, failed: fail });
