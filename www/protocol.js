// @ts-check
// The messages between the page and the analysis worker (worker.js), the one
// place that says their shapes. Both sides import it: the page posts
// `ToWorker` messages and handles `FromWorker` ones, the worker the reverse;
// `tsc --noEmit` (scripts/lib.sh, check_www_types) checks both against these
// types and against the core's declarations in pkg/ltvlab.d.ts.
//
// There is no cancel message: most of an analysis is one synchronous wasm
// call (finishDashboard), during which no message would reach the worker, so
// the page cancels by terminating it and starting a fresh one. After a wasm
// panic the module's memory cannot be trusted either, so the page replaces
// the worker after any error rather than reusing it.
//
// The same worker script also runs as two helpers beside the analysis worker,
// each with its own wasm heap: one computes the customers' CLV intervals
// (`intervals`), the other fits the what-if model again (`whatif-init`) and
// runs the scenarios with draws, so the first worker stays responsive.

/** @typedef {import('./pkg/ltvlab.js').AnalysisOptions} AnalysisOptions */
/** @typedef {import('./pkg/ltvlab.js').AnalysisResult} AnalysisResult */
/** @typedef {import('./pkg/ltvlab.js').AnalysisStage} AnalysisStage */
/** @typedef {import('./pkg/ltvlab.js').ClvIntervals} ClvIntervals */
/** @typedef {import('./pkg/ltvlab.js').Note} Note */
/** @typedef {import('./pkg/ltvlab.js').ModelChoice} ModelChoice */
/** @typedef {import('./pkg/ltvlab.js').PredictOptions} PredictOptions */
/** @typedef {import('./pkg/ltvlab.js').PredictionsResult} PredictionsResult */
/** @typedef {import('./pkg/ltvlab.js').Preview} Preview */
/** @typedef {import('./pkg/ltvlab.js').RecommendStage} RecommendStage */
/** @typedef {import('./pkg/ltvlab.js').Scenario} Scenario */
/** @typedef {import('./pkg/ltvlab.js').SimulationOptions} SimulationOptions */
/** @typedef {import('./pkg/ltvlab.js').SummaryResult} SummaryResult */
/** @typedef {import('./pkg/ltvlab.js').WhatIfResult} WhatIfResult */

/** The kinds of message the page posts to a worker. */
export const ToWorker = /** @type {const} */ ({
  /** Analyse a dropped or chosen file, or fetch and analyse a file of this site. */
  ANALYZE: 'analyze',
  /** The recommendations of analysis `id`, after its result. */
  RECOMMEND: 'recommend',
  /** Customer rows to show, in order. */
  QUERY: 'query',
  /** A file to download. */
  EXPORT: 'export',
  /** A what-if run on the last analysis's model (or the helper's). */
  WHATIF: 'whatif',
  /** Bootstrap CLV intervals (in a helper instance of the worker). */
  INTERVALS: 'intervals',
  /** The intervals, for sorting and the CSV export. */
  SET_INTERVALS: 'set-intervals',
  /** Fit the what-if model from a summary (in a helper instance). */
  WHATIF_INIT: 'whatif-init',
  /** A channel shift on the last analysis's channel effects. */
  SHIFT: 'shift',
});

/** The kinds of message a worker posts to the page. */
export const FromWorker = /** @type {const} */ ({
  READY: 'ready',
  PROGRESS: 'progress',
  PREVIEW: 'preview',
  FIRST_FIGURES: 'first-figures',
  RESULT: 'result',
  RECS_PROGRESS: 'recs-progress',
  RECOMMENDATIONS: 'recommendations',
  ROWS: 'rows',
  FILE: 'file',
  WHATIF: 'whatif',
  INTERVALS: 'intervals',
  WHATIF_READY: 'whatif-ready',
  ERROR: 'error',
  SHIFT: 'shift',
});

/**
 * What the page can export: the customers' CSV, the recommendations as CSV or
 * JSON, one follow-up list of the segments (`list`, named by ListName), or
 * one table by channel or first product (`groups`, the breakdown's name,
 * `by_channel` or `by_first_product`, in `list`).
 */
export const EXPORT_KINDS = /** @type {const} */ (['customers', 'recs-csv', 'recs-json', 'list', 'groups', 'subscription']);
/** @typedef {typeof EXPORT_KINDS[number]} ExportKind */

