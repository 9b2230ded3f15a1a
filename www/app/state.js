// @ts-check
// The page's state: one object, read and changed by the page's modules. The
// worker keeps the per-customer columns; the page asks it for the order of
// rows (sort, search) and renders one page of the table at a time, so no
// main-thread task grows with the number of customers.

import { localize } from '../i18n.js';

/** @typedef {import('../i18n.js').L10n} L10n */
/** @typedef {import('../protocol.js').PostedResult} PostedResult */
/** @typedef {import('../protocol.js').PostedSummary} PostedSummary */
/** @typedef {import('../protocol.js').ChartData} ChartData */
/** @typedef {import('../protocol.js').SortKey} SortKey */
/** @typedef {import('../protocol.js').WhatIfRequest} WhatIfRequest */
/** @typedef {import('../pkg/ltvlab.js').Preview} Preview */
/** @typedef {import('../pkg/ltvlab.js').ClvIntervals} ClvIntervals */
/** @typedef {import('../pkg/ltvlab.js').RecommendationsResult} RecommendationsResult */
/** @typedef {import('../pkg/ltvlab.js').WhatIfResult} WhatIfResult */
/** @typedef {import('../charts.js').Chart} Chart */

/**
 * A string column as the worker posts it: one text and the end offset of each
 * string, because the structured clone of 100k separate strings costs the
 * main thread tens of ms. `at(i)` and `length`, like an array.
 */
export class PackedStrings {
  /** @param {import('../protocol.js').Packed} packed */
  constructor({ text, ends }) {
    this.text = text;
    this.ends = ends;
    this.length = ends.length;
  }

  /** @param {number} i */
  at(i) {
    return this.text.slice(i > 0 ? this.ends[i - 1] : 0, this.ends[i]);
  }

  /** The column as posted, for another worker. */
  packed() {
    return { text: this.text, ends: this.ends };
  }
}

/**
 * The summary as the page keeps it: its string columns read through PackedStrings.
 * @typedef {Omit<PostedSummary, 'customers'> & {customers: Omit<PostedSummary['customers'], import('../protocol.js').StringColumn>
 *   & {customer_id: PackedStrings, first_purchase: PackedStrings | null, last_purchase: PackedStrings | null}}} PageSummary
 */
/**
 * The last analysis as the page keeps it. The recommendations are JSON text
 * until a task of their own parses them (see sections/recommendations.js).
 * `models_pending` while the worker fits the models after the first
 * figures; `models_error` when that failed (the first figures stand).
 * @typedef {Omit<PostedResult, 'summary' | 'recommendations'>
 *   & {summary: PageSummary | null, recommendations: string | RecommendationsResult | null,
 *   models_error?: import('../protocol.js').DescribedError}} PageResult
 */

/** What the last analysis read, and its name for the status line. @typedef {{file?: File, url?: string, name: () => string}} Source */
/** A drawn chart, to resize, export and destroy. @typedef {{chart: Chart, stop: () => void, name: string, title: string}} ChartEntry */
/**
 * The what-if panel's runs: `pending` (quick, in the analysis worker) and
 * `full` (with draws, in the helper worker) are in flight, `queued` and
 * `fullQueued` wait for them; `last` is the result shown.
 * @typedef {object} WhatIfState
 * @property {Record<string, number>} values the sliders' positions
 * @property {{id: number, request: WhatIfDraft, sent: number} | null} pending
 * @property {WhatIfDraft | null} queued
 * @property {number} settle the timer of the run with draws after the last move
 * @property {WhatIfResult | null} last
 * @property {number} lastMs
 * @property {string} lastKey
 * @property {Chart | null} chart the value curve
 * @property {{key: string, chart: Chart | null, building?: boolean, values?: number[]} | null} ranking the lever ranking
 * @property {number} movedAt when the slider last moved, for the timing in data-update-ms
 * @property {Worker | null} helper
 * @property {boolean} helperReady
 * @property {{id: number, request: WhatIfDraft} | null} full
 * @property {WhatIfDraft | null} fullQueued
 */
/** @typedef {Pick<WhatIfRequest, 'scenario' | 'options'>} WhatIfDraft */
/** @typedef {{key: string, params: {seconds?: number, baskets?: number, items?: number}}} Status */
/** @typedef {{stage: string, percent: number, step: number, steps: number}} RecsProgress */

