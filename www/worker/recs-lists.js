// @ts-check
// The recommendations' two lists for follow-up, as tables for the worker's
// `list` export: each listed customer's next basket (`next_basket`), and the
// items due again soon (`due_soon`, the columns of `ltvlab recommend --csv
// due-soon`). A list is its columns, each a header and how a row fills it,
// so a column (an email, say) is one more entry.

import { reasonText } from '../i18n.js';

/** @typedef {import('../pkg/ltvlab.js').RecommendationsResult} RecommendationsResult */
/** @typedef {string | number | null} Cell */
/**
 * @template Row
 * @typedef {[string, (row: Row) => Cell][]} Columns
 */
/** @typedef {{customer_id: string, rank: number, item: RecommendationsResult['customers'][number]['next_basket'][number]}} NextBasketRow */
/** @typedef {NonNullable<RecommendationsResult['due_soon']>['rows'][number]} DueSoonRow */

/** The list names this module exports. */
export const RECOMMENDATION_LISTS = /** @type {const} */ (['next_basket', 'due_soon']);

/**
 * The table of a recommendations list, or null if `list` is not one of them.
 * @param {RecommendationsResult | null} recs
 * @param {string} list
 * @param {import('../i18n.js').L10n} l10n
 * @returns {{header: string[], rows: Cell[][]} | null}
 */
export function recommendationsList(recs, list, l10n) {
  if (!RECOMMENDATION_LISTS.some((name) => name === list)) return null;
  if (!recs) throw new Error('no recommendations to export');
  if (list === 'next_basket') {
    /** @type {Columns<NextBasketRow>} */
    const columns = [
      ['customer_id', (r) => r.customer_id],
      ['rank', (r) => r.rank],
      ['item_id', (r) => r.item.item.id],
      ['item_name', (r) => r.item.item.name],
      ['score', (r) => r.item.score],
      ['reason', (r) => reasonText(r.item.reason, l10n)],
      ['list', () => recs.next_basket_method],
    ];
    const rows = recs.customers.flatMap((c) => c.next_basket.map((item, i) => ({ customer_id: c.customer_id, rank: i + 1, item })));
    return table(columns, rows);
  }
  if (!recs.due_soon) throw new Error('no due-soon list to export');
  /** @type {Columns<DueSoonRow>} */
  const columns = [
    ['customer_id', (r) => r.customer_id],
    ['item_id', (r) => r.item.id],
    ['item_name', (r) => r.item.name],
    ['purchase_days', (r) => r.purchase_days],
    ['last_date', (r) => r.last_date],
    ['interval_days', (r) => r.interval_days],
    ['interval_from', (r) => r.interval_from],
    ['interval_customers', (r) => r.interval_customers],
    ['next_due', (r) => r.due_date],
  ];
  return table(columns, recs.due_soon.rows);
}

/**
 * @template Row
 * @param {Columns<Row>} columns
 * @param {Row[]} rows
 */
function table(columns, rows) {
  return { header: columns.map(([name]) => name), rows: rows.map((row) => columns.map(([, cell]) => cell(row))) };
}
