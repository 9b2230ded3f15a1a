// The analysis worker: owns the wasm module and the last result, so the page
// stays responsive while a large file is read, and never sorts or exports
// 100k rows on its own thread. A module worker (new Worker(url, {type: 'module'})).
//
// Messages in:
//   {type: 'analyze', id, file: Blob, options}    analyse a dropped or chosen file
//   {type: 'analyze', id, url: string, options}   fetch and analyse a file of this site
//   {type: 'query', id, sort, descending, search}  customer rows to show, in order
//   {type: 'export', id, kind, lang}               kind: customers | recs-csv | recs-json
//   {type: 'recommend', id}                        the recommendations of analysis `id`, after its result
//   {type: 'whatif', id, scenario, options}        a what-if run on the last analysis's model
//   {type: 'intervals', id, summary, predict, samples}  bootstrap CLV intervals (run in a second
//                                                  instance of this worker, so the first stays responsive)
//   {type: 'set-intervals', intervals}             the intervals, for sorting and the CSV export
//   {type: 'whatif-init', id, summary}             fit the what-if model here too (a second instance
//                                                  that runs the scenarios with draws)
// Messages out:
//   {type: 'ready', version}
//   {type: 'progress', id, stage, percent}         percent is null when unknown
//   {type: 'progress', id, stage, percent, step, steps}  during the analysis proper: `stage` is the
//                                                  AnalysisStage starting now, the `step`th of `steps`
//   {type: 'preview', id, preview}                 the head of the file, before the result
//   {type: 'result', id, result, charts}           see AnalysisResult in pkg/ltvlab.d.ts; without the
//                                                  recommendations when result.recommendations_pending
//   {type: 'recs-progress', id, stage, percent, step, steps}  while the recommendations of analysis `id`
//                                                  are computed: `stage` is the RecommendStage starting now
//   {type: 'recommendations', id, recommendations, notes}  recommendations as JSON text (or null), and
//                                                  their notes: see DeferredRecommendationsResult
//   {type: 'rows', id, rows: Uint32Array, total}
//   {type: 'file', id, blob, name}
//   {type: 'whatif', id, result, ms}               see WhatIfResult; ms is the time in wasm
//   {type: 'intervals', id, intervals}             see ClvIntervals; kept for the table and export
//   {type: 'whatif-ready', id}
//   {type: 'error', id, message}
//
// There is no cancel message: most of an analysis is one synchronous wasm
// call (finishDashboard), during which no message would reach this worker,
// so the page cancels by terminating it and starting a fresh one. After a
// wasm panic the module's memory cannot be trusted either, so the page
// replaces this worker after any error rather than reusing it.

import init, {
  Analysis, WhatIf, clvIntervals, customersCsv as coreCustomersCsv, preview, safeCell, version,
} from './pkg/ltvlab.js';
import { localize, reasonText } from './i18n.js';

/** Bytes the preview reads: what ingest itself uses to detect the format. */
const PREVIEW_BYTES = 256 * 1024;

// console_error_panic_hook reports a panic's message through console.error just
// before the trap; remember it so the page can show more than "unreachable".
let lastConsoleError = '';
const consoleError = console.error.bind(console);
console.error = (...args) => {
  lastConsoleError = args.map(String).join(' ');
  consoleError(...args);
};

const ready = init().then(() => postMessage({ type: 'ready', version: version() }));

let last = null; // the last AnalysisResult, for queries and exports
let whatif = null; // the last analysis's WhatIf (a wasm object, never posted)
// The last analysis between its result and its recommendations: {id, analysis}.
// The recommender is the slowest section (~2 s at 1M lines), so the page gets
// the dashboard first and asks for them once it has queued its own first
// requests (table rows, the what-if's first run), which then go first.
let deferred = null;

onmessage = async ({ data }) => {
  try {
    switch (data.type) {
      case 'analyze':
        await runAnalysis(data);
        break;
      case 'recommend':
        postRecommendations(data.id);
        break;
      case 'query':
        postRows(data);
        break;
      case 'export':
        postMessage({ type: 'file', id: data.id, ...exportFile(data.kind, data.lang) });
        break;
      case 'whatif': {
        if (!whatif) throw new Error('no fitted model for a what-if scenario');
        const started = performance.now();
        const result = whatif.run(data.scenario, data.options);
        postMessage({ type: 'whatif', id: data.id, result, ms: performance.now() - started });
        break;
      }
      case 'intervals': {
        await ready;
        const intervals = clvIntervals(unpackSummary(data.summary), data.predict, data.samples, 0);
        postMessage({ type: 'intervals', id: data.id, intervals });
        break;
      }
      case 'whatif-init':
        await ready;
        whatif?.free();
        whatif = WhatIf.fromSummary(unpackSummary(data.summary));
        postMessage({ type: 'whatif-ready', id: data.id });
        break;
      case 'set-intervals':
        if (last) last.intervals = data.intervals;
        break;
    }
  } catch (error) {
    postMessage({ type: 'error', id: data.id, message: describe(error, data.lang) });
  }
};