export const state = {
  /** The messages and formats of the chosen language (and the data's currency). */
  l10n: localize('en'),
  /** The next message id; every request has its own. */
  nextId: 1,
  /**
   * The analysis in progress, until its models are in (its first figures are drawn before).
   * @type {{id: number, started: number} | null}
   */
  job: null,
  /**
   * The analysis whose first figures are drawn (body[data-first-figures]), or 0. The page's states
   * (body[data-state]): idle, working (from the file to the whole dashboard, models included),
   * done (the whole dashboard drawn) and error; data-first-figures marks, within working, that the
   * figures that need no model are drawn and the model sections say they are being fitted.
   */
  firstFigures: 0,
  /** True when the models phase ended in a wasm trap: the next analysis starts a fresh worker. */
  replaceWorker: false,
  /** @type {Source | null} */
  source: null,
  /** @type {Record<string, string>} role → column chosen by the user for `source` */
  overrides: {},
  /** Whether `source` is analysed without its large orders (the large orders' note's button). */
  excludeLarge: false,
  /** @type {Preview | null} the head of the file */
  preview: null,
  /** @type {PageResult | null} the last analysis */
  result: null,
  /** @type {ChartData | null} */
  chartData: null,
  /** @type {ChartEntry[]} */
  charts: [],
  /** The customer table: its order, search, page and the rows the worker sent for `query`. */
  view: {
    sort: /** @type {SortKey} */ ('clv'),
    descending: true,
    search: '',
    page: 0,
    /** @type {Uint32Array | null} */
    rows: null,
    query: 0,
    searchTimer: 0,
  },
  /** The customers' CLV intervals, from a helper worker. */
  intervals: {
    /** @type {'none' | 'pending' | 'done' | 'failed'} */
    state: 'none',
    query: 0,
    /** @type {ClvIntervals | null} */
    data: null,
    /** Why the ranges failed: the core's error, or `worker` when the helper did not start. */
    /** @type {import('../protocol.js').DescribedError | null} */
    error: null,
    /** @type {Worker | null} */
    worker: null,
  },
  /** The exports asked for and not yet received. */
  pendingFiles: /** @type {Set<number>} */ (new Set()),
  /** The analysis whose recommendations the worker is computing, or 0. */
  recsJob: 0,
  /** @type {Status | null} the status line, kept as a message key so it follows the language switch */
  status: null,
  /** @type {import('../protocol.js').DescribedError | null} the error shown, kept so it follows the language switch */
  error: null,
  /** @type {[string, number | null, {step?: number, steps?: number}] | null} the last progress shown, for a language switch */
  progressShown: null,
  /** @type {RecsProgress | null} the recommender's last stage shown, for a language switch */
  recsProgressShown: null,
  /** Counts dashboards drawn: a newer one stops an older one still being drawn. */
  renderToken: 0,
  /** @type {{id: number, waiting: number} | null} what the helper workers wait for (see releaseHelpers) */
  helpersGate: null,
  /** @type {WhatIfState} */
  whatif: {
    values: {}, pending: null, queued: null, settle: 0, last: null, lastMs: 0, lastKey: '', chart: null, ranking: null,
    movedAt: 0, helper: null, helperReady: false, full: null, fullQueued: null,
  },
};

/** Kana or kanji. */
const JAPANESE_TEXT = /[\u3040-\u30ff\u3400-\u9fff]/;

/**
 * The currency to format the data's amounts in: the file's own (its most
 * frequent currency code), else yen for a file that is Japanese by its
 * encoding, format, header names or the text of its first rows (Japanese
 * shops' exports carry no currency column and their amounts are yen; a
 * sheet with English headers and 煎茶 in its rows is a Japanese shop's too),
 * else null for plain numbers.
 * @param {import('../pkg/ltvlab.js').IngestReport} report
 * @param {readonly string[][]} [rows] the preview's first rows
 * @returns {string | null}
 */
export function dataCurrency(report, rows = []) {
  const code = report.stats?.currencies?.[0]?.[0];
  if (code) return code;
  const japanese = /shift_jis|euc-jp|iso-2022-jp/i.test(report.encoding ?? '')
    || report.preset === 'rakuten_rms'
    || (report.columns ?? []).some((name) => JAPANESE_TEXT.test(name))
    || rows.some((row) => row.some((field) => JAPANESE_TEXT.test(field)));
  return japanese && !hasCents(report, rows) ? 'JPY' : null;
}

/**
 * Whether an amount or unit price in the first rows has a fraction (19.51):
 * yen has none, so such a file's amounts stay plain numbers rather than be
 * rounded to yen.
 * @param {import('../pkg/ltvlab.js').IngestReport} report
 * @param {readonly string[][]} rows
 */
function hasCents(report, rows) {
  const money = (report.mapping ?? []).filter((m) => m.role === 'amount' || m.role === 'unit_price').map((m) => m.index);
  return rows.some((row) => money.some((i) => /[.,]\d*[1-9]\d*\s*$/.test(row[i] ?? '') && !/,\d{3}\s*$/.test(row[i] ?? '')));
}

/** A new message id. */
export const newId = () => state.nextId++;

/** The result, which the caller knows is there (a renderer of the dashboard). */
export function current() {
  if (!state.result) throw new Error('no analysis result');
  return state.result;
}

/**
 * How far the current result's data show customers leaving
 * (ltvlab::predict::BaseTotals): `identified` (true without predictions),
 * and where not, which caveat the page gives, the suffix of its text keys:
 * `unidentified` (the model sees nobody leaving) or `prior` (the model's
 * default assumption sets the pace of leaving). `valueCaveat` is the suffix
 * for the texts about the values (the model LTV card, its chart, the printed
 * sheet): `unidentified` says they may be too high, unless the holdout found
 * the model predicting far too few purchases (ltvlab::validate::holdout_total):
 * then `unidentified-under` leaves that out, so the page never says both
 * "may be too high" and "probably too low".
 * @returns {{identified: boolean, caveat: 'unidentified' | 'prior' | null, valueCaveat: 'unidentified' | 'unidentified-under' | 'prior' | null}}
 */
export function dropout() {
  const result = current();
  const base = result.predictions?.base;
  const identified = base?.dropout_identified !== false;
  const caveat = identified ? null : base?.dropout_from_prior ? 'prior' : 'unidentified';
  const under = caveat === 'unidentified' && result.validation?.total === 'under';
  return { identified, caveat, valueCaveat: under ? 'unidentified-under' : caveat };
}
