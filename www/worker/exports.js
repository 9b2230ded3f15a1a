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
 * @param {import('../protocol.js').ListName} [list] for kind `list`
 * @returns {{blob: Blob, name: string}}
 */
export function exportFile(last, kind, lang, list) {
  const l10n = localize(lang);
  switch (kind) {
    case 'list':
      return { blob: listCsv(last, list ?? '', l10n), name: `ltvlab-${(list ?? 'list').replace(':', '-')}.csv` };
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
 * One of the segments' follow-up lists, whole as the report holds it: each
 * customer with their last order, P(alive) and expected value from the
 * predictions (joined by id), and the list's suggested action.
 * @param {Kept} last
 * @param {import('../protocol.js').ListName} list
 * @param {import('../i18n.js').L10n} l10n
 */
function listCsv(last, list, l10n) {
  const report = last.segments;
  if (!report) throw new Error('no segments to export');
  const ids = last.summary?.customers.customer_id ?? [];
  const model = last.predictions?.customers;
  /** @type {Map<string, number>} */
  const row = new Map();
  ids.forEach((id, i) => row.set(id, i));
  /** @param {string} id @param {'p_alive' | 'clv'} column */
  const predicted = (id, column) => {
    const i = row.get(id);
    return model && i !== undefined ? model[column][i] : null;
  };
  const header = ['customer_id', 'last_order', 'days_since_last_order', 'orders', 'revenue', 'p_alive', 'expected_value', 'suggested_action'];
  /** @type {(string | number | null)[][]} */
  let rows;
  if (list === 'overdue') {
    const action = l10n.t('segment.action.overdue');
    rows = report.overdue.customers.map((c) => [c.customer_id, c.last_order, null, null, null, c.p_alive, predicted(c.customer_id, 'clv'), action]);
  } else {
    const match = /^follow_up:(\d+)$/.exec(list);
    const followUp = match ? report.follow_up[Number(match[1])] : undefined;
    if (!followUp) throw new Error(`unknown list ${list}`);
    const noteKey = `segments.followup.note.${followUp.note}`;
    const action = l10n.t(noteKey) === noteKey ? followUp.note : l10n.t(noteKey);
    rows = followUp.customers.map((c) => [c.customer_id, c.last_order, c.days_since_last_order, c.orders, c.revenue,
      predicted(c.customer_id, 'p_alive'), predicted(c.customer_id, 'clv'), action]);
  }
  return csv(header, rows);
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
