// The page's main thread: it only posts messages to the analysis worker and
// renders what comes back. Every string that comes from the CSV is rendered
// through text nodes (textContent, append of strings), never as HTML.
//
// document.body.dataset.state is the page's state, for people and tests alike:
// idle → working → done | error | idle (after cancel, which ends the busy
// worker and starts a fresh one). "done" means the
// dashboard is drawn; the recommendations come after it (the slowest section),
// and their section's data-recommendations goes computing → done.
//
// The worker keeps the per-customer columns; the page asks it for the order
// of rows (sort, search) and renders one page of the table at a time, so no
// main-thread task grows with the number of customers.

import { SERIES, aliveHeatmap, barChart, chartPng, fitWidth, groupedBars, heatmap, lineChart, ltvHistogram } from './charts.js';
import { LANGUAGES, localize, preferredLanguage, reasonText } from './i18n.js';

const PAGE_ROWS = 50;
/** Bootstrap resamples behind each customer's CLV interval (ltvlab predict --intervals uses 200). */
const INTERVAL_SAMPLES = 50;
/** Monte Carlo draws of the what-if intervals, once a slider has settled. */
const WHATIF_DRAWS = 200;
/** Quiet time after the last slider move before the intervals are computed. */
const WHATIF_SETTLE_MS = 250;
const SAMPLE_URL = 'sample/sample-orders.csv';
const TRANSACTION_ROLES = ['customer', 'order', 'date', 'time', 'amount', 'unit_price', 'quantity', 'item',
  'item_name', 'status', 'currency', 'refunded', 'nps', 'group'];
const SUMMARY_ROLES = ['customer', 'frequency', 'recency', 't', 'monetary_value'];

const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);
const ui = {
  lang: byTestId('lang'),
  theme: byTestId('theme'),
  fileInput: byTestId('file-input'),
  dropZone: byTestId('drop-zone'),
  sample: byTestId('sample'),
  progress: byTestId('progress'),
  progressLabel: byTestId('progress-stage'),
  progressBar: document.getElementById('progress-bar'),
  progressPercent: byTestId('progress-percent'),
  cancel: byTestId('cancel'),
  error: byTestId('error'),
  status: byTestId('status'),
  preview: byTestId('preview'),
  mapping: byTestId('mapping'),
  results: document.querySelectorAll('.results'),
  section: (name) => document.querySelector(`[data-section="${name}"]`),
  report: byTestId('ingest-report'),
  customers: byTestId('customers-table'),
  search: byTestId('customer-search'),
  prev: byTestId('page-prev'),
  next: byTestId('page-next'),
  pageLabel: byTestId('page-label'),
  recs: byTestId('recommendations'),
  recsItem: document.getElementById('recs-item'),
  recsCustomer: document.getElementById('recs-customer'),
  version: byTestId('version'),
  offline: byTestId('offline'),
};

let l10n = localize('en');
let worker = null;
let nextId = 1;
let job = null; // {id, name, started, source}
let source = null; // what the last analysis read: {file} or {url}, and its name
let overrides = {}; // role → column chosen by the user for `source`
let previewData = null;
let result = null; // the last AnalysisResult
let chartData = null;
let charts = []; // {chart, stop}
const view = { sort: 'clv', descending: true, search: '', page: 0, rows: null, query: 0 };
const intervals = { state: 'none', query: 0, data: null, message: '', worker: null }; // the customers' CLV intervals
const pendingFiles = new Set();
let recsJob = 0; // the analysis whose recommendations the worker is computing, or 0

// ---- worker lifecycle --------------------------------------------------------

function ensureWorker() {
  if (worker) return worker;
  const created = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  created.addEventListener('message', ({ data }) => onWorkerMessage(data));
  // A failure outside any job's try/catch: the module did not load, or it threw.
  created.addEventListener('error', (event) => {
    event.preventDefault();
    if (created === worker) fail(event.message || l10n.t('error.worker'));
  });
  worker = created;
  return worker;
}

// Replaces the worker after an error: a wasm panic leaves its memory unusable.
// The new one is created lazily, by the next analysis.
function dropWorker() {
  worker?.terminate();
  worker = null;
}

function post(message) {
  ensureWorker().postMessage({ ...message, lang: l10n.lang });
}

function onWorkerMessage(message) {
  switch (message.type) {
    case 'ready':
      ui.version.textContent = message.version;
      return;
    case 'rows':
      if (message.id === view.query) {
        view.rows = message.rows;
        renderTablePage();
      }
      return;
    case 'file':
      if (pendingFiles.delete(message.id)) download(message.blob, message.name);
      return;
    case 'whatif':
      onWhatIf(message);
      return;
    case 'recommendations':
      if (message.id === recsJob) onRecommendations(message);
      return;
    case 'recs-progress':
      if (message.id === recsJob) showRecommendationsProgress(message);
      return;
    case 'error':
      // Scenario and bootstrap errors are the core's messages about this data, not a broken worker.
      if (message.id === whatif.pending?.id) {
        whatif.pending = null;
        showWhatIfError(message.message);
        return;
      }
      if (job?.id === message.id || pendingFiles.delete(message.id) || message.id === view.query || message.id === recsJob) {
        fail(message.message);
      } else {
        // A cancelled or superseded job; its error may still have left wasm unusable.
        dropWorker();
      }
      return;
  }
  if (!job || message.id !== job.id) return;
  switch (message.type) {
    case 'progress':
      showProgress(message.stage, message.percent, message);
      break;
    case 'preview':
      previewData = message.preview;
      renderPreview();
      break;
    case 'result':
      finish(message);
      break;
  }
}

// ---- actions -----------------------------------------------------------------

function analyze(next) {
  if (job) cancel();
  stopIntervals();
  stopWhatIfHelper();
  renderToken++; // stops a dashboard still being drawn
  recsJob = 0;
  if (next !== source) {
    source = next;
    overrides = {};
    byTestId('summary-period').value = '';
  }
  const id = nextId++;
  job = { id, started: performance.now() };
  setState('working');
  ui.error.hidden = true;
  ui.error.textContent = '';
  ui.status.textContent = '';
  status = null;
  ui.preview.hidden = true;
  ui.results.forEach((section) => (section.hidden = true));
  destroyCharts();
  showProgress('loading', null);
  ui.progress.hidden = false;
  // The core has no clock: the page tells it today's date (for future-date checks).
  const options = { ingest: { today: localIsoDate(new Date()), mapping: { ...overrides } } };
  // A summary file's unit, when the user gave it (the core asks for it: summary_period_needed).
  const period = byTestId('summary-period').value;
  if (period) options.summary = { period };
  post({ type: 'analyze', id, options, file: source.file, url: source.url });
}

// Most of an analysis is one synchronous wasm call, which no message can
// interrupt: cancel ends the worker and starts a fresh one at once, so the
// next file does not wait for the wasm to load. The preview stays, so a wrong
// column can be fixed and the file analysed again.
function cancel() {
  if (!job) return;
  const hadFocus = ui.progress.contains(document.activeElement);
  dropWorker();
  job = null;
  recsJob = 0;
  pendingFiles.clear();
  view.query = 0;
  ui.progress.hidden = true;
  status = { key: 'status.cancelled', params: {} };
  renderStatus();
  setState('idle');
  ensureWorker();
  if (hadFocus) ui.fileInput.focus();
}

function fail(message) {
  job = null;
  recsJob = 0;
  pendingFiles.clear();
  view.query = 0;
  dropWorker();
  ui.progress.hidden = true;
  ui.error.textContent = message;
  ui.error.hidden = false;
  setState('error');
}

