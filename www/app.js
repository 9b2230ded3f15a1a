// The page's main thread: it only posts messages to the analysis worker and
// renders what comes back. Every string that comes from the CSV is rendered
// through text nodes (textContent, append of strings), never as HTML.
//
// document.body.dataset.state is the page's state, for people and tests alike:
// idle → working → done | error | idle (after cancel).

const CUSTOMER_ROWS = 200;
const SKIPPED_ROWS = 100;
const SAMPLE_URL = 'sample/sample-orders.csv';

const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);
const ui = {
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
  results: document.querySelectorAll('.results'),
  report: byTestId('ingest-report'),
  customers: byTestId('customers-table'),
  version: byTestId('version'),
};

const STAGES = {
  loading: 'Starting the analysis engine',
  downloading: 'Downloading the sample',
  reading: 'Reading the file',
  summarizing: 'Summarizing customers',
};

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

let worker = null;
let nextJobId = 1;
let job = null; // {id, name, started}

// ---- worker lifecycle --------------------------------------------------------

function ensureWorker() {
  if (worker) return worker;
  const created = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  created.addEventListener('message', ({ data }) => onWorkerMessage(data));
  // A failure outside any job's try/catch: the module did not load, or it threw.
  created.addEventListener('error', (event) => {
    event.preventDefault();
    if (created === worker) fail(event.message || 'the analysis engine could not be started');
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

function onWorkerMessage(message) {
  if (message.type === 'ready') {
    ui.version.textContent = message.version;
    return;
  }
  if (!job || message.id !== job.id) {
    // A cancelled or superseded job; its error may still have left wasm unusable.
    if (message.type === 'error') dropWorker();
    return;
  }
  switch (message.type) {
    case 'progress':
      showProgress(message.stage, message.percent);
      break;
    case 'result':
      finish(message);
      break;
    case 'cancelled':
      break;
    case 'error':
      fail(message.message);
      break;
  }
}

// ---- actions -----------------------------------------------------------------

function analyze(source, name) {
  if (job) cancel();
  const id = nextJobId++;
  job = { id, name, started: performance.now() };
  setState('working');
  ui.error.hidden = true;
  ui.error.textContent = '';
  ui.status.textContent = '';
  ui.results.forEach((section) => (section.hidden = true));
  showProgress('loading', null);
  ui.progress.hidden = false;
  ensureWorker().postMessage({ type: 'analyze', id, options: {}, ...source });
}

function cancel() {
  if (!job) return;
  worker?.postMessage({ type: 'cancel', id: job.id });
  job = null;
  ui.progress.hidden = true;
  ui.status.textContent = 'Cancelled.';
  setState('idle');
}

function fail(message) {
  job = null;
  dropWorker();
  ui.progress.hidden = true;
  ui.error.textContent = message;
  ui.error.hidden = false;
  setState('error');
}

function finish({ report, summary }) {
  const seconds = (performance.now() - job.started) / 1000;
  const name = job.name;
  job = null;
  ui.progress.hidden = true;
  renderKpis(summary.customers);
  renderReport(report);
  renderCustomers(summary.customers);
  ui.results.forEach((section) => (section.hidden = false));
  ui.status.textContent = `Analysed ${name} in ${decimal.format(seconds)} s.`;
  setState('done');
}

function setState(state) {
  document.body.dataset.state = state;
}

// ---- rendering ---------------------------------------------------------------

function showProgress(stage, value) {
  ui.progressLabel.textContent = STAGES[stage] ?? stage;
  if (value === null || value === undefined) {
    ui.progressBar.removeAttribute('value'); // indeterminate
    ui.progressPercent.textContent = '';
  } else {
    ui.progressBar.value = value;
    ui.progressPercent.textContent = percent.format(value / 100);
  }
}

function renderKpis(customers) {
  const orders = sum(customers, (c) => c.orders);
  const revenue = sum(customers, (c) => c.total_spend);
  const repeaters = customers.filter((c) => c.orders > 1).length;
  const kpis = {
    'kpi-customers': [customers.length, integer],
    'kpi-orders': [orders, integer],
    'kpi-revenue': [revenue, decimal],
    'kpi-aov': [orders > 0 ? revenue / orders : 0, decimal],
    'kpi-repeat-rate': [customers.length > 0 ? repeaters / customers.length : 0, percent],
  };
  for (const [id, [value, format]] of Object.entries(kpis)) {
    const card = byTestId(id);
    card.dataset.value = String(value);
    card.querySelector('dd').textContent = format.format(value);
  }
}

// Known fields of the ingest report get their own layout; any other scalar
// field is listed under "Other details", so new report fields show up at once.
const REPORT_FIELDS = {
  rows_read: 'Rows read',
  rows_used: 'Rows used',
  rows_skipped: 'Rows skipped',
  encoding: 'Encoding',
  delimiter: 'Delimiter',
  preset: 'Preset',
};
const DELIMITERS = { ',': 'comma (,)', ';': 'semicolon (;)', '\t': 'tab', '|': 'pipe (|)', ' ': 'space' };

function renderReport(report) {
  const parts = [];

  const facts = el('dl', { class: 'facts' });
  for (const [key, label] of Object.entries(REPORT_FIELDS)) {
    if (report[key] === undefined || report[key] === null) continue;
    facts.append(el('div', { 'data-field': key }, el('dt', {}, label), el('dd', {}, formatField(key, report[key]))));
  }
  parts.push(facts);

  if (isObject(report.mapping) && Object.keys(report.mapping).length > 0) {
    parts.push(
      el('h3', {}, 'Column mapping'),
      table(['Role', 'Column'], Object.entries(report.mapping), { 'data-testid': 'mapping-table' }),
    );
  }

  if (isObject(report.skipped_by_reason) && Object.keys(report.skipped_by_reason).length > 0) {
    const list = el('ul', { 'data-testid': 'skipped-by-reason' });
    for (const [reason, count] of Object.entries(report.skipped_by_reason)) {
      list.append(el('li', {}, `${reason}: ${integer.format(count)}`));
    }
    parts.push(el('h3', {}, 'Why rows were skipped'), list);
  }

  if (Array.isArray(report.skipped) && report.skipped.length > 0) {
    const rows = report.skipped.slice(0, SKIPPED_ROWS).map((s) => [String(s.line ?? ''), s.reason ?? '', s.raw ?? '']);
    const skipped = table(['Line', 'Reason', 'Raw text'], rows, { 'data-testid': 'skipped-rows' });
    skipped.querySelectorAll('tbody td:last-child').forEach((td) => td.classList.add('raw'));
    parts.push(el('h3', {}, 'Skipped rows'), skipped);
    if (report.skipped.length > SKIPPED_ROWS) {
      parts.push(el('p', {}, `Showing the first ${SKIPPED_ROWS} of ${integer.format(report.skipped.length)} listed rows.`));
    }
  }

  if (Array.isArray(report.warnings) && report.warnings.length > 0) {
    parts.push(el('h3', {}, 'Warnings'), el('ul', {}, ...report.warnings.map((w) => el('li', {}, String(w)))));
  }

  const known = new Set([...Object.keys(REPORT_FIELDS), 'mapping', 'skipped_by_reason', 'skipped', 'warnings']);
  const others = Object.entries(report).filter(([key, value]) => !known.has(key) && isScalar(value));
  if (others.length > 0) {
    const details = el('dl', { class: 'facts' });
    for (const [key, value] of others) details.append(el('div', {}, el('dt', {}, key.replaceAll('_', ' ')), el('dd', {}, String(value))));
    parts.push(el('h3', {}, 'Other details'), details);
  }

  ui.report.replaceChildren(...parts);
}

function formatField(key, value) {
  if (typeof value === 'number') return integer.format(value);
  if (key === 'delimiter') return DELIMITERS[value] ?? JSON.stringify(value);
  return String(value);
}

function renderCustomers(customers) {
  const rows = customers.slice(0, CUSTOMER_ROWS).map((c) => {
    const tr = el(
      'tr',
      {},
      el('th', { scope: 'row' }, String(c.customer_id)),
      el('td', { class: 'num' }, integer.format(c.orders)),
      el('td', { class: 'num' }, decimal.format(c.total_spend)),
      el('td', { class: 'num' }, integer.format(c.frequency)),
      el('td', { class: 'num' }, decimal.format(c.recency)),
      el('td', { class: 'num' }, decimal.format(c.T)),
      el('td', { class: 'num' }, decimal.format(c.monetary_value)),
      el('td', {}, String(c.first_purchase)),
      el('td', {}, String(c.last_purchase)),
    );
    return tr;
  });
  ui.customers.tBodies[0].replaceChildren(...rows);
  ui.customers.caption.textContent =
    customers.length > CUSTOMER_ROWS
      ? `The first ${integer.format(CUSTOMER_ROWS)} of ${integer.format(customers.length)} customers.`
      : `All ${integer.format(customers.length)} customers.`;
}

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

const sum = (items, value) => items.reduce((total, item) => total + value(item), 0);
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScalar = (value) => ['string', 'number', 'boolean'].includes(typeof value);

// ---- wiring ------------------------------------------------------------------

ui.fileInput.addEventListener('change', () => {
  const [file] = ui.fileInput.files;
  if (file) analyze({ file }, file.name);
  ui.fileInput.value = ''; // choosing the same file again is a new analysis
});

ui.sample.addEventListener('click', () => analyze({ url: SAMPLE_URL }, 'the sample data'));
ui.cancel.addEventListener('click', cancel);

ui.dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  ui.dropZone.classList.add('dragging');
});
ui.dropZone.addEventListener('dragleave', () => ui.dropZone.classList.remove('dragging'));
ui.dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  ui.dropZone.classList.remove('dragging');
  const [file] = event.dataTransfer.files;
  if (file) analyze({ file }, file.name);
});
// A file dropped beside the zone would otherwise replace the page with the file.
window.addEventListener('dragover', (event) => event.preventDefault());
window.addEventListener('drop', (event) => event.preventDefault());

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && job) cancel();
});

// Start loading the wasm now, so the first analysis does not wait for it.
ensureWorker();
