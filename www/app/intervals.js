// @ts-check
// The customers' CLV intervals. The bootstrap refits the model 50 times:
// seconds for 100k customers. It runs in a helper instance of the worker, so
// sorting, searching and the what-if panel keep answering meanwhile; the
// result goes to the analysis worker too, for sorting by it and for the CSV
// export.

import { FromWorker, ToWorker } from '../protocol.js';
import { INTERVAL_SAMPLES, renderIntervalNote, renderTableHead, renderTablePage } from '../sections/customers.js';
import { current, newId, state } from './state.js';
import { post, postTo, spawn } from './worker-client.js';

/**
 * Starts the bootstrap of the last analysis's customers in a helper worker.
 * @param {() => void} [then] called once the helper has answered (or failed)
 * and ended, so a next helper does not hold its memory beside this one's
 */
export function startIntervals(then = () => {}) {
  const result = current();
  const { view, intervals } = state;
  stopIntervals();
  const id = newId();
  const helper = spawn(
    (data) => {
      if (!('id' in data) || data.id !== id || intervals.query !== id) return;
      if (data.type === FromWorker.INTERVALS) {
        intervals.state = 'done';
        intervals.data = data.intervals;
        post({ type: ToWorker.SET_INTERVALS, intervals: data.intervals });
        renderTableHead();
        if (view.rows) renderTablePage();
      } else if (data.type === FromWorker.ERROR) {
        intervals.state = 'failed';
        intervals.error = data.error ?? { code: 'unexpected', params: {}, message: data.message };
      } else {
        return;
      }
      renderIntervalNote();
      stopIntervals();
      then();
    },
    (event) => {
      if (intervals.worker !== helper) return;
      intervals.state = 'failed';
      intervals.error = { code: 'worker', params: {}, message: event.message ?? '' };
      renderIntervalNote();
      stopIntervals();
      then();
    },
  );
  intervals.worker = helper;
  intervals.query = id;
  // The bootstrap refits the model the dashboard chose (ltvlab::validate::choose_model).
  const model = result.model_choice?.model;
  const predict = model ? { model } : undefined;
  postTo(helper, { type: ToWorker.INTERVALS, id, summary: packedSummary({ firstPurchase: false }), predict, samples: INTERVAL_SAMPLES });
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

/** Ends the bootstrap, if it is running. */
export function stopIntervals() {
  const { intervals } = state;
  intervals.worker?.terminate();
  intervals.worker = null;
}
