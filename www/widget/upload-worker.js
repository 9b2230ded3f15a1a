// @ts-check
// The `allow-upload` analysis of <ltv-calculator>: a module worker that loads
// the app's full wasm (../pkg, about 450 KB gzipped) only when a file is
// dropped, so the calculator's own path stays small and the host page's main
// thread stays free while the file is read and the models are fitted.
//
// Message in:  {file: Blob, margin: number}
// Messages out: {type: 'result', facts} | {type: 'error', message}
//
// `facts` is what the calculator needs from the analysis: counts, the data's
// average order value, purchases per year and annual churn (the merchant's
// formula inputs from `ltvlab::predict::FormulaLtv`) and the model's LTV.
// The file never leaves this page: it is read with Blob.stream() here.
//
// The worker may also be loaded as a plain module on the main thread (when a
// host page's policy forbids workers); then `analyzeFile` is called directly.

import init, { Analysis } from '../pkg/ltvlab.js';

/** @type {Promise<unknown> | null} */
let ready = null;

/**
 * Runs the full analysis on `file` and returns the calculator's facts.
 * @param {Blob} file
 * @param {number} margin
 */
export async function analyzeFile(file, margin) {
  ready ??= init({ module_or_path: new URL('../pkg/ltvlab_bg.wasm', import.meta.url) });
  await ready;
  const analysis = new Analysis({ sections: ['summary', 'predictions'], predict: { margin } });
  let finished = false;
  try {
    const reader = file.stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done || !value) break;
      analysis.push(value);
    }
    finished = true;
    const result = analysis.finish(); // consumes and frees `analysis`
    return factsOf(result);
  } finally {
    if (!finished) {
      try {
        analysis.free();
      } catch {}
    }
  }
}

/**
 * What the calculator needs from an analysis.
 * @typedef {{rows_used: number, rows_skipped: number, customers: number, orders: number, currency: string | null,
 *   first_date: string | null, last_date: string | null, aov: number | null, purchases_per_year: number | null,
 *   churn: number | null, model_ltv: number | null, horizon_months: number | null, note: string | null}} Facts
 */

/**
 * @param {import('../pkg/ltvlab.js').AnalysisResult} result
 * @returns {Facts}
 */
function factsOf({ report, predictions }) {
  /** @type {Facts} */
  const facts = {
    rows_used: report.rows_used,
    rows_skipped: report.rows_skipped,
    customers: report.stats.customers,
    orders: report.stats.orders,
    currency: report.stats.currencies[0]?.[0] ?? null,
    first_date: report.stats.first_date,
    last_date: report.stats.last_date,
    aov: null,
    purchases_per_year: null,
    churn: null,
    model_ltv: null,
    horizon_months: null,
    note: predictions ? null : 'no model',
  };
  if (predictions) {
    const f = predictions.formula;
    facts.aov = f.average_order_value;
    facts.purchases_per_year = f.purchases_per_month * 12;
    facts.churn = f.churn_rate;
    facts.model_ltv = f.model_ltv;
    facts.horizon_months = f.horizon_months;
  }
  return facts;
}

// Only when running as a worker (there is no `document` in a worker).
if (typeof document === 'undefined' && typeof self !== 'undefined') {
  self.onmessage = async (/** @type {MessageEvent<{file: Blob, margin: number}>} */ { data }) => {
    try {
      postMessage({ type: 'result', facts: await analyzeFile(data.file, data.margin) });
    } catch (error) {
      postMessage({ type: 'error', message: String(/** @type {Error | undefined} */ (error)?.message ?? error) });
    }
  };
}
