// @ts-check
// The customers' CLV intervals. The bootstrap refits the model 50 times:
// seconds for 100k customers. It runs in a helper instance of the worker, so
// sorting, searching and the what-if panel keep answering meanwhile; the
// result goes to the analysis worker too, for sorting by it and for the CSV
// export. A large shop's runs in the analysis worker instead, in slices
// between its other messages (see HELPER_MAX_CUSTOMERS).

import { FromWorker, ToWorker } from '../protocol.js';
import { INTERVAL_SAMPLES, renderIntervalNote, renderTableHead, renderTablePage } from '../sections/customers.js';
import { current, newId, state } from './state.js';
import { post, postTo, spawn } from './worker-client.js';

/**
 * Customers above which the bootstrap and the what-if's runs with draws stay
 * in the analysis worker instead of helper workers. A helper is a second wasm
 * instance with its own copy of the summary (JavaScript columns, the wasm
 * summary, the bootstrap's resamples and its samples × customers matrix):
 * 330 to 530 MB above the dashboard at 630,948 customers (10M lines), while
 * the analysis worker's heap, grown by the dashboard, is mostly free by then
 * and its what-if model keeps the summary there. The bootstrap runs there in
 * slices (worker/intervals.js), so a sort, a search or a slider move waits
 * for at most one piece of it (a refit); it ends sooner in a helper, which
 * does nothing else. A run with draws costs about what a quick run does.
 * Below the threshold (1M lines: 63,437 customers) the helpers cost little.
 * BENCHMARKS.md, "Session 11: memory at 10M lines" and "Session 12: memory
 * at 10M lines without freezing".
 */
export const HELPER_MAX_CUSTOMERS = 250_000;

/** Whether this analysis's bootstrap and what-if draws run in the analysis worker (a large shop). */
export function inAnalysisWorker() {
  const result = current();
  return Boolean(result.whatif && result.summary && result.summary.customers.frequency.length > HELPER_MAX_CUSTOMERS);
}

/** What to do once the intervals have arrived or failed (startIntervals' `then`). */
let afterIntervals = () => {};

/**
 * Starts the bootstrap of the last analysis's customers in a helper worker
 * (or, for a large shop, in the analysis worker).
 * @param {() => void} [then] called once the bootstrap has answered (or failed)
 * and its helper ended, so a next helper does not hold its memory beside this one's
 */
export function startIntervals(then = () => {}) {
  const result = current();
  const { intervals } = state;
  stopIntervals();
  const id = newId();
  afterIntervals = then;
  intervals.query = id;
  // The bootstrap refits the model the dashboard chose (ltvlab::validate::choose_model).
  const model = result.model_choice?.model;
  const predict = model ? { model } : undefined;
  if (inAnalysisWorker()) {
    // On the summary the analysis worker's what-if model keeps; the worker keeps the result for sorting and exports.
    post({ type: ToWorker.INTERVALS, id, predict, samples: INTERVAL_SAMPLES });
    return;
  }
  const helper = spawn(
    (data) => {
      if (data.type === FromWorker.INTERVALS) onIntervals(data);
      else if (data.type === FromWorker.ERROR) onIntervalsError(data);
    },
    (event) => {
      if (intervals.worker !== helper) return;
      failed({ code: 'worker', params: {}, message: event.message ?? '' });
    },
  );
  intervals.worker = helper;
  postTo(helper, { type: ToWorker.INTERVALS, id, summary: packedSummary({ firstPurchase: false }), predict, samples: INTERVAL_SAMPLES });
}

/**
 * The intervals, from a helper or the analysis worker; stale answers are ignored.
 * @param {import('../protocol.js').IntervalsMessage} message
 */
export function onIntervals({ id, intervals: data }) {
  const { view, intervals } = state;
  if (id !== intervals.query) return;
  intervals.state = 'done';
  intervals.data = data;
  // The analysis worker has them already when it computed them.
  if (intervals.worker) post({ type: ToWorker.SET_INTERVALS, intervals: data });
  renderTableHead();
  if (view.rows) renderTablePage();
  settled();
}

/**
 * The bootstrap's error; false for another request's.
 * @param {import('../protocol.js').ErrorMessage} message
 */
export function onIntervalsError(message) {
  if (message.id === undefined || message.id !== state.intervals.query) return false;
  failed(message.error ?? { code: 'unexpected', params: {}, message: message.message });
  return true;
}

/** @param {import('../protocol.js').DescribedError} error */
function failed(error) {
  state.intervals.state = 'failed';
  state.intervals.error = error;
  settled();
}

function settled() {
  renderIntervalNote();
  stopIntervals();
  const then = afterIntervals;
  afterIntervals = () => {};
  then();
}

/**
 * The summary with its string columns packed again, to post to another
 * worker, without the columns that worker does not read: the bootstrap reads
 * no dates, the what-if model only the first purchases (its new customers a
 * month), and neither the e-mails. At 600k customers each date column is
 * tens of MB in the helper's JavaScript and as many in its wasm heap.
 * @param {{firstPurchase: boolean}} keep
 * @returns {import('../protocol.js').PostedSummary}
 */
export function packedSummary({ firstPurchase }) {
  const summary = current().summary;
  if (!summary) throw new Error('no summary to post');
  const c = summary.customers;
  return {
    ...summary,
    customers: {
      ...c,
      customer_id: c.customer_id.packed(),
      first_purchase: firstPurchase && c.first_purchase ? c.first_purchase.packed() : null,
      last_purchase: null,
      email: undefined,
    },
  };
}

/**
 * Ends the bootstrap's helper, if one is running. One in the analysis worker
 * ends there when a new file is analysed or another bootstrap starts, and its
 * answer, if one comes, is stale (`intervals.query`).
 */
export function stopIntervals() {
  const { intervals } = state;
  intervals.worker?.terminate();
  intervals.worker = null;
}
