// @ts-check
// The customer table, one page at a time in the order the worker sent, and
// the note on the CLV intervals.

import { el, byTestId, ui } from '../app/dom.js';
import { current, dropout, state } from '../app/state.js';
import { errorText } from '../i18n.js';

const PAGE_ROWS = 50;
/** Bootstrap resamples behind each customer's CLV interval (`ltvlab predict --intervals --samples 50` gives the same ranges; its default is 200). */
export const INTERVAL_SAMPLES = 50;

/** The note above the table: the CLV intervals pending, done or failed. */
export function renderIntervalNote() {
  const { l10n, intervals } = state;
  const note = byTestId('customers-interval');
  note.dataset.state = intervals.state;
  note.textContent =
    intervals.state === 'pending'
      ? l10n.t('customers.interval.pending', { samples: INTERVAL_SAMPLES })
      : intervals.state === 'done'
        ? l10n.t('customers.interval.done', {
          samples: intervals.data?.fitted,
          months: l10n.integer(state.result?.predictions?.base.horizon_months ?? 12),
          zero: l10n.money(0),
        })
        : intervals.state === 'failed'
          ? l10n.t('customers.interval.failed', { message: intervals.error ? errorText(l10n, intervals.error) : '' })
          : '';
}

/**
 * A column of the table: `value(i)` of the customer in row `i` of the
 * summary, shown through `format`; `sort` is the worker's sort key when it
 * is not `key`; `head` marks the row headers, `text` the columns not aligned
 * as numbers.
 * @template T
 * @typedef {{key: string, value: (i: number) => T | null | undefined, format: (value: T) => string, head?: boolean,
 *   text?: boolean, sort?: import('../protocol.js').SortKey, label?: string}} Column
 */

/**
 * The table's columns for this analysis (the intervals' once they are in).
 * @returns {Column<any>[]}
 */
function tableColumns() {
  const { l10n, intervals } = state;
  const result = current();
  const months = result.predictions?.base.horizon_months ?? 12;
  const s = result.summary?.customers;
  if (!s) return [];
  const p = result.predictions?.customers;
  const { orders, total_spend: spend, last_purchase: last } = s;
  const data = intervals.data;
  /** @type {(Column<any> | null | undefined | false)[]} */
  const candidates = [
    { key: 'customer', value: (i) => s.customer_id.at(i), format: String, head: true },
    orders && { key: 'orders', value: (i) => orders[i], format: l10n.integer },
    spend && { key: 'total_spend', value: (i) => spend[i], format: l10n.money },
    last && { key: 'last_purchase', value: (i) => last.at(i), format: l10n.date, text: true },
    { key: 'frequency', value: (i) => s.frequency[i], format: l10n.integer },
    // Where the data do not show how fast customers leave, the still-active
    // card and the segments show no P(alive): nor does the table, so no two
    // figures on the page disagree (the downloads keep the column for analysts).
    p && dropout().identified && { key: 'p_alive', value: (i) => p.p_alive[i], format: l10n.percent },
    p && { key: 'expected_purchases', value: (i) => p.expected_purchases[i], format: l10n.decimal },
    p && { key: 'clv', value: (i) => p.clv[i], format: l10n.money },
    // Where the customer's actual value over the horizon falls 90% of the time
    // (ltvlab::bootstrap's value range), not the interval of the expected CLV.
    data && {
      key: 'clv_interval',
      sort: 'value_low',
      value: (i) => [data.value_low[i], data.value_high[i]],
      format: (/** @type {[number, number]} */ [low, high]) => l10n.t('whatif.range', { low: l10n.money(low), high: l10n.money(high) }),
    },
  ];
  const columns = candidates.filter((c) => !!c);
  for (const column of columns) column.label = l10n.t(`customers.col.${column.key}`, { months });
  return columns;
}

/** The table's head: one sort button per column, the sorted one marked. */
export function renderTableHead() {
  const { view } = state;
  const row = /** @type {HTMLTableSectionElement} */ (ui.customers.tHead).rows[0];
  row.replaceChildren(
    ...tableColumns().map((column) => {
      const key = column.sort ?? column.key;
      const sorted = view.sort === key;
      const th = el('th', { scope: 'col', class: column.head || column.text ? '' : 'num' });
      if (sorted) th.setAttribute('aria-sort', view.descending ? 'descending' : 'ascending');
      const button = el('button', { type: 'button', class: 'sort', 'data-sort': key }, column.label ?? key);
      if (sorted) button.append(el('span', { class: 'sort-mark', 'aria-hidden': 'true' }, view.descending ? ' ▼' : ' ▲'));
      th.append(button);
      return th;
    }),
  );
}

/** The page of rows that `view.page` points at, in the order the worker sent. */
export function renderTablePage() {
  const { l10n } = state;
  const { view } = state;
  const rows = view.rows ?? new Uint32Array(0);
  const count = rows.length;
  const pages = Math.max(1, Math.ceil(count / PAGE_ROWS));
  view.page = Math.min(view.page, pages - 1);
  const from = view.page * PAGE_ROWS;
  const to = Math.min(count, from + PAGE_ROWS);
  const columns = tableColumns();
  const body = [];
  for (let r = from; r < to; r++) {
    const i = rows[r];
    body.push(
      el(
        'tr',
        {},
        ...columns.map((column) => {
          const value = column.value(i);
          const text = value === null || value === undefined ? '—' : column.format(value);
          return column.head
            ? el('th', { scope: 'row' }, text)
            : el('td', { class: column.text ? '' : 'num', 'data-column': column.key }, text);
        }),
      ),
    );
  }
  ui.customers.tBodies[0].replaceChildren(...body);
  /** @type {HTMLTableCaptionElement} */ (ui.customers.caption).textContent = count
    ? l10n.t('customers.caption', { from: l10n.integer(from + 1), to: l10n.integer(to), count: l10n.integer(count) })
    : l10n.t('customers.caption.empty');
  ui.pageLabel.textContent = l10n.t('customers.page', { page: l10n.integer(view.page + 1), pages: l10n.integer(pages) });
  ui.prev.disabled = view.page === 0;
  ui.next.disabled = view.page >= pages - 1;
}
