// The page's main thread: it only posts messages to the analysis worker and
// renders what comes back. Every string that comes from the CSV is rendered
// through text nodes (textContent, append of strings), never as HTML.
//
// document.body.dataset.state is the page's state, for people and tests alike:
// idle → working → done | error | idle (after cancel).

const CUSTOMER_ROWS = 200;
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
  // The core has no clock: the page tells it today's date (for future-date checks).
  const options = { ingest: { today: localIsoDate(new Date()) } };
  ensureWorker().postMessage({ type: 'analyze', id, options, ...source });
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
  ui.results.forEach((section) => (section.hidden = false));
  renderReport(report);
  if (summary) {
    renderKpis(summary.customers);
    renderCustomers(summary);
    ui.status.textContent = `Analysed ${name} in ${decimal.format(seconds)} s.`;
  } else {
    // Baskets only: no customers or dates, so no lifetime value.
    renderBasketKpis(report.stats);
    byTestId('customers-table').closest('section').hidden = true;
    ui.status.textContent =
      `Read ${name} in ${decimal.format(seconds)} s: ${integer.format(report.stats.orders)} baskets ` +
      `of ${integer.format(report.stats.items)} items. Baskets without customers or dates can show ` +
      'which items are bought together, but not customer lifetime value.';
  }
  setState('done');
}

