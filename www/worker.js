// @ts-check
// The analysis worker: owns the wasm module and the last result, so the page
// stays responsive while a large file is read, and never sorts or exports
// 100k rows on its own thread. A module worker (new Worker(url, {type: 'module'})).
//
// The messages in and out, and why there is no cancel message, are in
// protocol.js: ToWorker and FromWorker.

import init, { Analysis, WhatIf, clvIntervals, preview, version } from './pkg/ltvlab.js';
import { errorText, localize } from './i18n.js';
import { FromWorker, ToWorker, pack, postedList, postedRecommendations, unpack } from './protocol.js';
import { charts } from './worker/charts-data.js';
import { exportFile } from './worker/exports.js';
import { bootstrapInSlices } from './worker/intervals.js';
import { chunkReader, readInRanges, startRangeWorkers } from './worker/ranges.js';

/** @typedef {import('./protocol.js').FromWorkerMessage} FromWorkerMessage */
/** @typedef {import('./protocol.js').ToWorkerMessage} ToWorkerMessage */
/** @typedef {import('./protocol.js').AnalyzeRequest} AnalyzeRequest */
/** @typedef {import('./protocol.js').PostedResult} PostedResult */
/** @typedef {import('./protocol.js').PostedSummary} PostedSummary */
/** @typedef {import('./protocol.js').QueryRequest} QueryRequest */
/** @typedef {import('./pkg/ltvlab.js').AnalysisResult} AnalysisResult */
/** @typedef {import('./pkg/ltvlab.js').ModelsResult} ModelsResult */
/** @typedef {import('./pkg/ltvlab.js').AnalysisOptions} AnalysisOptions */
/** @typedef {import('./pkg/ltvlab.js').SummaryResult} SummaryResult */
/** @typedef {import('./worker/exports.js').Kept} Kept */

/**
 * Posts a message to the page: the one place this worker talks to it.
 * @param {FromWorkerMessage} message
 * @param {Transferable[]} [transfer]
 */
const send = (message, transfer = []) => postMessage(message, transfer);

/** Bytes the preview reads: what ingest itself uses to detect the format. */
const PREVIEW_BYTES = 256 * 1024;

// console_error_panic_hook reports a panic's message through console.error just
// before the trap; remember it so the page can show more than "unreachable".
let lastConsoleError = '';
const consoleError = console.error.bind(console);
console.error = (/** @type {unknown[]} */ ...args) => {
  lastConsoleError = args.map(String).join(' ');
  consoleError(...args);
};

const ready = init().then(() => send({ type: FromWorker.READY, version: version() }));
// The page's analysis worker (not a helper instance of this script) reads
// large files in byte ranges with range workers, started now so that their
// wasm is compiled before a file is dropped.
if (self.name === 'analysis') startRangeWorkers();

/** @type {Kept | null} the last analysis, for queries and exports */
let last = null;
/** @type {WhatIf | null} the last analysis's model (a wasm object, never posted) */
let whatif = null;
// The last analysis between its result and its recommendations: {id, analysis}.
// The recommender is the slowest section (~2 s at 1M lines), so the page gets
// the dashboard first and asks for them once it has queued its own first
// requests (table rows, the what-if's first run), which then go first.
/** @type {{id: number, analysis: Analysis} | null} */
let deferred = null;