async function finish({ id, result: next, charts: nextCharts }) {
  const seconds = (performance.now() - job.started) / 1000;
  job = null;
  result = next;
  if (result.summary) {
    const c = result.summary.customers;
    for (const key of ['customer_id', 'first_purchase', 'last_purchase']) if (c[key]) c[key] = new PackedStrings(c[key]);
  }
  chartData = nextCharts;
  ui.progress.hidden = true;
  const currency = result.report.stats?.currencies?.[0]?.[0] ?? null;
  l10n = localize(l10n.lang, currency);
  view.page = 0;
  view.rows = null;
  view.search = '';
  ui.search.value = '';
  view.sort = result.predictions ? 'clv' : 'total_spend';
  view.descending = true;
  resetWhatIf();
  stopIntervals();
  intervals.query = 0;
  intervals.data = null;
  intervals.state = result.predictions && result.summary ? 'pending' : 'none';
  if (result.summary) queryRows();
  if (result.whatif) runWhatIf(true);
  // After the rows and the what-if's first run, which the worker answers first.
  recsJob = result.recommendations_pending ? id : 0;
  if (recsJob) {
    const line = byTestId('recs-computing');
    line.textContent = l10n.t('recs.computing'); // not the last analysis's stage
    delete line.dataset.stage;
    recsProgressShown = null;
    post({ type: 'recommend', id });
  }
  helpersGate = { id, waiting: recsJob ? 2 : 1 };
  if (!(await renderResultInSteps())) return; // a new analysis started meanwhile
  status = result.summary
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
let helpersGate = null;
function releaseHelpers(id) {
  if (helpersGate?.id !== id || --helpersGate.waiting > 0) return;
  helpersGate = null;
  if (intervals.state === 'pending') startIntervals();
  if (result.whatif && result.summary) startWhatIfHelper();
}

/**
 * A string column as the worker posts it: one text and the end offset of each
 * string, because the structured clone of 100k separate strings costs the
 * main thread tens of ms. `at(i)` and `length`, like an array.
 */
class PackedStrings {
  constructor({ text, ends }) {
    this.text = text;
    this.ends = ends;
    this.length = ends.length;
  }

  at(i) {
    return this.text.slice(i > 0 ? this.ends[i - 1] : 0, this.ends[i]);
  }

  /** The column as posted, for another worker. */
  packed() {
    return { text: this.text, ends: this.ends };
  }
}

function queryRows() {
  view.query = nextId++;
  post({ type: 'query', id: view.query, sort: view.sort, descending: view.descending, search: view.search });
}

function requestExport(kind) {
  const id = nextId++;
  pendingFiles.add(id);
  post({ type: 'export', id, kind });
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function localIsoDate(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// The status line, kept as a message key so it follows the language switch.
let status = null;
function renderStatus() {
  if (!status) return;
  const { seconds, baskets, items } = status.params;
  ui.status.textContent = l10n.t(status.key, {
    name: source.name(),
    seconds: seconds === undefined ? '' : l10n.decimal(seconds),
    baskets: baskets === undefined ? '' : l10n.integer(baskets),
    items: items === undefined ? '' : l10n.integer(items),
  });
}

function setState(state) {
  document.body.dataset.state = state;
}

// ---- rendering: static text, progress ------------------------------------------

function setLanguage(lang) {
  const currency = result?.report.stats?.currencies?.[0]?.[0] ?? null;
  l10n = localize(lang, currency);
  document.documentElement.lang = lang;
  ui.lang.value = lang;
  try {
    localStorage.setItem('ltvlab.lang', lang);
  } catch {}
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = l10n.t(node.dataset.i18n);
  document.title = l10n.t('title');
  if (previewData) renderPreview();
  if (result) renderResult();
  renderStatus();
  // A stage shown while the worker is busy, in the new language.
  if (job && progressShown) showProgress(...progressShown);
  if (recsJob && recsProgressShown) showRecommendationsProgress(recsProgressShown);
}

function setTheme(theme) {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  ui.theme.value = theme;
  try {
    localStorage.setItem('ltvlab.theme', theme);
  } catch {}
  if (result) renderResult();
}

/** `step` of `steps` (both optional) numbers the stages of the analysis proper. */
let progressShown = null; // the arguments of the last showProgress, for a language switch
function showProgress(stage, value, { step, steps } = {}) {
  progressShown = [stage, value, { step, steps }];
  const label = l10n.t(`stage.${stage}`);
  ui.progressLabel.textContent = step ? l10n.t('progress.step', { step, steps, stage: label }) : label;
  ui.progress.dataset.stage = stage;
  if (value === null || value === undefined) {
    ui.progressBar.removeAttribute('value'); // indeterminate
    ui.progressPercent.textContent = '';
  } else {
    ui.progressBar.value = value;
    ui.progressPercent.textContent = l10n.percent(value / 100);
  }
}

// ---- rendering: preview and mapping ------------------------------------------------

function renderPreview() {
  const { report, rows } = previewData;
  ui.preview.hidden = false;
  byTestId('preview-format').textContent = l10n.t('preview.format', {
    preset: l10n.preset(report.preset),
    encoding: report.encoding,
  });
  const mapped = Object.fromEntries(report.mapping.map((m) => [m.role, m.name]));
  const roles = report.kind === 'summary' ? SUMMARY_ROLES : report.kind === 'baskets' ? [] : TRANSACTION_ROLES;
  const fields = roles.map((role) => {
    const select = el(
      'select',
      { name: role, 'data-role': role, id: `map-${role}` },
      el('option', { value: '' }, l10n.t('preview.none')),
      ...report.columns.map((column, index) => el('option', { value: `#${index + 1}` }, column)),
    );
    const current = report.mapping.find((m) => m.role === role);
    select.value = current ? `#${current.index + 1}` : '';
    if (!(role in mapped)) select.classList.add('unmapped');
    return el('label', { class: 'mapping-role' }, el('span', {}, l10n.t(`role.${role}`)), select);
  });
  ui.mapping.querySelector('.mapping-roles').replaceChildren(...fields);
  ui.mapping.hidden = roles.length === 0;
  byTestId('summary-period-field').hidden = report.kind !== 'summary';

  const previewTable = byTestId('preview-table');
  previewTable.tHead.replaceChildren(el('tr', {}, ...report.columns.map((c) => el('th', { scope: 'col' }, c))));
  previewTable.tBodies[0].replaceChildren(...rows.map((row) => el('tr', {}, ...row.map((cell) => el('td', {}, cell)))));
}

// The user's choices relative to what was detected: only changed roles become overrides.
function mappingOverrides() {
  const detected = Object.fromEntries(previewData.report.mapping.map((m) => [m.role, `#${m.index + 1}`]));
  const chosen = { ...overrides };
  for (const select of ui.mapping.querySelectorAll('.mapping-roles select')) {
    const role = select.dataset.role;
    if ((detected[role] ?? '') !== select.value) chosen[role] = select.value;
  }
  return chosen;
}

// ---- rendering: results --------------------------------------------------------

// The dashboard in steps, each its own task, so that drawing a dozen charts and
// tables never blocks the main thread for long (issue: no task over 50 ms).
function resultSteps() {
  const { summary } = result;
  return [
    () => {
      destroyCharts();
      ui.section('report').hidden = false;
      byTestId('kpi-customers').closest('section').hidden = false;
      renderReport(result.report);
      renderKpis();
      renderNotes();
    },
    () => {
      ui.section('customers').hidden = !summary;
      if (summary) {
        renderTableHead();
        if (view.rows) renderTablePage();
      }
      renderIntervalNote();
    },
    () => {
      ui.section('charts').hidden = !chartData;
      renderCharts('ltv');
    },
    () => renderCharts('alive'),
    () => renderValidation('holdout'),
    () => renderValidation('tracking'),
    () => {
      ui.section('whatif').hidden = !result.whatif;
      // Where the data show no customer leaving, the retention lever rests on
      // the model's assumptions, not on the shop's customers: say so.
      byTestId('whatif-dropout').hidden = result.predictions?.base.dropout_identified !== false;
      if (result.whatif) renderWhatIfControls();
      if (whatif.last) renderWhatIf(whatif.last, whatif.lastMs);
    },
    () => {
      ui.section('segments').hidden = !result.segments;
      if (result.segments) renderSegments();
      ui.section('cohorts').hidden = !result.cohorts;
      if (result.cohorts) renderCohorts();
    },
    () => {
      renderRecommendationsSection();
      ui.section('exports').hidden = false;
      byTestId('export-customers').hidden = !summary;
    },
  ];
}

// The recommendations arrive after the dashboard (see worker.js): their
// section says so meanwhile. If the dashboard is still being drawn, its last
// step draws them.
async function onRecommendations(message) {
  recsJob = 0;
  const token = renderToken;
  // Parsed, then drawn, each in a task of its own after this message's.
  await nextTask();
  if (token !== renderToken) return; // a new analysis started meanwhile
  const recommendations = message.recommendations && JSON.parse(message.recommendations);
  await nextTask();
  if (token !== renderToken) return;
  result.recommendations = recommendations;
  result.recommendations_pending = false;
  if (message.notes.length > 0) {
    result.notes = [...result.notes, ...message.notes];
    renderNotes();
  }
  if (!ui.section('exports').hidden) renderRecommendationsSection();
  releaseHelpers(message.id);
}

/** The recommender's stage in its section's "computing" line (it has no progress bar). */
let recsProgressShown = null; // the last stage shown, for a language switch
function showRecommendationsProgress({ stage, percent, step, steps }) {
  recsProgressShown = { stage, percent, step, steps };
  const line = byTestId('recs-computing');
  line.dataset.stage = stage;
  line.textContent = l10n.t('recs.computing.step', {
    step,
    steps,
    stage: l10n.t(`recs.stage.${stage}`),
    percent: l10n.percent(percent / 100),
  });
}

function renderRecommendationsSection() {
  // Posted as JSON text, parsed here in a task of its own (see worker.js).
  if (typeof result.recommendations === 'string') result.recommendations = JSON.parse(result.recommendations);
  const { recommendations } = result;
  const pending = Boolean(result.recommendations_pending);
  ui.recs.hidden = !recommendations && !pending;
  ui.recs.dataset.recommendations = pending ? 'computing' : 'done';
  byTestId('recs-computing').hidden = !pending;
  ui.recs.querySelector('.recs-body').hidden = !recommendations;
  if (recommendations) renderRecommendations();
  byTestId('export-recs-csv').hidden = !recommendations;
  byTestId('export-recs-json').hidden = !recommendations;
}

function renderResult() {
  for (const step of resultSteps()) step();
}

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

let renderToken = 0;
/** renderResult, yielding to the event loop between steps; false if superseded. */
async function renderResultInSteps() {
  const token = ++renderToken;
  // Not in the task that received the result: its structured clone alone is ~20 ms at 1M lines.
  await nextTask();
  for (const [index, step] of resultSteps().entries()) {
    if (token !== renderToken) return false;
    const started = performance.now();
    step();
    // Visible in DevTools' performance panel and to scripts/bench-browser.mjs.
    performance.measure(`ltvlab:render-${index}`, { start: started });
    await nextTask();
  }
  return token === renderToken;
}

/** The purchase model's name as the papers write it. */
function modelName(model) {
  return { bgnbd: 'BG/NBD', mbgnbd: 'MBG/NBD', pareto: 'Pareto/NBD' }[model] ?? model ?? '';
}

function setKpi(id, value, format, label, how) {
  const card = byTestId(id);
  card.hidden = false;
  card.dataset.value = value === null || value === undefined ? '' : String(value);
  card.querySelector('dt').textContent = label;
  card.querySelector('dd').textContent = value === null || value === undefined ? l10n.t('kpi.unknown') : format(value);
  card.querySelector('.how').textContent = how;
}

function renderKpis() {
  const { summary, predictions, report } = result;
  const t = l10n.t;
  let customers = null;
  let orders = report.stats.orders;
  let revenue = null;
  let repeatRate = null;
  if (summary) {
    const c = summary.customers;
    customers = c.customer_id.length;
    orders = c.orders ? sum(c.orders) : null;
    revenue = c.total_spend ? sum(c.total_spend) : null;
    let repeaters = 0;
    for (let i = 0; i < customers; i++) if ((c.orders ? c.orders[i] : c.frequency[i] + 1) > 1) repeaters++;
    repeatRate = customers > 0 ? repeaters / customers : null;
  }
  setKpi('kpi-customers', customers, l10n.integer, t('kpi.customers'), t('kpi.customers.how'));
  setKpi('kpi-orders', orders, l10n.integer, t('kpi.orders'), t('kpi.orders.how'));
  setKpi('kpi-revenue', revenue, l10n.money, t('kpi.revenue'), t('kpi.revenue.how'));
  setKpi('kpi-aov', orders > 0 && revenue !== null ? revenue / orders : null, l10n.money, t('kpi.aov'), t('kpi.aov.how'));
  setKpi('kpi-repeat-rate', repeatRate, l10n.percent, t('kpi.repeat-rate'), t('kpi.repeat-rate.how'));
  // Baskets have orders only: the per-customer cards would only show dashes.
  for (const id of ['kpi-customers', 'kpi-revenue', 'kpi-aov', 'kpi-repeat-rate']) byTestId(id).hidden = !summary;

  const p = predictions;
  const months = p?.base.horizon_months ?? 12;
  const f = p?.formula;
  const window = f ? l10n.decimal(Math.round(f.churn_window_months * 10) / 10) : '12';
  setKpi('kpi-churn', f?.churn_rate, l10n.percent, t('kpi.churn', { window }), t('kpi.churn.how', { window }));
  // Where the data show no customer leaving, P(alive) is "no evidence of leaving",
  // not "still active": say so instead of showing 100% (ltvlab::predict::dropout_identified).
  const model = modelName(result.model_choice?.model);
  const identified = p?.base.dropout_identified !== false;
  const alive = identified ? p?.base.mean_p_alive : null;
  setKpi(
    'kpi-alive',
    alive,
    l10n.percent,
    t('kpi.alive'),
    identified ? t('kpi.alive.how', { model, gone: alive === undefined || alive === null ? '' : l10n.percent(1 - alive) }) : t('kpi.alive.unidentified'),
  );
  byTestId('kpi-alive').dataset.identified = String(identified);
  const choice = byTestId('model-choice');
  choice.hidden = !result.model_choice;
  choice.dataset.reason = result.model_choice?.reason ?? '';
  choice.textContent = result.model_choice ? t(`model-choice.${result.model_choice.reason}`, { model }) : '';
  setKpi(
    'kpi-ltv-formula',
    f?.formula_ltv,
    l10n.money,
    t('kpi.ltv-formula'),
    f && f.formula_ltv !== null
      ? t('kpi.ltv-formula.how', {
          aov: l10n.money(f.average_order_value),
          ppm: l10n.decimal(f.purchases_per_month),
          life: l10n.decimal(f.expected_lifetime_months),
        })
      : t('kpi.ltv-formula.undefined'),
  );
  setKpi('kpi-ltv-model', p?.base.mean_clv, l10n.money, t('kpi.ltv-model', { months }), t('kpi.ltv-model.how', { months, model }));
  setKpi(
    'kpi-revenue-12m',
    p?.base.expected_revenue,
    l10n.money,
    t('kpi.revenue-12m', { months }),
    t('kpi.revenue-12m.how'),
  );
  // Without predictions the model cards say nothing; hide them rather than show dashes.
  for (const id of ['kpi-churn', 'kpi-alive', 'kpi-ltv-formula', 'kpi-ltv-model', 'kpi-revenue-12m']) {
    byTestId(id).hidden = !p;
  }
  const ratio = f?.formula_ltv && f.model_ltv > 0 ? l10n.decimal(Math.round((f.formula_ltv / f.model_ltv) * 10) / 10) : null;
  byTestId('ltv-compare').textContent = t('kpi.compare', { ratio });
}

function renderNotes() {
  const notes = byTestId('notes');
  notes.hidden = result.notes.length === 0;
  notes.querySelector('ul').replaceChildren(
    ...result.notes.map((note) => el('li', { 'data-code': note.code }, `${l10n.t(`note.${note.code}`)} (${note.message})`)),
  );
  const diagnostics = result.predictions?.diagnostics ?? [];
  const details = byTestId('diagnostics');
  details.hidden = diagnostics.length === 0;
  details.querySelector('ul').replaceChildren(...diagnostics.map((d) => el('li', {}, d)));
}

// ---- charts ------------------------------------------------------------------------

function destroyCharts() {
  for (const { chart, stop } of charts) {
    stop();
    chart.destroy();
  }
  charts = [];
}

/** Removes the named charts (all when `names` is omitted). */
function dropCharts(names) {
  for (const entry of charts.filter((c) => names.includes(c.name))) {
    entry.stop();
    entry.chart.destroy();
  }
  charts = charts.filter((c) => !names.includes(c.name));
}

/** The LTV histogram, then (unless `part` is 'ltv') the P(alive) heatmap. */
function renderCharts(part) {
  if (part !== 'alive') renderLtvChart();
  if (part !== 'ltv') renderAliveChart();
}

function renderLtvChart() {
  dropCharts(['ltv']);
  if (!chartData) return;
  const months = result.predictions.base.horizon_months;
  const ltvFigure = byTestId('chart-ltv');
  ltvFigure.querySelector('[data-role="how"]').textContent = l10n.t('chart.ltv.how', { months });
  ltvFigure.querySelector('[data-role="above"]').textContent = chartData.ltv.above
    ? l10n.t('chart.ltv.above', { count: l10n.integer(chartData.ltv.above), value: l10n.money(chartData.ltv.cap) })
    : '';
  const ltvPlot = ltvFigure.querySelector('.plot');
  ltvPlot.replaceChildren();
  ltvPlot.setAttribute('aria-label', `${l10n.t('chart.ltv.title')}. ${l10n.t('chart.ltv.how', { months })}`);
  const ltv = ltvHistogram(ltvPlot, chartData.ltv, l10n);
  charts.push({ chart: ltv, stop: fitWidth(ltv, ltvPlot), name: 'ltv', title: l10n.t('chart.ltv.title') });
}

function renderAliveChart() {
  dropCharts(['alive']);
  if (!chartData) return;
  const aliveFigure = byTestId('chart-alive');
  const hover = aliveFigure.querySelector('[data-role="hover"]');
  hover.textContent = '';
  const alivePlot = aliveFigure.querySelector('.plot');
  alivePlot.replaceChildren();
  // An all-100% map where the data show no customer leaving would say
  // "everyone is still buying": say what is known instead.
  const identified = result.predictions?.base.dropout_identified !== false;
  aliveFigure.dataset.identified = String(identified);
  aliveFigure.querySelector('.heat-legend').hidden = !identified;
  if (!identified) {
    alivePlot.append(el('p', { class: 'note', 'data-role': 'unidentified' }, l10n.t('chart.alive.unidentified')));
    return;
  }
  alivePlot.setAttribute('aria-label', `${l10n.t('chart.alive.title')}. ${l10n.t('chart.alive.how')}`);
  const alive = aliveHeatmap(alivePlot, chartData.heat, l10n, (text) => (hover.textContent = text));
  charts.push({ chart: alive, stop: fitWidth(alive, alivePlot), name: 'alive', title: l10n.t('chart.alive.title') });
}

async function downloadChart(name) {
  const entry = charts.find((c) => c.name === name);
  if (!entry) return;
  download(await chartPng(entry.chart, entry.title), `ltvlab-${name}.png`);
}

// ---- segments and cohorts --------------------------------------------------------------

function addChart(name, title, container, chart) {
  charts.push({ chart, stop: fitWidth(chart, container), name, title });
}

function renderSegments() {
  const report = result.segments;
  const t = l10n.t;
  const shown = report.segments.filter((s) => s.customers > 0);
  const label = (s) => t(`segment.${s.segment}`);
  const plot = byTestId('chart-segments').querySelector('.plot');
  plot.replaceChildren();
  plot.setAttribute('aria-label', t('segments.heading'));
  addChart(
    'segments',
    t('segments.heading'),
    plot,
    barChart(plot, { labels: shown.map(label), values: shown.map((s) => s.customers), yTitle: t('segments.chart.y'), format: l10n.integer }),
  );

  const columns = [
    ['customers', (s) => l10n.integer(s.customers)],
    ['revenue_share', (s) => l10n.percent(s.revenue_share)],
    ['aov', (s) => (s.aov === null ? '—' : l10n.money(s.aov))],
    ['repeat_rate', (s) => l10n.percent(s.repeat_rate)],
    ...(report.modeled
      ? [
          ['model_ltv', (s) => (s.model_ltv === null ? '—' : l10n.money(s.model_ltv))],
          // Not shown where the data show no customer leaving (see renderKpis).
          ['mean_p_alive', (s) => (s.mean_p_alive === null || result.predictions?.base.dropout_identified === false ? '—' : l10n.percent(s.mean_p_alive))],
        ]
      : []),
  ];
  const tableEl = byTestId('segments-table');
  tableEl.tHead.replaceChildren(
    el('tr', {}, el('th', { scope: 'col' }, t('segments.col.segment')), ...columns.map(([key]) => el('th', { scope: 'col', class: 'num' }, t(`segments.col.${key}`)))),
  );
  tableEl.tBodies[0].replaceChildren(
    ...shown.map((s) =>
      el('tr', { 'data-segment': s.segment }, el('th', { scope: 'row' }, label(s)), ...columns.map(([key, format]) => el('td', { class: 'num', 'data-column': key }, format(s)))),
    ),
  );

  const parts = [];
  for (const list of report.follow_up) {
    const noteKey = `segments.followup.note.${list.note}`;
    const note = t(noteKey) === noteKey ? list.note : t(noteKey);
    const params = { count: l10n.integer(list.count), min: list.min_days, max: list.max_days, note };
    const items = list.customers.slice(0, 10).map((c) =>
      el('li', {}, t('segments.customer', { id: c.customer_id, days: l10n.integer(c.days_since_last_order), orders: l10n.integer(c.orders), revenue: l10n.money(c.revenue) })),
    );
    parts.push(
      el('details', {}, el('summary', {}, t(list.max_days === null ? 'segments.followup.open' : 'segments.followup.range', params)), el('ul', {}, ...items)),
    );
  }
  if (report.overdue.count > 0) {
    const items = report.overdue.customers.slice(0, 10).map((c) =>
      el('li', {}, t('segments.overdue.item', { id: c.customer_id, date: l10n.date(c.expected_next_order), days: l10n.integer(c.days_overdue), value: l10n.money(c.value_at_risk) })),
    );
    parts.push(el('details', {}, el('summary', {}, t('segments.overdue', { count: l10n.integer(report.overdue.count) })), el('ul', {}, ...items)));
  }
  byTestId('follow-up').replaceChildren(...parts);
}

function renderCohorts() {
  const group = result.cohorts.groups[0];
  const figure = byTestId('chart-cohorts');
  const hover = figure.querySelector('[data-role="hover"]');
  hover.textContent = '';
  const plot = figure.querySelector('.plot');
  plot.replaceChildren();
  if (!group || group.cohorts.length === 0) return;
  const cohorts = group.cohorts;
  const periods = Math.max(...cohorts.map((c) => c.periods.length));
  // Period 0 is everyone by definition; the table starts at month 1.
  const values = cohorts.map((c) => Array.from({ length: periods - 1 }, (_, k) => c.periods[k + 1]?.active_share ?? null));
  const t = l10n.t;
  plot.setAttribute('aria-label', `${t('cohorts.heading')}. ${t('cohorts.how')}`);
  const chart = heatmap(
    plot,
    {
      values,
      xLabels: Array.from({ length: Math.max(1, periods - 1) }, (_, k) => String(k + 1)),
      yLabels: cohorts.map((c) => c.label),
      xTitle: t('cohorts.x'),
      yTitle: t('cohorts.y'),
      reverseY: true,
    },
    (r, c) => {
      const cell = cohorts[r].periods[c + 1];
      return cell
        ? t('cohorts.cell', {
            cohort: cohorts[r].label,
            period: c + 1,
            active: l10n.integer(cell.active_customers),
            customers: l10n.integer(cohorts[r].stats.customers),
            share: l10n.percent(cell.active_share),
          })
        : '';
    },
    (text) => (hover.textContent = text),
  );
  addChart('cohorts', t('cohorts.heading'), plot, chart);
}


// ---- the holdout test ------------------------------------------------------------------

/** Both holdout charts, or only `part` ('holdout' or 'tracking'). */
function renderValidation(part) {
  const v = result.validation;
  const parts = part ? [part] : ['holdout', 'tracking'];
  dropCharts(parts);
  for (const name of parts) byTestId(`chart-${name}`).hidden = !v;
  if (!v) return;
  ui.section('charts').hidden = false;
  const end = l10n.date(v.calibration_end);
  const perDay = { day: 1, week: 7, month: 30.4375 }[v.period] ?? 1;
  const days = l10n.integer(Math.round(v.holdout_periods * perDay));

  if (parts.includes('holdout')) renderHoldoutChart(v, end, days);
  if (parts.includes('tracking')) renderTrackingChart(v, end);
}

function renderHoldoutChart(v, end, days) {
  const t = l10n.t;
  const holdout = byTestId('chart-holdout');
  const holdoutHow = t('chart.holdout.how', { end, days });
  holdout.querySelector('[data-role="how"]').textContent = holdoutHow;
  const holdoutPlot = holdout.querySelector('.plot');
  holdoutPlot.replaceChildren();
  holdoutPlot.setAttribute('aria-label', `${t('chart.holdout.title')}. ${holdoutHow}`);
  const buckets = v.by_frequency;
  addChart(
    'holdout',
    t('chart.holdout.title'),
    holdoutPlot,
    groupedBars(holdoutPlot, {
      labels: buckets.map((b) => b.frequency),
      series: [
        { label: t('chart.holdout.predicted'), values: buckets.map((b) => b.predicted_mean), color: SERIES[0] },
        { label: t('chart.holdout.actual'), values: buckets.map((b) => b.actual_mean), color: SERIES[1] },
      ],
      xTitle: t('chart.holdout.x'),
      yTitle: t('chart.holdout.y'),
      format: l10n.decimal,
    }),
  );

}

function renderTrackingChart(v, end) {
  const t = l10n.t;
  const tracking = byTestId('chart-tracking');
  const trackingHow = t('chart.tracking.how', { end, error: l10n.decimal(v.mae) });
  tracking.querySelector('[data-role="how"]').textContent = trackingHow;
  const trackingPlot = tracking.querySelector('.plot');
  trackingPlot.replaceChildren();
  trackingPlot.setAttribute('aria-label', `${t('chart.tracking.title')}. ${trackingHow}`);
  const weeks = v.tracking;
  const firstHoldout = weeks.find((w) => w.holdout);
  addChart(
    'tracking',
    t('chart.tracking.title'),
    trackingPlot,
    lineChart(trackingPlot, {
      xs: weeks.map((w) => w.week),
      series: [
        { label: t('chart.tracking.actual'), values: weeks.map((w) => w.actual), color: SERIES[1] },
        { label: t('chart.tracking.predicted'), values: weeks.map((w) => w.predicted), color: SERIES[0] },
      ],
      xTitle: t('chart.tracking.x'),
      yTitle: t('chart.tracking.y'),
      formatX: l10n.integer,
      formatY: l10n.integer,
      markX: firstHoldout ? firstHoldout.week - 0.5 : undefined,
    }),
  );
}

// ---- the what-if panel ------------------------------------------------------------------
//
// A slider move runs the scenario at once without intervals (draws: 0, tens of
// ms in the worker), at most one run in flight, the latest position winning;
// WHATIF_SETTLE_MS after the last move it runs again with WHATIF_DRAWS draws
// for the intervals. The panel's data-state is "busy" while a run is pending,
// "quick" after a run without intervals and "done" after one with them.

const percentSigned = (v) => `${v > 0 ? '+' : ''}${l10n.percent(v / 100)}`;
const LEVERS = {
  retention_points: { min: 0, max: 20, step: 1, initial: 0, format: (v) => l10n.decimal(v) },
  aov_change: { min: -20, max: 50, step: 1, initial: 0, format: percentSigned },
  frequency_change: { min: -20, max: 50, step: 1, initial: 0, format: percentSigned },
  margin_points: { min: -20, max: 20, step: 1, initial: 0, format: (v) => `${v > 0 ? '+' : ''}${l10n.decimal(v)}` },
  discount: { min: 0, max: 30, step: 1, initial: 0, format: (v) => l10n.percent(v / 100) },
  loyalty_rebate: { min: 0, max: 10, step: 0.5, initial: 0, format: (v) => l10n.percent(v / 100) },
  loyalty_retention: { min: 0, max: 20, step: 1, initial: 0, format: (v) => l10n.decimal(v) },
  margin: { min: 5, max: 100, step: 1, initial: 100, format: (v) => l10n.percent(v / 100) },
  cac: { min: 0, max: 100, step: 1, initial: 0, format: (v) => l10n.money(v) },
  horizon: { min: 6, max: 60, step: 6, initial: 24, format: (v) => l10n.integer(v) },
};
const whatif = {
  values: {}, pending: null, queued: null, settle: 0, last: null, lastKey: '', chart: null, ranking: null, movedAt: 0,
  helper: null, helperReady: false, full: null, fullQueued: null,
};
const whatifPanel = byTestId('whatif');

function resetWhatIf() {
  clearTimeout(whatif.settle);
  stopWhatIfHelper();
  whatif.pending = null;
  whatif.queued = null;
  whatif.last = null;
  whatif.chart = null;
  whatif.ranking = null;
  for (const [name, lever] of Object.entries(LEVERS)) whatif.values[name] = lever.initial;
  // The CAC slider's range follows this shop's values: up to three times the
  // revenue of the average customer's first year.
  const f = result?.predictions?.formula;
  const scale = f ? f.average_order_value * Math.max(1, f.purchases_per_month * 12) * 3 : 100;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(scale, 1)));
  LEVERS.cac.max = Math.ceil(scale / magnitude) * magnitude;
  LEVERS.cac.step = LEVERS.cac.max / 100;
  whatifPanel.dataset.state = 'busy';
}

function scenarioAndOptions() {
  const v = whatif.values;
  return {
    scenario: {
      retention_points: v.retention_points,
      aov_change: v.aov_change / 100,
      frequency_change: v.frequency_change / 100,
      margin_points: v.margin_points,
      discount: v.discount / 100,
      loyalty: { rebate: v.loyalty_rebate / 100, retention_points: v.loyalty_retention },
    },
    options: { margin: v.margin / 100, cac: v.cac, horizon_months: v.horizon },
  };
}

/**
 * Runs the scenario of the sliders' positions. Quick runs (no draws) go to the
 * analysis worker, one in flight and the latest queued; runs with draws go to
 * a second worker with its own copy of the model (see startWhatIfHelper), so a
 * slider move never waits for the intervals of the previous position.
 */
function runWhatIf(full) {
  if (!result?.whatif) return;
  const { scenario, options } = scenarioAndOptions();
  const request = { scenario, options: { ...options, draws: full ? WHATIF_DRAWS : 0 } };
  whatifPanel.dataset.state = 'busy';
  if (full && whatif.helperReady) {
    if (whatif.full) whatif.fullQueued = request;
    else sendFull(request);
    return;
  }
  if (whatif.pending) {
    whatif.queued = request;
    return;
  }
  sendWhatIf(request);
}

function sendWhatIf(request) {
  whatif.pending = { id: nextId++, request, sent: performance.now() };
  post({ type: 'whatif', id: whatif.pending.id, ...request });
}

function sendFull(request) {
  whatif.full = { id: nextId++, request };
  whatif.helper.postMessage({ type: 'whatif', id: whatif.full.id, ...request, lang: l10n.lang });
}

/** The scenario and options of the sliders now, to tell a stale answer. */
const positionKey = (request) => JSON.stringify([request.scenario, { ...request.options, draws: 0 }]);

function onWhatIf({ id, result: simulation, ms }) {
  if (!whatif.pending || id !== whatif.pending.id) return;
  const { request } = whatif.pending;
  whatif.pending = null;
  byTestId('whatif-error').hidden = true;
  if (whatif.queued) {
    // A newer position is waiting: show this one anyway (it is recent), then run that.
    const next = whatif.queued;
    whatif.queued = null;
    sendWhatIf(next);
  }
  // Never replace the intervals of the current position with a quick answer for it.
  const current = positionKey(scenarioAndOptions());
  if (!(whatif.last?.draws > 0 && whatif.lastKey === current && positionKey(request) === current)) {
    show(simulation, ms, request);
  }
  updateWhatIfState();
  if (!whatif.pending && whatif.movedAt) {
    // For the benchmark and tests: from the slider's input event to the rendered numbers.
    whatifPanel.dataset.wasmMs = String(Math.round(ms));
    whatifPanel.dataset.updateMs = String(Math.round(performance.now() - whatif.movedAt));
    whatif.movedAt = 0;
  }
}

function onWhatIfFull({ id, result: simulation, ms }) {
  if (!whatif.full || id !== whatif.full.id) return;
  const { request } = whatif.full;
  whatif.full = null;
  if (whatif.fullQueued) {
    const next = whatif.fullQueued;
    whatif.fullQueued = null;
    sendFull(next);
  }
  // Only the intervals of where the sliders are now.
  if (positionKey(request) === positionKey(scenarioAndOptions())) show(simulation, ms, request);
  updateWhatIfState();
}

function show(simulation, ms, request) {
  whatif.last = simulation;
  whatif.lastMs = ms;
  whatif.lastKey = positionKey(request);
  renderWhatIf(simulation, ms);
}

/** busy while a run is pending; then quick or done, as the numbers shown have intervals or not. */
function updateWhatIfState() {
  if (whatifPanel.dataset.state === 'error') return;
  const settled = !whatif.pending && !whatif.queued && !whatif.full && !whatif.fullQueued;
  const current = whatif.lastKey === positionKey(scenarioAndOptions());
  whatifPanel.dataset.state = !settled || !current ? 'busy' : whatif.last?.draws > 0 ? 'done' : 'quick';
}

/** The second worker for runs with draws: it fits the same model from the summary. */
function startWhatIfHelper() {
  stopWhatIfHelper();
  const helper = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const id = nextId++;
  whatif.helper = helper;
  helper.addEventListener('message', ({ data }) => {
    if (helper !== whatif.helper) return;
    if (data.type === 'whatif-ready' && data.id === id) {
      whatif.helperReady = true;
      whatifPanel.dataset.helper = 'ready';
    }
    else if (data.type === 'whatif') onWhatIfFull(data);
    else if (data.type === 'error' && data.id === id) stopWhatIfHelper(); // runs with draws stay in the first worker
    else if (data.type === 'error' && data.id === whatif.full?.id) {
      whatif.full = null;
      showWhatIfError(data.message);
    }
  });
  helper.addEventListener('error', (event) => {
    event.preventDefault();
    if (helper === whatif.helper) stopWhatIfHelper();
  });
  helper.postMessage({ type: 'whatif-init', id, summary: packedSummary(), lang: l10n.lang });
}

function stopWhatIfHelper() {
  delete whatifPanel.dataset.helper;
  whatif.helper?.terminate();
  whatif.helper = null;
  whatif.helperReady = false;
  whatif.full = null;
  whatif.fullQueued = null;
}

function showWhatIfError(message) {
  const error = byTestId('whatif-error');
  error.textContent = message;
  error.hidden = false;
  whatifPanel.dataset.state = 'error';
}

function renderWhatIfControls() {
  for (const slot of whatifPanel.querySelectorAll('[data-lever]')) {
    const name = slot.dataset.lever;
    const lever = LEVERS[name];
    const id = `lever-${name}`;
    const label = el('label', { for: id });
    const input = el('input', {
      type: 'range', id, name, min: String(lever.min), max: String(lever.max), step: String(lever.step),
      'data-testid': `lever-${name}`,
    });
    input.value = String(whatif.values[name]);
    const describe = () => {
      label.textContent = l10n.t(`whatif.lever.${name}`, { value: lever.format(Number(input.value)) });
      input.setAttribute('aria-valuetext', label.textContent);
    };
    describe();
    input.addEventListener('input', () => {
      whatif.values[name] = Number(input.value);
      describe();
      whatif.movedAt = performance.now();
      runWhatIf(false);
      clearTimeout(whatif.settle);
      whatif.settle = setTimeout(() => runWhatIf(true), WHATIF_SETTLE_MS);
    });
    slot.replaceChildren(label, input);
  }
}

function renderWhatIf(sim, ms) {
  const t = l10n.t;
  const months = sim.horizon_months;
  const withRange = (e, format) =>
    sim.draws > 0 && e.high > e.low
      ? `${format(e.value)} (${t('whatif.range', { low: format(e.low), high: format(e.high) })})`
      : format(e.value);
  const signedMoney = (v) => `${v > 0 ? '+' : ''}${l10n.money(v)}`;
  const payback = (o) =>
    !(o.cac > 0) ? '—' : o.payback_months === null ? t('whatif.payback.never') : t('whatif.months', { value: l10n.integer(o.payback_months) });
  const ratio = (e) => (e ? withRange(e, l10n.decimal) : '—');
  const rows = [
    ['ltv', { months }, sim.baseline.ltv_per_customer.value, sim.scenario.ltv_per_customer.value,
      withRange(sim.baseline.ltv_per_customer, l10n.money), withRange(sim.scenario.ltv_per_customer, l10n.money),
      withRange(sim.change.ltv_per_customer, signedMoney)],
    ['ltv_to_cac', {}, sim.baseline.ltv_to_cac?.value, sim.scenario.ltv_to_cac?.value,
      ratio(sim.baseline.ltv_to_cac), ratio(sim.scenario.ltv_to_cac), ''],
    ['payback', {}, sim.baseline.payback_months, sim.scenario.payback_months,
      payback(sim.baseline), payback(sim.scenario), ''],
    ['revenue_existing', { months }, sim.baseline.revenue_existing.value, sim.scenario.revenue_existing.value,
      withRange(sim.baseline.revenue_existing, l10n.money), withRange(sim.scenario.revenue_existing, l10n.money),
      withRange(sim.change.revenue_existing, signedMoney)],
    ['revenue_new', { months, perMonth: l10n.decimal(sim.new_customers_per_month) }, sim.baseline.revenue_new.value,
      sim.scenario.revenue_new.value, withRange(sim.baseline.revenue_new, l10n.money),
      withRange(sim.scenario.revenue_new, l10n.money), withRange(sim.change.revenue_new, signedMoney)],
  ];
  const table = byTestId('whatif-table');
  table.tHead.replaceChildren(
    el('tr', {}, ...['metric', 'baseline', 'scenario', 'change'].map((k, i) => el('th', { scope: 'col', class: i ? 'num' : '' }, t(`whatif.col.${k}`)))),
  );
  table.tBodies[0].replaceChildren(
    ...rows.map(([key, params, base, scen, baseText, scenText, changeText]) =>
      el(
        'tr',
        { 'data-row': key },
        el('th', { scope: 'row' }, el('span', {}, t(`whatif.row.${key}`, params)), el('span', { class: 'how' }, t(`whatif.row.${key}.how`))),
        el('td', { class: 'num', 'data-side': 'baseline', 'data-value': base ?? '' }, baseText),
        el('td', { class: 'num', 'data-side': 'scenario', 'data-value': scen ?? '' }, scenText),
        el('td', { class: 'num', 'data-side': 'change' }, changeText),
      ),
    ),
  );
  byTestId('whatif-status').textContent =
    sim.draws > 0 ? t('whatif.status.full', { draws: l10n.integer(sim.draws) }) : t('whatif.status.quick', { ms: l10n.integer(Math.round(ms ?? 0)) });

  // The value curve: updated in place while sliding, rebuilt on a new result or language.
  const curve = sim.cumulative_value;
  const xs = curve.baseline.map((_, m) => m);
  const cac = sim.scenario.cac;
  const data = [xs, curve.baseline, curve.scenario, xs.map(() => (cac > 0 ? cac : null))];
  const plot = byTestId('chart-whatif').querySelector('.plot');
  if (whatif.chart && charts.some((c) => c.chart === whatif.chart)) {
    whatif.chart.setData(data);
  } else {
    plot.replaceChildren();
    plot.setAttribute('aria-label', `${t('whatif.chart.title')}. ${t('whatif.chart.how')}`);
    whatif.chart = lineChart(plot, {
      xs,
      series: [
        { label: t('whatif.chart.baseline'), values: data[1], color: SERIES[0] },
        { label: t('whatif.chart.scenario'), values: data[2], color: SERIES[1] },
        { label: t('whatif.chart.cac'), values: data[3], color: SERIES[3], dash: [2, 4] },
      ],
      xTitle: t('whatif.chart.x'),
      yTitle: t('whatif.chart.y'),
      formatX: l10n.integer,
      formatY: l10n.moneyShort,
    });
    addChart('whatif', t('whatif.chart.title'), plot, whatif.chart);
  }

  // The lever ranking: sorted bars of the change in LTV from one step of each lever.
  const ranking = sim.sensitivity;
  const labels = ranking.map((s) => (t(`lever.${s.lever}`) === `lever.${s.lever}` ? s.lever : t(`lever.${s.lever}`)));
  const key = `${l10n.lang}|${labels.join('|')}`;
  const rankingPlot = byTestId('chart-levers').querySelector('.plot');
  rankingPlot.dataset.levers = JSON.stringify(ranking.map((s) => [s.lever, s.change]));
  if (whatif.ranking?.key === key && charts.some((c) => c.chart === whatif.ranking.chart)) {
    whatif.ranking.chart.setData([ranking.map((_, i) => i), ranking.map((s) => s.change)]);
  } else if (whatif.ranking?.building && whatif.ranking.key === key) {
    whatif.ranking.values = ranking.map((s) => s.change); // the pending build draws the newest
  } else {
    // Built in a task of its own: two new charts in one task took over 50 ms at 100k lines.
    const building = { key, chart: null, building: true, values: ranking.map((s) => s.change) };
    whatif.ranking = building;
    setTimeout(() => {
      if (whatif.ranking !== building) return; // reset or rebuilt meanwhile
      rankingPlot.replaceChildren();
      rankingPlot.setAttribute('aria-label', `${t('whatif.levers.title')}. ${t('whatif.levers.how')}`);
      const chart = barChart(rankingPlot, { labels, values: building.values, yTitle: t('whatif.levers.y'), format: l10n.moneyShort });
      addChart('levers', t('whatif.levers.title'), rankingPlot, chart);
      whatif.ranking = { key, chart };
    }, 0);
  }
}

// The bootstrap refits the model 50 times: seconds for 100k customers. It runs
// in a second instance of the worker, so sorting, searching and the what-if
// panel keep answering meanwhile; the result goes to the first worker too, for
// sorting by it and for the CSV export.
function startIntervals() {
  stopIntervals();
  const id = nextId++;
  const helper = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  intervals.worker = helper;
  intervals.query = id;
  helper.addEventListener('message', ({ data }) => {
    if (data.id !== id || intervals.query !== id) return;
    if (data.type === 'intervals') {
      intervals.state = 'done';
      intervals.data = data.intervals;
      post({ type: 'set-intervals', intervals: data.intervals });
      renderTableHead();
      if (view.rows) renderTablePage();
    } else if (data.type === 'error') {
      intervals.state = 'failed';
      intervals.message = data.message;
    } else {
      return;
    }
    renderIntervalNote();
    stopIntervals();
  });
  helper.addEventListener('error', (event) => {
    event.preventDefault();
    intervals.state = 'failed';
    intervals.message = event.message || l10n.t('error.worker');
    renderIntervalNote();
    stopIntervals();
  });
  // The bootstrap refits the model the dashboard chose (ltvlab::validate::choose_model).
  const model = result.model_choice?.model;
  const predict = model ? { model } : undefined;
  helper.postMessage({ type: 'intervals', id, summary: packedSummary(), predict, samples: INTERVAL_SAMPLES, lang: l10n.lang });
}

/** The summary with its string columns packed again, to post to another worker. */
function packedSummary() {
  const c = result.summary.customers;
  const customers = { ...c };
  for (const key of ['customer_id', 'first_purchase', 'last_purchase']) if (c[key]) customers[key] = c[key].packed();
  return { ...result.summary, customers };
}

function stopIntervals() {
  intervals.worker?.terminate();
  intervals.worker = null;
}

function renderIntervalNote() {
  const note = byTestId('customers-interval');
  note.dataset.state = intervals.state;
  note.textContent =
    intervals.state === 'pending'
      ? l10n.t('customers.interval.pending', { samples: INTERVAL_SAMPLES })
      : intervals.state === 'done'
        ? l10n.t('customers.interval.done', { samples: intervals.data.fitted })
        : intervals.state === 'failed'
          ? l10n.t('customers.interval.failed', { message: intervals.message })
          : '';
}

// ---- the customer table -------------------------------------------------------------

function tableColumns() {
  const months = result.predictions?.base.horizon_months ?? 12;
  const s = result.summary.customers;
  const p = result.predictions?.customers;
  const columns = [
    { key: 'customer', value: (i) => s.customer_id.at(i), format: String, head: true },
    s.orders && { key: 'orders', value: (i) => s.orders[i], format: l10n.integer },
    s.total_spend && { key: 'total_spend', value: (i) => s.total_spend[i], format: l10n.money },
    s.last_purchase && { key: 'last_purchase', value: (i) => s.last_purchase.at(i), format: l10n.date, text: true },
    { key: 'frequency', value: (i) => s.frequency[i], format: l10n.integer },
    p && { key: 'p_alive', value: (i) => p.p_alive[i], format: l10n.percent },
    p && { key: 'expected_purchases', value: (i) => p.expected_purchases[i], format: l10n.decimal },
    p && { key: 'clv', value: (i) => p.clv[i], format: l10n.money },
    // Where the customer's actual value over the horizon falls 90% of the time
    // (ltvlab::bootstrap's value range), not the interval of the expected CLV.
    intervals.data && {
      key: 'clv_interval',
      sort: 'value_low',
      value: (i) => [intervals.data.value_low[i], intervals.data.value_high[i]],
      format: ([low, high]) => l10n.t('whatif.range', { low: l10n.money(low), high: l10n.money(high) }),
    },
  ].filter(Boolean);
  for (const column of columns) column.label = l10n.t(`customers.col.${column.key}`, { months });
  return columns;
}

function renderTableHead() {
  const row = ui.customers.tHead.rows[0];
  row.replaceChildren(
    ...tableColumns().map((column) => {
      const key = column.sort ?? column.key;
      const sorted = view.sort === key;
      const th = el('th', { scope: 'col', class: column.head || column.text ? '' : 'num' });
      if (sorted) th.setAttribute('aria-sort', view.descending ? 'descending' : 'ascending');
      const button = el('button', { type: 'button', class: 'sort', 'data-sort': key }, column.label);
      if (sorted) button.append(el('span', { class: 'sort-mark', 'aria-hidden': 'true' }, view.descending ? ' ▼' : ' ▲'));
      th.append(button);
      return th;
    }),
  );
}

function renderTablePage() {
  const rows = view.rows;
  const count = rows.length;
  const pages = Math.max(1, Math.ceil(count / PAGE_ROWS));
  view.page = Math.min(view.page, pages - 1);
  const from = view.page * PAGE_ROWS;
  const to = Math.min(count, from + PAGE_ROWS);
  const columns = tableColumns();
  const body = [];
  for (let r = from; r < to; r++) {
    const i = rows[r];
    body.push(
      el(
        'tr',
        {},
        ...columns.map((column) => {
          const value = column.value(i);
          const text = value === null || value === undefined ? '—' : column.format(value);
          return column.head
            ? el('th', { scope: 'row' }, text)
            : el('td', { class: column.text ? '' : 'num', 'data-column': column.key }, text);
        }),
      ),
    );
  }
  ui.customers.tBodies[0].replaceChildren(...body);
  ui.customers.caption.textContent = count
    ? l10n.t('customers.caption', { from: l10n.integer(from + 1), to: l10n.integer(to), count: l10n.integer(count) })
    : l10n.t('customers.caption.empty');
  ui.pageLabel.textContent = l10n.t('customers.page', { page: l10n.integer(view.page + 1), pages: l10n.integer(pages) });
  ui.prev.disabled = view.page === 0;
  ui.next.disabled = view.page >= pages - 1;
}

// ---- recommendations ----------------------------------------------------------------

function renderRecommendations() {
  const recs = result.recommendations;
  const verdict = byTestId('recs-verdict');
  const evaluation = recs.evaluation;
  verdict.hidden = !evaluation;
  if (evaluation) {
    verdict.querySelector('.verdict-text').textContent = verdictText(evaluation);
    verdict.querySelector('.verdict-how').textContent = l10n.t('recs.eval.how', { k: evaluation.k });
  }

  setOptions(ui.recsItem, recs.items.map(({ item }) => (item.name === item.id ? item.name : `${item.name} (${item.id})`)));
  renderItemList();

  const customers = byTestId('recs-customers');
  customers.hidden = recs.customers.length === 0;
  setOptions(ui.recsCustomer, recs.customers.map(({ customer_id: id }) => id));
  customers.querySelector('[data-role="how"]').textContent = l10n.t('recs.customers.how', {
    count: l10n.integer(recs.customers.length),
  });
  renderCustomerLists();

  const rules = byTestId('recs-rules');
  const t = l10n.t;
  rules.tHead.replaceChildren(
    el(
      'tr',
      {},
      ...['a', 'c', 'count', 'confidence', 'lift'].map((k, i) =>
        el('th', { scope: 'col', class: i > 1 ? 'num' : '' }, t(`recs.rules.col.${k}`)),
      ),
    ),
  );
  // Each pair appears in both directions; the table lists each once.
  const seen = new Set();
  const rows = [];
  for (const rule of recs.rules) {
    const key = [rule.antecedent.id, rule.consequent.id].sort().join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push(
      el(
        'tr',
        {},
        el('td', {}, rule.antecedent.name),
        el('td', {}, rule.consequent.name),
        el('td', { class: 'num' }, l10n.integer(rule.count)),
        el('td', { class: 'num' }, l10n.percent(rule.confidence)),
        el('td', { class: 'num' }, `${l10n.decimal(rule.lift)}×`),
      ),
    );
    if (rows.length === 20) break;
  }
  rules.tBodies[0].replaceChildren(...rows);
}

// The pickers list up to 500 items and 1,000 customers. Chromium measures
// every option of a <select> when it lays it out, even in a section that is
// off screen: at 100k lines that was a layout task of 70–170 ms right after the
// recommendations arrived. So a picker holds only its chosen option until it
// is first used (focus or pointer), and gets the rest then.
const pendingOptions = new WeakMap(); // select → its labels, not yet added

/** Option `i` of `labels` has value `i`; keeps the chosen index when it still exists. */
function setOptions(select, labels) {
  const keep = Number(select.value || 0);
  const chosen = keep < labels.length ? keep : 0;
  if (labels.length === 0) {
    select.replaceChildren();
    pendingOptions.delete(select);
    return;
  }
  select.replaceChildren(el('option', { value: String(chosen) }, labels[chosen]));
  pendingOptions.set(select, labels);
}

function fillOptions(select) {
  const labels = pendingOptions.get(select);
  if (!labels) return;
  pendingOptions.delete(select);
  const chosen = select.value;
  select.replaceChildren(...labels.map((label, index) => el('option', { value: String(index) }, label)));
  select.value = chosen;
}

function renderItemList() {
  const recs = result.recommendations;
  const box = byTestId('recs-items');
  const entry = recs.items[Number(ui.recsItem.value || 0)];
  box.querySelector('[data-role="how"]').textContent = entry
    ? l10n.t('recs.items.how', { baskets: l10n.integer(entry.baskets) })
    : '';
  const list = box.querySelector('.rec-list');
  list.replaceChildren(
    ...(entry?.together.length
      ? entry.together.map((other) =>
          el('li', {}, el('span', { class: 'rec-name' }, other.item.name), el('span', { class: 'note' }, ` — ${l10n.t('recs.items.count', { count: l10n.integer(other.count) })}`)),
        )
      : [el('li', { class: 'note' }, l10n.t('recs.none'))]),
  );
}

function renderCustomerLists() {
  const recs = result.recommendations;
  const entry = recs.customers[Number(ui.recsCustomer.value || 0)];
  for (const list of byTestId('recs-customers').querySelectorAll('[data-list]')) {
    const items = entry?.[list.dataset.list] ?? [];
    list.replaceChildren(
      ...(items.length
        ? items.map((rec) =>
            el('li', {}, el('span', { class: 'rec-name' }, rec.item.name), el('span', { class: 'note' }, ` — ${reasonText(rec.reason, l10n)}`)),
          )
        : [el('li', { class: 'note' }, l10n.t('recs.none'))]),
    );
  }
}

// The evaluation's verdict in the page's language, from its numbers (the
// core's own `verdict` is English).
function verdictText(e) {
  const t = l10n.t;
  const params = {
    ours: l10n.integer(e.recommender.hits),
    popular: l10n.integer(e.popular.hits),
    customers: l10n.integer(e.customers),
    k: e.k,
  };
  let text;
  if (e.customers === 0) return t('recs.eval.none');
  if (e.ratio === null) text = e.recommender.hits === 0 ? t('recs.eval.neither', params) : t('recs.eval.only', params);
  else if (e.ratio >= 1.05) text = t('recs.eval.better', { ...params, ratio: l10n.decimal(Math.round(e.ratio * 10) / 10) });
  else if (e.ratio <= 1 / 1.05) text = t('recs.eval.worse', { ...params, ratio: l10n.decimal(Math.round(10 / e.ratio) / 10) });
  else text = t('recs.eval.same', params);
  if (e.customers < 30) text += ` ${t('recs.eval.few', params)}`;
  return text;
}

// ---- the ingest report ----------------------------------------------------------------

// The ingest report's fields (see IngestReport in pkg/ltvlab.d.ts) get their
// own layout; any other scalar field is listed as it is, so a new report field
// shows up before the page learns to present it.
const KNOWN_REPORT_FIELDS = new Set([
  'rows_read', 'rows_used', 'rows_skipped', 'skipped', 'encoding', 'bom', 'delimiter', 'quote', 'has_header',
  'preset', 'kind', 'columns', 'mapping', 'date_order', 'date_order_source', 'decimal', 'warnings', 'stats',
]);

function renderReport(report) {
  const t = l10n.t;
  const count = l10n.integer;
  const stats = report.stats ?? {};
  const facts = [
    ['rows_read', t('report.rows_read'), count(report.rows_read)],
    ['rows_used', t('report.rows_used'), count(report.rows_used)],
    ['rows_skipped', t('report.rows_skipped'), count(report.rows_skipped)],
    ['encoding', t('report.encoding'), report.bom ? t('report.with_bom', { encoding: report.encoding }) : report.encoding],
    ['delimiter', t('report.delimiter'), l10n.t(`delimiter.${report.delimiter}`) === `delimiter.${report.delimiter}` ? JSON.stringify(report.delimiter) : t(`delimiter.${report.delimiter}`)],
    ['preset', t('report.preset'), l10n.preset(report.preset)],
    ['has_header', t('report.has_header'), report.has_header === undefined ? undefined : t(report.has_header ? 'report.yes' : 'report.no')],
    ['date_order', t('report.dates'), report.date_order && t(`report.${report.date_order}`)],
    ['decimal', t('report.decimal'), report.decimal && t(`report.${report.decimal}`)],
    ['dates', t('report.date_range'), stats.first_date && `${l10n.date(stats.first_date)} – ${l10n.date(stats.last_date)}`],
    ['currencies', t('report.currencies'), stats.currencies?.map(([code, rows]) => t('report.currency_rows', { code, rows: count(rows) })).join(', ')],
    ['guest_rows', t('report.guest_rows'), stats.guest_rows ? count(stats.guest_rows) : undefined],
    ['reversal_rows', t('report.reversal_rows'), stats.reversal_rows ? count(stats.reversal_rows) : undefined],
    ['duplicate_rows', t('report.duplicate_rows'), stats.duplicate_rows ? count(stats.duplicate_rows) : undefined],
  ];
  for (const [key, value] of Object.entries(report)) {
    if (!KNOWN_REPORT_FIELDS.has(key) && isScalar(value)) facts.push([key, key.replaceAll('_', ' '), String(value)]);
  }
  const parts = [
    el(
      'dl',
      { class: 'facts' },
      ...facts
        .filter(([, , value]) => value !== undefined && value !== null && value !== '')
        .map(([key, label, value]) => el('div', { 'data-field': key }, el('dt', {}, label), el('dd', {}, String(value)))),
    ),
  ];

  if (Array.isArray(report.mapping) && report.mapping.length > 0) {
    const mapped = new Set(report.mapping.map((m) => m.index));
    const rows = report.mapping.map((m) => [t(`role.${m.role}`), m.name, String(m.index + 1), t(`source.${m.source}`)]);
    parts.push(
      el('h3', {}, t('report.mapping')),
      table([t('report.mapping.role'), t('report.mapping.column'), t('report.mapping.number'), t('report.mapping.source')], rows, { 'data-testid': 'mapping-table' }),
    );
    const unused = (report.columns ?? []).filter((_, index) => !mapped.has(index));
    if (unused.length > 0) parts.push(el('p', { class: 'note' }, t('report.unused', { columns: unused.join(', ') })));
  }

  if (Array.isArray(report.skipped) && report.skipped.length > 0) {
    const reason = (code) => (t(`skip.${code}`) === `skip.${code}` ? code : t(`skip.${code}`));
    const rows = report.skipped.flatMap((group) =>
      group.examples.map((example) => [String(example.line), reason(group.reason), example.text]),
    );
    parts.push(
      el('h3', {}, t('report.skipped')),
      el('ul', { 'data-testid': 'skipped-by-reason' }, ...report.skipped.map((group) => el('li', {}, `${reason(group.reason)}: ${count(group.count)}`))),
    );
    if (rows.length > 0) {
      const examples = table([t('report.line'), t('report.reason'), t('report.raw')], rows, { 'data-testid': 'skipped-rows' });
      examples.querySelectorAll('tbody td:last-child').forEach((td) => td.classList.add('raw'));
      parts.push(el('h3', {}, t('report.examples')), examples);
    }
  }

  if (Array.isArray(report.warnings) && report.warnings.length > 0) {
    parts.push(
      el('h3', {}, t('report.warnings')),
      el(
        'ul',
        { 'data-testid': 'warnings' },
        ...report.warnings.map((w) =>
          el('li', {}, w.lines?.length ? t('report.lines', { message: w.message, lines: w.lines.join(', ') }) : (w.message ?? String(w))),
        ),
      ),
    );
  }

  ui.report.replaceChildren(...parts);
}

// ---- helpers --------------------------------------------------------------------------

// Builds an element. Children that are strings become text nodes, never HTML.
function el(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

function table(headings, rows, attributes) {
  return el(
    'table',
    attributes,
    el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((cell) => el('td', {}, String(cell)))))),
  );
}