function localIsoDate(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
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

// Summary-file input has no orders or spend per customer: those KPIs are then
// shown as unknown (an empty data-value), not as zero.
function renderKpis(customers) {
  const known = (field) => customers.every((c) => c[field] !== null && c[field] !== undefined);
  const orders = known('orders') ? sum(customers, (c) => c.orders) : null;
  const revenue = known('total_spend') ? sum(customers, (c) => c.total_spend) : null;
  const repeaters = customers.filter((c) => (c.orders ?? c.frequency + 1) > 1).length;
  const kpis = {
    'kpi-customers': [customers.length, integer],
    'kpi-orders': [orders, integer],
    'kpi-revenue': [revenue, decimal],
    'kpi-aov': [orders > 0 && revenue !== null ? revenue / orders : null, decimal],
    'kpi-repeat-rate': [customers.length > 0 ? repeaters / customers.length : null, percent],
  };
  for (const [id, [value, format]] of Object.entries(kpis)) {
    const card = byTestId(id);
    card.dataset.value = value === null ? '' : String(value);
    card.querySelector('dd').textContent = value === null ? '—' : format.format(value);
  }
}

function renderBasketKpis(stats) {
  const kpis = {
    'kpi-customers': null,
    'kpi-orders': stats.orders,
    'kpi-revenue': null,
    'kpi-aov': null,
    'kpi-repeat-rate': null,
  };
  for (const [id, value] of Object.entries(kpis)) {
    const card = byTestId(id);
    card.dataset.value = value === null ? '' : String(value);
    card.querySelector('dd').textContent = value === null ? '—' : integer.format(value);
  }
}

// The ingest report's fields (see IngestReport in pkg/ltvlab.d.ts) get their
// own layout; any other scalar field is listed under "Other details", so a new
// report field shows up before the page learns to present it.
const DELIMITERS = { ',': 'comma (,)', ';': 'semicolon (;)', '\t': 'tab', '|': 'pipe (|)', ' ': 'space' };
const PRESETS = {
  shopify: 'Shopify',
  woo_commerce: 'WooCommerce',
  stripe: 'Stripe',
  square: 'Square',
  etsy: 'Etsy',
  rakuten_rms: 'Rakuten RMS',
  uci_online_retail: 'UCI Online Retail',
  summary: 'per-customer summary',
  long_baskets: 'baskets (one item per row)',
  basket_lines: 'baskets (one basket per line)',
  generic: 'generic CSV',
};
const SKIP_REASONS = {
  wrong_field_count: 'wrong number of fields',
  bad_date: 'unreadable date',
  date_order_conflict: 'date contradicts the day/month order',
  bad_amount: 'unreadable amount',
  bad_quantity: 'unreadable quantity',
  missing_order: 'no order id',
  missing_item: 'no item',
  status_excluded: 'order status is not a sale',
  reversal_excluded: 'return or refund (excluded)',
  unmatched_reversal: 'return with no earlier order',
  unterminated_quote: 'unclosed quote',
  bad_summary_row: 'bad summary row',
};
const KNOWN_REPORT_FIELDS = new Set([
  'rows_read', 'rows_used', 'rows_skipped', 'skipped', 'encoding', 'bom', 'delimiter', 'quote', 'has_header',
  'preset', 'kind', 'columns', 'mapping', 'date_order', 'date_order_source', 'decimal', 'warnings', 'stats',
]);

function renderReport(report) {
  const stats = report.stats ?? {};
  const facts = [
    ['rows_read', 'Rows read', count(report.rows_read)],
    ['rows_used', 'Rows used', count(report.rows_used)],
    ['rows_skipped', 'Rows skipped', count(report.rows_skipped)],
    ['encoding', 'Encoding', report.bom ? `${report.encoding} (with BOM)` : report.encoding],
    ['delimiter', 'Delimiter', DELIMITERS[report.delimiter] ?? JSON.stringify(report.delimiter)],
    ['preset', 'Format', PRESETS[report.preset] ?? report.preset],
    ['has_header', 'Header row', report.has_header === undefined ? undefined : report.has_header ? 'yes' : 'no'],
    ['date_order', 'Dates', { day_first: 'day first', month_first: 'month first' }[report.date_order]],
    ['decimal', 'Decimal separator', { dot: 'dot (1,234.56)', comma: 'comma (1.234,56)' }[report.decimal]],
    ['dates', 'Date range', stats.first_date && `${stats.first_date} – ${stats.last_date}`],
    ['currencies', 'Currencies', stats.currencies?.map(([code, rows]) => `${code} (${count(rows)} rows)`).join(', ')],
    ['guest_rows', 'Rows without a customer', stats.guest_rows ? count(stats.guest_rows) : undefined],
    ['reversal_rows', 'Return and refund rows', stats.reversal_rows ? count(stats.reversal_rows) : undefined],
    ['duplicate_rows', 'Duplicate rows', stats.duplicate_rows ? count(stats.duplicate_rows) : undefined],
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
    const rows = report.mapping.map((m) => [m.role.replaceAll('_', ' '), m.name, String(m.index + 1), m.source]);
    parts.push(
      el('h3', {}, 'Column mapping'),
      table(['Role', 'Column', '#', 'Decided by'], rows, { 'data-testid': 'mapping-table' }),
    );
    const unused = (report.columns ?? []).filter((_, index) => !mapped.has(index));
    if (unused.length > 0) parts.push(el('p', { class: 'note' }, `Columns not used: ${unused.join(', ')}`));
  }

  if (Array.isArray(report.skipped) && report.skipped.length > 0) {
    const rows = report.skipped.flatMap((group) =>
      group.examples.map((example) => [String(example.line), SKIP_REASONS[group.reason] ?? group.reason, example.text]),
    );
    parts.push(
      el('h3', {}, 'Why rows were skipped'),
      el(
        'ul',
        { 'data-testid': 'skipped-by-reason' },
        ...report.skipped.map((group) => el('li', {}, `${SKIP_REASONS[group.reason] ?? group.reason}: ${count(group.count)}`)),
      ),
    );
    if (rows.length > 0) {
      const examples = table(['Line', 'Reason', 'Raw text'], rows, { 'data-testid': 'skipped-rows' });
      examples.querySelectorAll('tbody td:last-child').forEach((td) => td.classList.add('raw'));
      parts.push(el('h3', {}, 'Examples of skipped rows'), examples);
    }
  }

  if (Array.isArray(report.warnings) && report.warnings.length > 0) {
    parts.push(
      el('h3', {}, 'Warnings'),
      el(
        'ul',
        { 'data-testid': 'warnings' },
        ...report.warnings.map((w) =>
          el('li', {}, w.lines?.length ? `${w.message} (lines ${w.lines.join(', ')})` : (w.message ?? String(w))),
        ),
      ),
    );
  }

  ui.report.replaceChildren(...parts);
}

function renderCustomers({ customers, period, observation_end: end }) {
  const rows = customers.slice(0, CUSTOMER_ROWS).map((c) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, String(c.customer_id)),
      el('td', { class: 'num' }, orDash(c.orders, integer)),
      el('td', { class: 'num' }, orDash(c.total_spend, decimal)),
      el('td', { class: 'num' }, integer.format(c.frequency)),
      el('td', { class: 'num' }, decimal.format(c.recency)),
      el('td', { class: 'num' }, decimal.format(c.T)),
      el('td', { class: 'num' }, decimal.format(c.monetary_value)),
      el('td', {}, c.first_purchase ?? '—'),
      el('td', {}, c.last_purchase ?? '—'),
    ),
  );
  ui.customers.tBodies[0].replaceChildren(...rows);
  const caption = [
    customers.length > CUSTOMER_ROWS
      ? `The first ${count(CUSTOMER_ROWS)} of ${count(customers.length)} customers.`
      : `All ${count(customers.length)} customers.`,
  ];
  if (period) caption.push(`Frequency, recency and T are in ${period}s${end ? `, observed up to ${end}` : ''}.`);
  ui.customers.caption.textContent = caption.join(' ');
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
const count = (n) => integer.format(n);
const orDash = (value, format) => (value === null || value === undefined ? '—' : format.format(value));
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