/** The columns the customer table sorts by (worker.js SORT_COLUMNS). */
/** @typedef {'customer' | 'orders' | 'total_spend' | 'frequency' | 'last_purchase' | 'p_alive' | 'expected_purchases' | 'clv' | 'clv_low' | 'clv_high' | 'value_low' | 'value_high'} SortKey */

// ---- page → worker -----------------------------------------------------------

/**
 * Every message to a worker carries the page's language, for its error messages.
 * @typedef {{lang: string}} Lang
 */
/**
 * `splitMinBytes` is for tests and benchmarks: files from this size on are read
 * in byte ranges (worker/ranges.js; default SPLIT_MIN_BYTES there).
 * @typedef {{type: typeof ToWorker.ANALYZE, id: number, options: AnalysisOptions, file?: Blob, url?: string, splitMinBytes?: number} & Lang} AnalyzeRequest
 */
/** @typedef {{type: typeof ToWorker.RECOMMEND, id: number} & Lang} RecommendRequest */
/** @typedef {{type: typeof ToWorker.QUERY, id: number, sort: SortKey, descending: boolean, search: string} & Lang} QueryRequest */
/** A segments list: `follow_up:<index>` (SegmentReport.follow_up), `overdue` or `next_order_soon` (SegmentReport.due_soon); or a recommendations list: `next_basket` or `due_soon`; for kind `groups`, a breakdown (`by_channel`, `by_first_product`) or its model effects (`channel_effects`, `product_effects`). @typedef {string} ListName */
/** @typedef {{type: typeof ToWorker.EXPORT, id: number, kind: ExportKind, list?: ListName} & Lang} ExportRequest */
/** @typedef {{type: typeof ToWorker.WHATIF, id: number, scenario: Scenario, options: SimulationOptions} & Lang} WhatIfRequest */
/**
 * `predict` names the model the dashboard chose, so the bootstrap refits that one. Without `summary`, the
 * analysis worker bootstraps the last analysis's own summary (kept by its what-if model), for large shops, in slices
 * between its other messages (worker/intervals.js).
 * @typedef {{type: typeof ToWorker.INTERVALS, id: number, summary?: PostedSummary, predict: PredictOptions | undefined, samples: number} & Lang} IntervalsRequest
 */
/** @typedef {{type: typeof ToWorker.SET_INTERVALS, intervals: ClvIntervals, id?: undefined} & Lang} SetIntervalsRequest */
/**
 * `model` names the purchase model the dashboard chose (the what-if of the first worker uses it too).
 * @typedef {{type: typeof ToWorker.WHATIF_INIT, id: number, summary: PostedSummary, model: ModelChoice['model'] | undefined} & Lang} WhatIfInitRequest
 */
/**
 * @typedef {AnalyzeRequest | RecommendRequest | QueryRequest | ExportRequest | WhatIfRequest | IntervalsRequest
 *   | SetIntervalsRequest | WhatIfInitRequest | ShiftRequest} ToWorkerMessage
 */
/** `margin` is the what-if panel's. @typedef {{type: typeof ToWorker.SHIFT, id: number, shift: import('./pkg/ltvlab.js').ChannelShift, margin: number} & Lang} ShiftRequest */
/**
 * A message as the page's code writes it; the worker client adds `lang`.
 * @typedef {ToWorkerMessage extends infer M ? M extends unknown ? Omit<M, 'lang'> : never : never} ToWorkerDraft
 */

// ---- worker → page -----------------------------------------------------------

/** @typedef {{type: typeof FromWorker.READY, version: string}} ReadyMessage */
/**
 * `percent` is null when unknown. During the analysis proper `stage` is the
 * AnalysisStage starting now, the `step`th of `steps`; before it, one of the
 * loading stages.
 * @typedef {{type: typeof FromWorker.PROGRESS, id: number, stage: LoadingStage | AnalysisStage, percent: number | null, step?: number, steps?: number}} ProgressMessage
 */
/** @typedef {'loading' | 'downloading' | 'reading'} LoadingStage */
/** The head of the file, before the result. @typedef {{type: typeof FromWorker.PREVIEW, id: number, preview: Preview}} PreviewMessage */
/**
 * The first figures: the result without what needs a fitted model
 * (`result.models_pending`: predictions, model_choice, segments,
 * allowable_cpo, groups, validation are null and `whatif` false) and
 * without the recommendations; the page draws them while the worker fits
 * the models. `ranges` is the byte ranges the file was read in across
 * workers (1: in one go).
 * @typedef {{type: typeof FromWorker.FIRST_FIGURES, id: number, result: PostedResult, ranges: number}} FirstFiguresMessage
 */