async function runAnalysis(data) {
  last = null;
  whatif?.free();
  whatif = null;
  dropDeferred();
  const done = await analyze(data.id, data);
  // The simulator is a wasm object: it stays here, and the page learns only whether it exists.
  const { whatif: simulator, ...result } = done.result;
  whatif = simulator;
  result.whatif = Boolean(simulator);
  last = result;
  if (result.recommendations_pending) deferred = { id: data.id, analysis: done.analysis };
  else done.analysis.free();
  postMessage({ type: 'result', id: data.id, result: forPage(result), charts: charts(result) });
}

function dropDeferred() {
  try {
    deferred?.analysis.free();
  } catch {}
  deferred = null;
}

function postRecommendations(id) {
  if (deferred?.id !== id) return; // superseded by a newer analysis
  const { analysis } = deferred;
  deferred = null;
  const { recommendations, notes } = analysis.recommend((stage, done, total) =>
    postMessage({ type: 'recs-progress', id, stage, ...stepsOf(done, total) }),
  ); // frees `analysis`
  last.recommendations = recommendations;
  last.recommendations_pending = false;
  last.notes = [...last.notes, ...notes];
  // JSON text: cheaper to clone than many small objects (see forPage).
  postMessage({ type: 'recommendations', id, recommendations: recommendations && JSON.stringify(recommendations), notes });
}

// Returns {result, analysis}: the AnalysisResult without the recommendations
// and the Analysis that computes them. Posts the preview as soon as the head
// of the file has arrived, and its progress all along.
async function analyze(id, { file, url, options }) {
  const progress = (stage, percent, steps) => postMessage({ type: 'progress', id, stage, percent, ...steps });

  progress('loading', null);
  await ready;

  let stream;
  let total;
  if (url !== undefined) {
    progress('downloading', null);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
    total = Number(response.headers.get('Content-Length')) || null;
    stream = response.body;
  } else {
    total = file.size;
    stream = file.stream();
  }

  const analysis = new Analysis(options);
  if (total) analysis.expectBytes(total);
  let finished = false; // true once the caller owns `analysis`
  try {
    const reader = chunkReader(stream);
    let read = 0;
    let shown = -1;
    let head = [];
    let headBytes = 0;
    const showPreview = () => {
      postMessage({ type: 'preview', id, preview: previewOf(head, options) });
      head = null;
    };
    progress('reading', total ? 0 : null);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      analysis.push(value);
      if (head) {
        head.push(reader.reused ? value.slice() : value);
        headBytes += value.byteLength;
        if (headBytes >= PREVIEW_BYTES) showPreview();
      }
      read += value.byteLength;
      const percent = total ? Math.min(100, Math.floor((read / total) * 100)) : null;
      if (percent !== shown) {
        shown = percent;
        progress('reading', percent);
      }
    }
    if (head) showPreview();
    // One synchronous call of seconds on large or awkward files: the core
    // reports each stage as it starts, and postMessage delivers that to the
    // page while the call goes on.
    const result = analysis.finishDashboard((stage, done, total) => {
      const { percent, ...steps } = stepsOf(done, total);
      progress(stage, percent, steps);
    });
    finished = true;
    return { result, analysis };
  } finally {
    // On an error. After a panic even free() may trap; the
    // original error is the one worth reporting, and the worker is replaced.
    if (!finished) {
      try {
        analysis.free();
      } catch {}
    }
  }
}

/** A stage's place for the page: the `step`th of `steps`, with `percent` of them done. */
function stepsOf(done, total) {
  return { percent: Math.floor((done / total) * 100), step: done + 1, steps: total };
}

// The result as posted to the page. Receiving it is one main-thread task, so
// what costs the structured clone most goes in cheaper shapes: the
// per-customer string columns as one text with end offsets (PackedStrings in
// app.js), and the recommendations' many small objects as JSON text, which
// the page parses in a later task of its own.
const STRING_COLUMNS = ['customer_id', 'first_purchase', 'last_purchase'];

function forPage(result) {
  const posted = { ...result };
  if (result.summary) {
    const customers = { ...result.summary.customers };
    for (const key of STRING_COLUMNS) if (customers[key]) customers[key] = pack(customers[key]);
    posted.summary = { ...result.summary, customers };
  }
  if (result.recommendations) posted.recommendations = JSON.stringify(result.recommendations);
  return posted;
}

function pack(strings) {
  const ends = new Uint32Array(strings.length);
  let at = 0;
  strings.forEach((s, i) => {
    at += s.length;
    ends[i] = at;
  });
  return { text: strings.join(''), ends };
}

