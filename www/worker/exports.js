// @ts-check
// The worker's exports of the last analysis: the customers' CSV, in the
// core's one layout, and the recommendations as CSV or JSON.

import { csvTable, customersCsv as coreCustomersCsv } from '../pkg/ltvlab.js';
import { localize, reasonText } from '../i18n.js';

/** @typedef {import('../pkg/ltvlab.js').AnalysisResult} AnalysisResult */
/** @typedef {import('../pkg/ltvlab.js').ClvIntervals} ClvIntervals */
/** @typedef {import('../pkg/ltvlab.js').RecommendationsResult} RecommendationsResult */
/** @typedef {import('../protocol.js').ExportKind} ExportKind */
/**
 * The last analysis as the worker keeps it: the result without its wasm
 * what-if model, and the intervals once the page has sent them.
 * @typedef {Omit<AnalysisResult, 'whatif'> & {whatif: boolean, intervals?: ClvIntervals}} Kept
 */

/**
 * The core's one table layout (ltvlab::export::table_csv, exported as
 * csvTable): text cells through the one rule against formula injection and
 * quoted when needed, numbers as the customers CSV writes them; with a BOM,
 * so Excel opens Japanese names as UTF-8.
 * @param {string[]} header
 * @param {(string | number | null)[][]} rows
 */
function csv(header, rows) {
  return new Blob([`\ufeff${csvTable(header, rows)}`], { type: 'text/csv;charset=utf-8' });
}

/**
 * The file of an export of the last analysis.
 * @param {Kept} last
 * @param {ExportKind} kind
 * @param {string} lang
 * @returns {{blob: Blob, name: string}}
 */
export function exportFile(last, kind, lang) {
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
/** @param {Kept} result */
function customersCsv({ summary, predictions, intervals }) {
  if (!summary) throw new Error('no customers to export');
  const text = coreCustomersCsv(summary, predictions?.customers ?? null, predictions ? (intervals ?? null) : null);
  return new Blob([`\ufeff${text}`], { type: 'text/csv;charset=utf-8' });
}

/**
 * @param {RecommendationsResult | null} recs
 * @param {import('../i18n.js').L10n} l10n
 */
function recommendationsCsv(recs, l10n) {
  if (!recs) throw new Error('no recommendations to export');
  const header = ['customer_id', 'list', 'item_id', 'item_name', 'rank', 'recommended_item_id',
    'recommended_item_name', 'score', 'reason'];
  /** @type {(string | number)[][]} */
  const rows = [];
  for (const { item, together } of recs.items) {
    together.forEach((other, rank) =>
      rows.push(['', 'bought_together', item.id, item.name, rank + 1, other.item.id, other.item.name, other.score,
        l10n.t('recs.reason.bought_with', { item: item.name, count: other.count })]),
    );
  }
  for (const customer of recs.customers) {
    for (const list of /** @type {const} */ (['buy_again', 'also_like'])) {
      customer[list].forEach((rec, rank) => {
        const anchor = rec.reason.kind === 'buy_again' ? rec.item : 'item' in rec.reason ? rec.reason.item : undefined;
        rows.push([customer.customer_id, list, anchor?.id ?? '', anchor?.name ?? '', rank + 1, rec.item.id,
          rec.item.name, rec.score, reasonText(rec.reason, l10n)]);
      });
    }
  }
  return csv(header, rows);
}