function sum(values) {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

const isScalar = (value) => ['string', 'number', 'boolean'].includes(typeof value);

// ---- wiring ---------------------------------------------------------------------------

const fileSource = (file) => ({ file, name: () => file.name });

ui.fileInput.addEventListener('change', () => {
  const [file] = ui.fileInput.files;
  if (file) analyze(fileSource(file));
  ui.fileInput.value = ''; // choosing the same file again is a new analysis
});

ui.sample.addEventListener('click', () => analyze({ url: SAMPLE_URL, name: () => l10n.t('sample.name') }));
ui.cancel.addEventListener('click', cancel);

ui.mapping.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!source || !previewData) return;
  overrides = mappingOverrides();
  analyze(source);
});

ui.dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  ui.dropZone.classList.add('dragging');
});
ui.dropZone.addEventListener('dragleave', () => ui.dropZone.classList.remove('dragging'));
ui.dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  ui.dropZone.classList.remove('dragging');
  const [file] = event.dataTransfer.files;
  if (file) analyze(fileSource(file));
});
// A file dropped beside the zone would otherwise replace the page with the file.
window.addEventListener('dragover', (event) => event.preventDefault());
window.addEventListener('drop', (event) => event.preventDefault());

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && job) cancel();
});

ui.customers.tHead.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-sort]');
  if (!button) return;
  const key = button.dataset.sort;
  view.descending = view.sort === key ? !view.descending : key !== 'customer';
  view.sort = key;
  view.page = 0;
  renderTableHead();
  queryRows();
});