/**
 * After the first figures: what the models add (PostedModels; its notes
 * follow the first figures' notes), with `recommendations_pending` when
 * they follow; `charts` is the binned data of the charts, null without
 * predictions. `error` (and `message`, in the page's language) when the
 * models phase failed: `result` is then null and the first figures stand.
 * @typedef {{type: typeof FromWorker.RESULT, id: number, result: PostedModels | null, charts: ChartData | null, ranges: number,
 *   error?: DescribedError, message?: string}} ResultMessage
 */
/**
 * While the recommendations of analysis `id` are computed: `stage` is the RecommendStage starting now.
 * @typedef {{type: typeof FromWorker.RECS_PROGRESS, id: number, stage: RecommendStage, percent: number, step: number, steps: number}} RecsProgressMessage
 */
/**
 * The recommendations (or null), each of their parts as JSON text, and their notes (see DeferredRecommendationsResult).
 * @typedef {{type: typeof FromWorker.RECOMMENDATIONS, id: number, recommendations: PostedRecommendations | null, notes: Note[]}} RecommendationsMessage
 */
/** The matching rows' indices, in display order. @typedef {{type: typeof FromWorker.ROWS, id: number, rows: Uint32Array, total: number}} RowsMessage */
/** @typedef {{type: typeof FromWorker.FILE, id: number, blob: Blob, name: string}} FileMessage */
/** `ms` is the time in wasm. @typedef {{type: typeof FromWorker.WHATIF, id: number, result: WhatIfResult, ms: number}} WhatIfMessage */
/** @typedef {{type: typeof FromWorker.INTERVALS, id: number, intervals: ClvIntervals}} IntervalsMessage */
/** @typedef {{type: typeof FromWorker.WHATIF_READY, id: number}} WhatIfReadyMessage */
/**
 * An error as `errorText` (i18n.js) words it: the core's `ErrorCode` or the page's own (fetch, read, internal,
 * unexpected), its parameters, and the English text.
 * @typedef {{code: string, params: Record<string, string | number>, message: string}} DescribedError
 */
/**
 * `message` is `error` in the page's language when the worker was asked; `error` lets the page say it again
 * after a language switch.
 * @typedef {{type: typeof FromWorker.ERROR, id: number | undefined, message: string, error?: DescribedError}} ErrorMessage
 */
/**
 * @typedef {ReadyMessage | ProgressMessage | PreviewMessage | FirstFiguresMessage | ResultMessage | RecsProgressMessage | RecommendationsMessage
 *   | RowsMessage | FileMessage | WhatIfMessage | IntervalsMessage | WhatIfReadyMessage | ErrorMessage | ShiftMessage} FromWorkerMessage
 */
/** @typedef {{type: typeof FromWorker.SHIFT, id: number, result: import('./pkg/ltvlab.js').ShiftOutcome}} ShiftMessage */

// ---- the result as posted ------------------------------------------------------
//
// Receiving the result is one main-thread task, so what costs the structured
// clone most goes in cheaper shapes: the per-customer string columns as one
// text with end offsets (a Packed, read on the page through PackedStrings),
// and the recommendations' many small objects as JSON text, which the page
// parses in a later task of its own. The what-if model is a wasm object: it
// stays in the worker, and the page learns only whether it exists.

/** @typedef {{text: string, ends: Uint32Array}} Packed */
/**
 * @typedef {Omit<SummaryResult, 'customers'> & {customers: Omit<SummaryResult['customers'], StringColumn>
 *   & {customer_id: Packed, first_purchase: Packed | null, last_purchase: Packed | null}}} PostedSummary
 */
/**
 * The predictions as posted: of the per-customer columns only those the page
 * reads (the customer table's); the worker keeps the others for the exports.
 * At 600k customers the ten left out are 50 MB the page would hold.
 * @typedef {Omit<PredictionsResult, 'customers'> & {customers: Pick<PredictionsResult['customers'], PostedPredictionColumn>}} PostedPredictions
 */