/** @param {MessageEvent<ToWorkerMessage>} event */
onmessage = async ({ data }) => {
  try {
    switch (data.type) {
      case ToWorker.ANALYZE:
        await runAnalysis(data);
        break;
      case ToWorker.RECOMMEND:
        postRecommendations(data.id);
        break;
      case ToWorker.QUERY:
        postRows(data);
        break;
      case ToWorker.EXPORT:
        if (!last) throw new Error('no analysis to export');
        send({ type: FromWorker.FILE, id: data.id, ...exportFile(last, data.kind, data.lang, data.list) });
        break;
      case ToWorker.WHATIF: {
        if (!whatif) throw new Error('no fitted model for a what-if scenario');
        const started = performance.now();
        const result = whatif.run(data.scenario, data.options);
        send({ type: FromWorker.WHATIF, id: data.id, result, ms: performance.now() - started });
        break;
      }
      case ToWorker.INTERVALS: {
        await ready;
        if (!data.summary) {
          // A large shop's, in slices on the summary its what-if model keeps (worker/intervals.js).
          if (!whatif) throw new Error('no analysis for CLV intervals');
          const kept = whatif;
          const { id, lang } = data;
          bootstrapInSlices(kept, data, () => whatif === kept, (intervals) => {
            if (last) last.intervals = intervals;
            send({ type: FromWorker.INTERVALS, id, intervals });
          }, (error) => {
            const described = describe(error);
            send({ type: FromWorker.ERROR, id, message: errorText(localize(lang ?? 'en'), described), error: described });
          });
          break;
        }
        const intervals = clvIntervals(unpackSummary(data.summary), data.predict, data.samples, 0);
        send({ type: FromWorker.INTERVALS, id: data.id, intervals });
        break;
      }
      case ToWorker.WHATIF_INIT:
        await ready;
        whatif?.free();
        whatif = WhatIf.fromSummary(unpackSummary(data.summary), data.model);
        send({ type: FromWorker.WHATIF_READY, id: data.id });
        break;
      case ToWorker.SHIFT:
        if (!whatif) throw new Error('no fitted model for a channel shift');
        send({ type: FromWorker.SHIFT, id: data.id, result: whatif.channelShift(data.shift, data.margin) });
        break;
      case ToWorker.SET_INTERVALS:
        if (last) last.intervals = data.intervals;
        break;
    }
  } catch (error) {
    const described = describe(error);
    send({ type: FromWorker.ERROR, id: data.id, message: errorText(localize(data.lang ?? 'en'), described), error: described });
  }
};

/** @param {AnalyzeRequest} data */
async function runAnalysis(data) {
  last = null;
  whatif?.free();
  whatif = null;
  dropDeferred();
  const done = await analyze(data.id, data);
  const { ranges, id } = { ranges: done.ranges, id: data.id };
  // Set by postFirstFigures during the analysis (TypeScript cannot see that).
  const first = /** @type {Kept | null} */ (last);
  if (!done.models) {
    // The models phase failed after the first figures were posted: they
    // stand (and the table's and exports' queries use them); the model
    // sections say why.
    const error = describe(done.error);
    if (first) first.recommendations_pending = false;
    send({ type: FromWorker.RESULT, id, result: null, charts: null, ranges, error, message: errorText(localize(data.lang ?? 'en'), error) });
    return;
  }
  // The simulator is a wasm object: it stays here, and the page learns only whether it exists.
  const { whatif: simulator, ...models } = done.models;
  whatif = simulator;
  if (!first) throw new Error('the models came before the first figures');
  /** @type {Kept} */
  const result = { ...first, ...models, notes: [...first.notes, ...models.notes], models_pending: false, whatif: Boolean(simulator) };
  last = result;
  if (result.recommendations_pending) deferred = { id, analysis: done.analysis };
  else done.analysis.free();
  const { posted, transfer } = modelsForPage({ ...models, whatif: Boolean(simulator) });
  send({ type: FromWorker.RESULT, id, result: posted, charts: charts(result), ranges }, transfer);
  if (self.name === 'analysis') startRangeWorkers(); // for the next file, now that this one's result is out
}

/**
 * Posts the first figures (the result without what needs a model) and keeps
 * them for the table's queries and the exports.
 * @param {number} id
 * @param {AnalysisResult} first
 * @param {number} ranges
 */
function postFirstFigures(id, first, ranges) {
  const { whatif: _none, ...rest } = first;
  /** @type {Kept} */
  const result = { ...rest, whatif: false };
  last = result;
  const { posted, transfer } = forPage(result);
  send({ type: FromWorker.FIRST_FIGURES, id, result: posted, ranges }, transfer);
}

function dropDeferred() {
  try {
    deferred?.analysis.free();
  } catch {}
  deferred = null;
}

/** @param {number} id */
function postRecommendations(id) {
  if (!deferred || deferred.id !== id || !last) return; // superseded by a newer analysis
  const { analysis } = deferred;
  deferred = null;
  const { recommendations, notes } = analysis.recommend((stage, done, total) =>
    send({ type: FromWorker.RECS_PROGRESS, id, stage, ...stepsOf(done, total) }),
  ); // frees `analysis`
  last.recommendations = recommendations;
  last.recommendations_pending = false;
  last.notes = [...last.notes, ...notes];
  // JSON text: cheaper to clone than many small objects (see forPage).
  send({ type: FromWorker.RECOMMENDATIONS, id, recommendations: recommendations && postedRecommendations(recommendations), notes });
}