let searchTimer = 0;
ui.search.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    view.search = ui.search.value;
    view.page = 0;
    queryRows();
  }, 150);
});
ui.prev.addEventListener('click', () => {
  view.page = Math.max(0, view.page - 1);
  renderTablePage();
});
ui.next.addEventListener('click', () => {
  view.page += 1;
  renderTablePage();
});

ui.recsItem.addEventListener('change', renderItemList);
ui.recsCustomer.addEventListener('change', renderCustomerLists);
for (const select of [ui.recsItem, ui.recsCustomer]) {
  for (const type of ['focus', 'pointerdown']) select.addEventListener(type, () => fillOptions(select));
}
document.querySelectorAll('[data-export]').forEach((button) =>
  button.addEventListener('click', () => requestExport(button.dataset.export)),
);
document.querySelectorAll('[data-chart]').forEach((button) =>
  button.addEventListener('click', () => downloadChart(button.dataset.chart)),
);
byTestId('print').addEventListener('click', () => window.print());
byTestId('whatif-controls').addEventListener('reset', (event) => {
  event.preventDefault();
  for (const [name, lever] of Object.entries(LEVERS)) whatif.values[name] = lever.initial;
  renderWhatIfControls();
  runWhatIf(true);
});
byTestId('whatif-controls').addEventListener('submit', (event) => event.preventDefault());

ui.lang.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => el('option', { value: code }, name)));
ui.lang.addEventListener('change', () => setLanguage(ui.lang.value));
ui.theme.addEventListener('change', () => setTheme(ui.theme.value));

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
      ui.offline.textContent = l10n.t('offline.ready');
    })
    .catch(() => {});
}

// Start loading the wasm now, so the first analysis does not wait for it.
ensureWorker();