/** The per-customer prediction columns posted to the page. @typedef {'p_alive' | 'expected_purchases' | 'clv'} PostedPredictionColumn */
/**
 * A list of customers as JSON text and its length; the page parses it when
 * the list is first opened. The segments' follow-up and timing lists hold
 * thousands of small objects at 1M lines: cloned as objects, they were
 * about 30 ms of the page's thread when the models' result arrived.
 * @template T
 * @typedef {{json: string, length: number}} PostedList
 */
/** @typedef {import('./pkg/ltvlab.js').SegmentReport} SegmentReport */
/** @typedef {import('./pkg/ltvlab.js').TimingList} TimingList */
/** @typedef {SegmentReport['follow_up'][number]} FollowUpList */
/** @typedef {Omit<TimingList, 'customers'> & {customers: PostedList<TimingList['customers'][number]>}} PostedTimingList */
/**
 * The segments as posted: their customer lists as PostedList (their
 * per-customer columns are moved, as the predictions' are).
 * @typedef {Omit<SegmentReport, 'follow_up' | 'overdue' | 'due_soon'> & {
 *   follow_up: (Omit<FollowUpList, 'customers'> & {customers: PostedList<FollowUpList['customers'][number]>})[],
 *   overdue: PostedTimingList, due_soon: PostedTimingList}} PostedSegments
 */
/**
 * @typedef {Omit<AnalysisResult, 'whatif' | 'summary' | 'predictions' | 'segments' | 'recommendations'>
 *   & {whatif: boolean, summary: PostedSummary | null, predictions: PostedPredictions | null, segments: PostedSegments | null,
 *   recommendations: string | null}} PostedResult
 */

/**
 * The models phase's result as posted (ModelsResult, with its predictions and segments as in PostedResult).
 * @typedef {Omit<import('./pkg/ltvlab.js').ModelsResult, 'whatif' | 'predictions' | 'segments'>
 *   & {whatif: boolean, predictions: PostedPredictions | null, segments: PostedSegments | null}} PostedModels
 */

/**
 * The recommendations after the dashboard, as posted: each part (`customers`,
 * `due_soon`, `items`, …) as JSON text, which the page parses part by part
 * in tasks of its own (one JSON.parse of the whole, 6 MB at 1M lines, was a
 * main-thread task of 35–60 ms).
 * @typedef {Record<keyof RecommendationsResult, string>} PostedRecommendations
 */
/** @typedef {import('./pkg/ltvlab.js').RecommendationsResult} RecommendationsResult */

/**
 * @param {RecommendationsResult} recommendations
 * @returns {PostedRecommendations}
 */
export const postedRecommendations = (recommendations) =>
  /** @type {PostedRecommendations} */ (Object.fromEntries(Object.entries(recommendations).map(([key, part]) => [key, JSON.stringify(part)])));

/**
 * @template T
 * @param {T[]} items
 * @returns {PostedList<T>}
 */
export const postedList = (items) => ({ json: JSON.stringify(items), length: items.length });

/**
 * The items of a PostedList.
 * @template T
 * @param {PostedList<T>} list
 * @returns {T[]}
 */
export const listItems = (list) => JSON.parse(list.json);

/** The per-customer string columns, posted packed. */
const STRING_COLUMNS = /** @type {const} */ (['customer_id', 'first_purchase', 'last_purchase']);
/** @typedef {typeof STRING_COLUMNS[number]} StringColumn */

/**
 * @param {string[]} strings
 * @returns {Packed}
 */
export function pack(strings) {
  const ends = new Uint32Array(strings.length);
  let at = 0;
  strings.forEach((s, i) => {
    at += s.length;
    ends[i] = at;
  });
  return { text: strings.join(''), ends };
}

/**
 * @param {Packed} packed
 * @returns {string[]}
 */
export function unpack({ text, ends }) {
  return Array.from(ends, (end, i) => text.slice(i > 0 ? ends[i - 1] : 0, end));
}

// ---- the charts' data ------------------------------------------------------------

/**
 * The LTV histogram: bars of `width` from `starts`, up to the 99th percentile
 * `cap`; `above` customers beyond it.
 * @typedef {{starts: number[], width: number, counts: number[], above: number, cap: number}} LtvBins
 */
/**
 * P(alive) by repeat purchases (rows) × days since the last purchase (columns
 * of `step` days): the customers of each cell and their mean P(alive).
 * @typedef {{rows: string[], columns: number[], step: number, customers: number[][], alive: (number | null)[][]}} AliveHeat
 */
/** @typedef {{ltv: LtvBins, heat: AliveHeat}} ChartData */