function unpack({ text, ends }) {
  return Array.from(ends, (end, i) => text.slice(i > 0 ? ends[i - 1] : 0, end));
}

function unpackSummary(summary) {
  const customers = { ...summary.customers };
  for (const key of STRING_COLUMNS) if (customers[key]) customers[key] = unpack(customers[key]);
  return { ...summary, customers };
}

// Reads a stream into one reused 1 MiB buffer (a BYOB reader) where the
// stream is a byte stream, as File.stream() is: a 700 MB file then leaves no
// 700 MB of spent chunks for the garbage collector while it is read. Other
// streams fall back to the default reader. `reused` says a chunk is only
// valid until the next read.
const READ_BYTES = 1 << 20;
function chunkReader(stream) {
  let byob = null;
  try {
    byob = stream.getReader({ mode: 'byob' });
  } catch {
    const reader = stream.getReader();
    return { reused: false, read: () => reader.read(), cancel: () => reader.cancel() };
  }
  let buffer = new ArrayBuffer(READ_BYTES);
  return {
    reused: true,
    async read() {
      const result = await byob.read(new Uint8Array(buffer, 0, READ_BYTES));
      if (result.value) buffer = result.value.buffer;
      return result;
    },
    cancel: () => byob.cancel(),
  };
}

// The head of the file, cut after its last line break so no row is half read.
function previewOf(chunks, options) {
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  let end = Math.min(bytes.length, PREVIEW_BYTES);
  if (end < bytes.length) {
    const newline = bytes.lastIndexOf(0x0a, end - 1);
    if (newline > 0) end = newline + 1;
  }
  return preview(bytes.subarray(0, end), options);
}

// ---- charts ------------------------------------------------------------------

const LTV_BINS = 30;
const FREQUENCY_BINS = [[0, 0], [1, 1], [2, 2], [3, 4], [5, 9], [10, 19], [20, Infinity]];

/** The data of every chart, binned here so the page only draws. */
function charts({ summary, predictions }) {
  if (!summary || !predictions) return null;
  const { clv, p_alive: alive } = predictions.customers;
  const { frequency, recency, T } = summary.customers;
  const n = clv.length;

  // LTV histogram up to the 99th percentile: a few huge customers would
  // otherwise squeeze everyone else into the first bar.
  const sorted = Float64Array.from(clv).sort();
  const cap = sorted[Math.min(n - 1, Math.floor(n * 0.99))] || sorted[n - 1] || 1;
  const width = cap / LTV_BINS || 1;
  const counts = new Array(LTV_BINS).fill(0);
  let above = 0;
  for (const value of clv) {
    if (value > cap) above++;
    else counts[Math.min(LTV_BINS - 1, Math.max(0, Math.floor(value / width)))]++;
  }
  const ltv = { starts: counts.map((_, i) => i * width), width, counts, above, cap };

  // P(alive) by repeat purchases × time since the last purchase, in days.
  const perDay = { day: 1, week: 7, month: 30.4375 }[summary.period] ?? 1;
  let oldest = 0;
  for (let i = 0; i < n; i++) oldest = Math.max(oldest, (T[i] - recency[i]) * perDay);
  const step = niceStep(oldest / 8);
  const columns = Math.max(1, Math.ceil((oldest + 1) / step));
  const sums = FREQUENCY_BINS.map(() => new Float64Array(columns));
  const cells = FREQUENCY_BINS.map(() => new Uint32Array(columns));
  for (let i = 0; i < n; i++) {
    const row = FREQUENCY_BINS.findIndex(([lo, hi]) => frequency[i] >= lo && frequency[i] <= hi);
    const column = Math.min(columns - 1, Math.floor(((T[i] - recency[i]) * perDay) / step));
    sums[row][column] += alive[i];
    cells[row][column]++;
  }
  const heat = {
    rows: FREQUENCY_BINS.map(([lo, hi]) => (lo === hi ? String(lo) : hi === Infinity ? `${lo}+` : `${lo}–${hi}`)),
    columns: Array.from({ length: columns }, (_, c) => c * step),
    step,
    customers: cells.map((row) => Array.from(row)),
    alive: sums.map((row, r) => Array.from(row, (sum, c) => (cells[r][c] ? sum / cells[r][c] : null))),
  };
  return { ltv, heat };
}

function niceStep(raw) {
  const candidates = [1, 7, 14, 30, 60, 90, 180, 365, 730];
  return candidates.find((c) => c >= raw) ?? Math.ceil(raw / 365) * 365;
}

// ---- table queries -------------------------------------------------------------