// Returns {models, analysis, ranges}: what the models add to the first
// figures (without the recommendations), the Analysis that computes the
// recommendations and the number of byte ranges the file was read in (1: in
// one go); or {error, ranges} when the models phase failed after the first
// figures. Posts the preview as soon as the head of the file has arrived,
// the first figures as soon as they are computed, and its progress all along.
/**
 * @param {number} id
 * @param {AnalyzeRequest} request
 * @returns {Promise<{models: ModelsResult, analysis: Analysis, ranges: number} | {models: null, error: unknown, ranges: number}>}
 */
async function analyze(id, { file, url, options, splitMinBytes }) {
  /**
   * @param {import('./protocol.js').ProgressMessage['stage']} stage
   * @param {number | null} percent
   * @param {{step: number, steps: number}} [steps]
   */
  const progress = (stage, percent, steps) => send({ type: FromWorker.PROGRESS, id, stage, percent, ...steps });

  progress('loading', null);
  await ready;

  /** @type {ReadableStream<Uint8Array>} */
  let stream;
  /** @type {number | null} */
  let total;
  if (url !== undefined) {
    progress('downloading', null);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
    total = Number(response.headers.get('Content-Length')) || null;
    if (!response.body) throw new Error(`cannot load ${url}: no body`);
    stream = response.body;
  } else if (file) {
    total = file.size;
    const size = total;
    progress('reading', 0);
    let shown = 0;
    const ranged = await readInRanges(file, options, {
      minBytes: splitMinBytes,
      onHead: (head) => send({ type: FromWorker.PREVIEW, id, preview: previewOf([head], options) }),
      onRead: (read) => {
        const percent = Math.min(100, Math.floor((read / size) * 100));
        if (percent !== shown) progress('reading', (shown = percent));
      },
    });
    if (ranged) return { ...dashboardOf(id, ranged.analysis, progress, ranged.ranges), ranges: ranged.ranges };
    stream = file.stream();
  } else {
    throw new Error('nothing to analyse: neither a file nor a url');
  }

  const analysis = new Analysis(options);
  if (total) analysis.expectBytes(total);
  let finished = false; // true once the caller owns `analysis`
  try {
    const reader = chunkReader(stream);
    let read = 0;
    let shown = /** @type {number | null} */ (-1);
    /** @type {Uint8Array[] | null} */
    let head = [];
    let headBytes = 0;
    const showPreview = () => {
      send({ type: FromWorker.PREVIEW, id, preview: previewOf(head ?? [], options) });
      head = null;
    };
    progress('reading', total ? 0 : null);
    for (;;) {
      const { done, value } = await reader.read();
      if (done || !value) break;
      if (head) {
        head.push(reader.reused ? value.slice() : value);
        headBytes += value.byteLength;
      }
      try {
        analysis.push(value);
      } catch (error) {
        // Detection ran on this chunk and stopped (a column it needs is not
        // found): the preview still shows what was found, so the mapping can fix it.
        if (head) {
          try {
            showPreview();
          } catch {} // the ingest error is the one to report
        }
        throw error;
      }
      if (head && headBytes >= PREVIEW_BYTES) showPreview();
      read += value.byteLength;
      const percent = total ? Math.min(100, Math.floor((read / total) * 100)) : null;
      if (percent !== shown) {
        shown = percent;
        progress('reading', percent);
      }
    }
    if (head) showPreview();
    const done = dashboardOf(id, analysis, progress, 1);
    finished = true;
    return { ...done, ranges: 1 };
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

/**
 * Ends the input of `analysis` and computes the dashboard in its two phases:
 * one synchronous call of seconds on large or awkward files. The core
 * reports each stage as it starts, and the first figures once they are
 * computed; postMessage delivers both to the page while the call goes on.
 * An error before the first figures is thrown; after them, it is the models
 * phase's and is returned (`models: null`). On an error `analysis` is freed.
 * @param {number} id
 * @param {Analysis} analysis
 * @param {(stage: import('./protocol.js').ProgressMessage['stage'], percent: number | null, steps?: {step: number, steps: number}) => void} progress
 * @param {number} ranges
 * @returns {{models: ModelsResult, analysis: Analysis} | {models: null, error: unknown}}
 */
function dashboardOf(id, analysis, progress, ranges) {
  let posted = false;
  try {
    const models = analysis.finishInPhases(
      (stage, done, total) => {
        const { percent, ...steps } = stepsOf(done, total);
        progress(stage, percent, steps);
      },
      (first) => {
        postFirstFigures(id, first, ranges);
        posted = true;
      },
    );
    return { models, analysis };
  } catch (error) {
    try {
      analysis.free();
    } catch {}
    if (posted) return { models: null, error };
    throw error;
  }
}

/**
 * A stage's place for the page: the `step`th of `steps`, with `percent` of them done.
 * @param {number} done
 * @param {number} total
 */
function stepsOf(done, total) {
  return { percent: Math.floor((done / total) * 100), step: done + 1, steps: total };
}

/**
 * Copies of columns to move to the page: `moved(column)` copies one and
 * adds its buffer to `transfer`, `packed(strings)` packs a string column.
 */
function mover() {
  /** @type {Transferable[]} */
  const transfer = [];
  /**
   * A copy of `column` to move to the page.
   * @template {Float64Array | Uint8Array} T
   * @param {T} column
   * @returns {T}
   */
  const moved = (column) => {
    const copy = /** @type {T} */ (column.slice());
    transfer.push(copy.buffer);
    return copy;
  };
  /** @param {string[]} strings */
  const packed = (strings) => {
    const column = pack(strings);
    transfer.push(column.ends.buffer);
    return column;
  };
  return { transfer, moved, packed };
}

/**
 * The sections the models add, as posted: of the predictions' per-customer
 * columns only those the page reads, the segments' columns moved and their
 * customer lists as JSON text (PostedList).
 * @param {Pick<Kept, 'predictions' | 'segments'>} result
 * @param {ReturnType<typeof mover>['moved']} moved
 */
function modelSections({ predictions, segments }, moved) {
  return {
    predictions: predictions && {
      ...predictions,
      customers: {
        p_alive: moved(predictions.customers.p_alive),
        expected_purchases: moved(predictions.customers.expected_purchases),
        clv: moved(predictions.customers.clv),
      },
    },
    segments: segments && {
      ...segments,
      follow_up: segments.follow_up.map((list) => ({ ...list, customers: postedList(list.customers) })),
      overdue: { ...segments.overdue, customers: postedList(segments.overdue.customers) },
      due_soon: { ...segments.due_soon, customers: postedList(segments.due_soon.customers) },
      customers: {
        segment: moved(segments.customers.segment),
        r: moved(segments.customers.r),
        f: moved(segments.customers.f),
        m: moved(segments.customers.m),
      },
    },
  };
}

/**
 * The result as posted to the page, in the cheaper shapes of PostedResult
 * (protocol.js): string columns packed, recommendations as JSON text, and
 * of the predictions' per-customer columns only those the page reads. The
 * page's columns are copies whose buffers are transferred (`transfer`), so
 * the message holds no third copy of them between the worker's and the
 * page's, and receiving it copies nothing on the page's thread.
 * @param {Kept} result
 * @returns {{posted: PostedResult, transfer: Transferable[]}}
 */
function forPage(result) {
  const { transfer, moved, packed } = mover();
  const summary = result.summary;
  const c = summary?.customers;
  /** @type {PostedResult} */
  const posted = {
    ...result,
    ...modelSections(result, moved),
    summary: summary && c ? {
      ...summary,
      customers: {
        ...c,
        customer_id: packed(c.customer_id),
        frequency: moved(c.frequency),
        recency: moved(c.recency),
        T: moved(c.T),
        monetary_value: moved(c.monetary_value),
        orders: c.orders && moved(c.orders),
        total_spend: c.total_spend && moved(c.total_spend),
        first_purchase: c.first_purchase && packed(c.first_purchase),
        last_purchase: c.last_purchase && packed(c.last_purchase),
      },
    } : null,
    recommendations: result.recommendations && JSON.stringify(result.recommendations),
  };
  return { posted, transfer };
}

/**
 * What the models add, as posted to the page (PostedModels).
 * @param {Omit<ModelsResult, 'whatif'> & {whatif: boolean}} models
 * @returns {{posted: import('./protocol.js').PostedModels, transfer: Transferable[]}}
 */
function modelsForPage(models) {
  const { transfer, moved } = mover();
  return { posted: { ...models, ...modelSections(models, moved) }, transfer };
}

/**
 * A summary as another worker posted it, with its string columns unpacked.
 * @param {PostedSummary} summary
 * @returns {SummaryResult}
 */
function unpackSummary(summary) {
  const c = summary.customers;
  return {
    ...summary,
    customers: {
      ...c,
      customer_id: unpack(c.customer_id),
      first_purchase: c.first_purchase && unpack(c.first_purchase),
      last_purchase: c.last_purchase && unpack(c.last_purchase),
    },
  };
}

/**
 * The head of the file, cut after its last line break so no row is half read.
 * @param {Uint8Array[]} chunks
 * @param {AnalysisOptions} options
 */
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

// ---- table queries -------------------------------------------------------------

/** @type {Record<import('./protocol.js').SortKey, (r: Kept) => ArrayLike<number> | string[] | null | undefined>} */
const SORT_COLUMNS = {
  customer: (r) => r.summary?.customers.customer_id,
  orders: (r) => r.summary?.customers.orders,
  total_spend: (r) => r.summary?.customers.total_spend,
  frequency: (r) => r.summary?.customers.frequency,
  last_purchase: (r) => r.summary?.customers.last_purchase,
  p_alive: (r) => r.predictions?.customers.p_alive,
  expected_purchases: (r) => r.predictions?.customers.expected_purchases,
  clv: (r) => r.predictions?.customers.clv,
  clv_low: (r) => r.intervals?.clv_low,
  clv_high: (r) => r.intervals?.clv_high,
  value_low: (r) => r.intervals?.value_low,
  value_high: (r) => r.intervals?.value_high,
};

/**
 * The matching rows' indices, in display order.
 * @param {QueryRequest} request
 */
function postRows({ id, sort, descending, search }) {
  if (!last?.summary) throw new Error('no analysis to query');
  const ids = last.summary.customers.customer_id;
  const needle = (search ?? '').trim().toLowerCase();
  /** @type {number[]} */
  const matching = [];
  for (let i = 0; i < ids.length; i++) if (!needle || ids[i].toLowerCase().includes(needle)) matching.push(i);
  const column = SORT_COLUMNS[sort]?.(last);
  if (column) {
    const sign = descending ? -1 : 1;
    /** @type {(a: number, b: number) => number} */
    let compare;
    if (typeof column[0] === 'string') {
      const text = /** @type {string[]} */ (column);
      compare = (a, b) => sign * (text[a] < text[b] ? -1 : text[a] > text[b] ? 1 : 0) || a - b;
    } else {
      const numbers = /** @type {ArrayLike<number>} */ (column);
      compare = (a, b) => sign * (numbers[a] - numbers[b]) || a - b;
    }
    matching.sort(compare);
  }
  const rows = Uint32Array.from(matching);
  send({ type: FromWorker.ROWS, id, rows, total: ids.length }, [rows.buffer]);
}

/**
 * An error's code, parameters and English text, for `errorText` to say in
 * the page's language: the core's errors carry theirs (`CoreError`: code and
 * params beside the English message); the browser's own (a failed download,
 * an unreadable file) get one here, so no browser text such as "Failed to
 * fetch" reaches a page in another language.
 * @param {unknown} error
 * @returns {import('./protocol.js').DescribedError}
 */
function describe(error) {
  const text = error instanceof Error ? error.message : String(error);
  if (error instanceof WebAssembly.RuntimeError) {
    // The panic's words are English engineer text: only the English page shows them.
    const panic = lastConsoleError.match(/panicked at [^\n]*\n([^\n]*)/);
    return { code: 'internal', params: { detail: panic ? panic[1] : text }, message: text };
  }
  const core = /** @type {Partial<import('./pkg/ltvlab.js').CoreError>} */ (error);
  if (error instanceof Error && typeof core.code === 'string') return { code: core.code, params: core.params ?? {}, message: text };
  // fetch rejects with a TypeError ("Failed to fetch") when the network fails.
  if ((error instanceof TypeError && /fetch|network/i.test(text)) || text.startsWith('cannot load ')) {
    return { code: 'fetch', params: {}, message: text };
  }
  // File.stream() fails with a DOMException (NotReadableError, NotFoundError)
  // when the file was moved or changed after it was chosen.
  if (error instanceof DOMException) return { code: 'read', params: {}, message: text };
  return { code: 'unexpected', params: {}, message: text };
}