const SORT_COLUMNS = {
  customer: (r) => r.summary.customers.customer_id,
  orders: (r) => r.summary.customers.orders,
  total_spend: (r) => r.summary.customers.total_spend,
  frequency: (r) => r.summary.customers.frequency,
  last_purchase: (r) => r.summary.customers.last_purchase,
  p_alive: (r) => r.predictions?.customers.p_alive,
  expected_purchases: (r) => r.predictions?.customers.expected_purchases,
  clv: (r) => r.predictions?.customers.clv,
  clv_low: (r) => r.intervals?.clv_low,
  clv_high: (r) => r.intervals?.clv_high,
  value_low: (r) => r.intervals?.value_low,
  value_high: (r) => r.intervals?.value_high,
};

// The matching rows' indices, in display order.
function postRows({ id, sort, descending, search }) {
  if (!last?.summary) throw new Error('no analysis to query');
  const ids = last.summary.customers.customer_id;
  const needle = (search ?? '').trim().toLowerCase();
  let rows = [];
  for (let i = 0; i < ids.length; i++) if (!needle || ids[i].toLowerCase().includes(needle)) rows.push(i);
  const column = SORT_COLUMNS[sort]?.(last);
  if (column) {
    const sign = descending ? -1 : 1;
    const compare = typeof column[0] === 'string'
      ? (a, b) => sign * (column[a] < column[b] ? -1 : column[a] > column[b] ? 1 : 0) || a - b
      : (a, b) => sign * (column[a] - column[b]) || a - b;
    rows.sort(compare);
  }
  rows = Uint32Array.from(rows);
  postMessage({ type: 'rows', id, rows, total: ids.length }, [rows.buffer]);
}

// ---- exports -----------------------------------------------------------------

// Text cells go through the core's one rule against formula injection
// (ltvlab::export::safe_cell, exported as safeCell): a cell a spreadsheet
// would run as a formula gets a leading apostrophe; plain numbers stay numbers.
function csvField(value) {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : safeCell(String(value ?? ''));
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csv(header, rows) {
  // A BOM, so Excel opens Japanese names as UTF-8.
  const lines = [header.join(','), ...rows.map((row) => row.map(csvField).join(','))];
  return new Blob([`\ufeff${lines.join('\r\n')}\r\n`], { type: 'text/csv;charset=utf-8' });
}

function exportFile(kind, lang) {
  if (!last) throw new Error('no analysis to export');
  const l10n = localize(lang);
  switch (kind) {
    case 'customers':
      return { blob: customersCsv(last), name: 'ltvlab-customers.csv' };
    case 'recs-csv':
      return { blob: recommendationsCsv(last.recommendations, l10n), name: 'ltvlab-recommendations.csv' };
    case 'recs-json':
      return {
        blob: new Blob([JSON.stringify(last.recommendations, null, 2)], { type: 'application/json' }),
        name: 'ltvlab-recommendations.json',
      };
    default:
      throw new Error(`unknown export ${kind}`);
  }
}

// The core's one customers layout (ltvlab::export::customers_csv, the one
// `ltvlab predict` writes), with a BOM so Excel opens Japanese ids as UTF-8.
function customersCsv({ summary, predictions, intervals }) {
  if (!summary) throw new Error('no customers to export');
  const text = coreCustomersCsv(summary, predictions?.customers ?? null, predictions ? (intervals ?? null) : null);
  return new Blob([`\ufeff${text}`], { type: 'text/csv;charset=utf-8' });
}

function recommendationsCsv(recs, l10n) {
  if (!recs) throw new Error('no recommendations to export');
  const header = ['customer_id', 'list', 'item_id', 'item_name', 'rank', 'recommended_item_id',
    'recommended_item_name', 'score', 'reason'];
  const rows = [];
  for (const { item, together } of recs.items) {
    together.forEach((other, rank) =>
      rows.push(['', 'bought_together', item.id, item.name, rank + 1, other.item.id, other.item.name, other.score,
        l10n.t('recs.reason.bought_with', { item: item.name, count: other.count })]),
    );
  }
  for (const customer of recs.customers) {
    for (const list of ['buy_again', 'also_like']) {
      customer[list].forEach((rec, rank) => {
        const anchor = rec.reason.kind === 'buy_again' ? rec.item : rec.reason.item;
        rows.push([customer.customer_id, list, anchor?.id ?? '', anchor?.name ?? '', rank + 1, rec.item.id,
          rec.item.name, rec.score, reasonText(rec.reason, l10n)]);
      });
    }
  }
  return csv(header, rows);
}

function describe(error, lang) {
  if (error instanceof WebAssembly.RuntimeError) {
    const panic = lastConsoleError.match(/panicked at [^\n]*\n([^\n]*)/);
    return localize(lang ?? 'en').t('error.internal', { detail: panic ? panic[1] : error.message });
  }
  return error instanceof Error ? error.message : String(error);
}
