// @ts-check
// RFM segments: their sizes, their figures and the follow-up lists.

import { barChart } from '../charts.js';
import { addChart } from '../app/chart-registry.js';
import { byTestId, el } from '../app/dom.js';
import { requestExport } from '../app/analysis.js';
import { current, dropout, state } from '../app/state.js';
import { nextOrderText, timingReasonText } from '../i18n.js';
import { listItems } from '../protocol.js';

/** @typedef {import('../pkg/ltvlab.js').SegmentReport['segments'][number]} Segment */

/** The segments named for customers who have not ordered for a long time. */
const LAPSED = new Set(['about_to_sleep', 'at_risk', 'cant_lose_them', 'hibernating', 'lost']);
/** The mean chance still buying of a lapsed segment above which the table explains its name. */
const SLOW_SEGMENT_P_ALIVE = 0.8;
/** The segments whose names say the customers are buying. */
const ACTIVE = new Set(['champions', 'loyal', 'potential_loyalist', 'new', 'promising']);
/** The mean chance still buying of an active segment below which the table explains its name. */
const GONE_SEGMENT_P_ALIVE = 0.2;

/** The segments' chart and table, and the follow-up and overdue lists. */
export function renderSegments() {
  const { l10n } = state;
  const result = current();
  const report = result.segments;
  if (!report) return;
  const t = l10n.t;
  const shown = report.segments.filter((s) => s.customers > 0);
  const label = (/** @type {Segment} */ s) => t(`segment.${s.segment}`);
  const plot = byTestId('chart-segments').querySelector('.plot');
  plot.replaceChildren();
  plot.setAttribute('aria-label', t('segments.heading'));
  addChart(
    'segments',
    t('segments.heading'),
    plot,
    barChart(plot, { labels: shown.map(label), values: shown.map((s) => s.customers), yTitle: t('segments.chart.y'), format: l10n.integer }),
  );

  /** @type {[string, (s: Segment) => string][]} */
  const columns = [
    ['customers', (s) => l10n.integer(s.customers)],
    ['revenue_share', (s) => l10n.percent(s.revenue_share)],
    ['aov', (s) => (s.aov === null ? '—' : l10n.money(s.aov))],
    ['repeat_rate', (s) => l10n.percent(s.repeat_rate)],
  ];
  if (report.modeled) {
    columns.push(
      ['model_ltv', (s) => (s.model_ltv === null ? '—' : l10n.money(s.model_ltv))],
      // Not shown where the data show no customer leaving (see renderKpis).
      ['mean_p_alive', (s) => (s.mean_p_alive === null || !dropout().identified ? '—' : l10n.percent(s.mean_p_alive))],
    );
  }
  const tableEl = byTestId('segments-table');
  tableEl.tHead.replaceChildren(
    el(
      'tr',
      {},
      el('th', { scope: 'col' }, t('segments.col.segment')),
      ...columns.map(([key]) => el('th', { scope: 'col', class: 'num' }, t(`segments.col.${key}`))),
      el('th', { scope: 'col' }, t('segments.col.action')),
    ),
  );
  tableEl.tBodies[0].replaceChildren(
    ...shown.map((s) =>
      el(
        'tr',
        { 'data-segment': s.segment },
        el('th', { scope: 'row' }, label(s)),
        ...columns.map(([key, format]) => el('td', { class: 'num', 'data-column': key }, format(s))),
        el('td', { 'data-column': 'action' }, t(`segment.action.${s.segment}`)),
      ),
    ),
  );

  // The lapsed segments are named from the days since the last order; where
  // the model sees most of their customers as slow buyers still around, a
  // name like 離脱顧客 beside a high chance still buying would read as a
  // contradiction: say why they differ.
  const { identified } = dropout();
  const slow = report.modeled && identified && shown.some((s) => LAPSED.has(s.segment) && s.mean_p_alive !== null && s.mean_p_alive >= SLOW_SEGMENT_P_ALIVE);
  const slowNote = byTestId('segments-slow');
  slowNote.hidden = !slow;
  slowNote.textContent = slow ? t('segments.slow') : '';
  // The mirror case: the scores rank customers against each other, so in a
  // shop where most have stopped, 安定顧客 may hold customers the model
  // sees as gone (a 120-customer shop: 6% still buying).
  const gone = report.modeled && identified
    ? shown.filter((s) => ACTIVE.has(s.segment) && s.customers > 0 && s.mean_p_alive !== null && s.mean_p_alive < GONE_SEGMENT_P_ALIVE)
    : [];
  const goneNote = byTestId('segments-gone');
  goneNote.hidden = gone.length === 0;
  goneNote.textContent = gone.length ? t('segments.gone', { names: gone.map((s) => t('segments.name', { name: label(s) })).join(t('segments.name.and')) }) : '';

  // Each list whole, as the core holds it (its customers with the most
  // revenue first), with a CSV download through the worker's table writer.
  const parts = [];
  report.follow_up.forEach((list, index) => {
    const noteKey = `segments.followup.note.${list.note}`;
    const note = t(noteKey) === noteKey ? list.note : t(noteKey);
    const params = { count: l10n.integer(list.count), min: list.min_days, max: list.max_days, note };
    const items = () => listItems(list.customers).map((c) =>
      el('li', {}, t('segments.customer', { id: c.customer_id, days: l10n.integer(c.days_since_last_order), orders: l10n.integer(c.orders), revenue: l10n.money(c.revenue) })),
    );
    const summary = t(list.max_days === null ? 'segments.followup.open' : 'segments.followup.range', params);
    parts.push(listDetails(summary, items, list.customers.length, list.count, `follow_up:${index}`));
  });
  // The model's timing lists: overdue (silent past their pace) and due soon
  // (median next order within 30 days), each customer with why.
  if (report.overdue.count > 0 || report.overdue.probably_gone > 0) {
    const summary = t('segments.overdue', { count: l10n.integer(report.overdue.count), gone: l10n.integer(report.overdue.probably_gone) });
    parts.push(listDetails(summary, () => listItems(report.overdue.customers).map(timedItem), report.overdue.customers.length, report.overdue.count, 'overdue'));
  }
  if (report.due_soon.count > 0) {
    const summary = t('segments.due_soon', { count: l10n.integer(report.due_soon.count) });
    parts.push(listDetails(summary, () => listItems(report.due_soon.customers).map(timedItem), report.due_soon.customers.length, report.due_soon.count, 'next_order_soon'));
  }
  byTestId('follow-up').replaceChildren(...parts);

  // Every customer of each segment, from the report's per-customer columns.
  const c = result.summary?.customers;
  const column = report.customers.segment;
  byTestId('segment-lists').replaceChildren(
    ...report.segments.flatMap((s, k) => {
      if (s.customers === 0 || !c || column.length !== c.customer_id.length) return [];
      const rows = () => segmentRows(column, k, c.total_spend, c.customer_id);
      const items = () => rows().map((i) =>
        el('li', {}, t('segments.member', {
          id: c.customer_id.at(i), date: l10n.date(c.last_purchase?.at(i)), orders: l10n.integer(c.orders?.[i] ?? 0), revenue: l10n.money(c.total_spend?.[i] ?? 0),
        })),
      );
      const summary = t('segments.list.segment', { segment: label(s), count: l10n.integer(s.customers), action: t(`segment.action.${s.segment}`) });
      return [listDetails(summary, items, s.customers, s.customers, `segment:${s.segment}`)];
    }),
  );
}

/**
 * A customer of a timing list: the median next order with its 80% range,
 * the chance of an order within 30 days, the value at risk and the reason.
 * @param {import('../pkg/ltvlab.js').TimedCustomer} c
 */
function timedItem(c) {
  const { l10n } = state;
  return el('li', { 'data-customer': c.customer_id }, l10n.t('segments.timed.item', {
    id: c.customer_id,
    next: nextOrderText(c, l10n),
    p30: l10n.percent(c.p_purchase_30d),
    value: l10n.money(c.value_at_risk),
    reason: timingReasonText(c.reason, l10n),
  }));
}

/**
 * The summary rows of segment `k`, highest revenue first, then by id: the
 * order of the follow-up lists (ltvlab::segments) and of the worker's CSV of
 * the same list (worker/exports.js segmentRows, which reads the worker's
 * columns).
 * @param {Uint8Array} column each summary row's segment index
 * @param {number} k
 * @param {ArrayLike<number> | null} spend
 * @param {{at: (i: number) => string}} ids
 */
function segmentRows(column, k, spend, ids) {
  /** @type {number[]} */
  const rows = [];
  for (let i = 0; i < column.length; i++) if (column[i] === k) rows.push(i);
  const id = rows.map((i) => ids.at(i));
  const order = rows.map((_, j) => j);
  order.sort((a, b) => (spend ? spend[rows[b]] - spend[rows[a]] : 0) || (id[a] < id[b] ? -1 : id[a] > id[b] ? 1 : 0));
  return order.map((j) => rows[j]);
}

/**
 * One follow-up list: its summary line, every customer the report holds
 * (drawn when the list is first opened: a list can hold thousands), a note
 * when the report holds fewer than the list counts, and its download beside.
 * @param {string} summary
 * @param {() => HTMLElement[]} items
 * @param {number} held the customers the report holds
 * @param {number} count the customers in the list
 * @param {import('../protocol.js').ListName} list the list's name for the worker's export
 */
function listDetails(summary, items, held, count, list) {
  const { l10n } = state;
  const button = el('button', { type: 'button', class: 'secondary', 'data-testid': `download-${list.replace(':', '-')}` }, l10n.t('segments.list.download'));
  button.addEventListener('click', () => requestExport('list', list));
  const partial = held < count
    ? [el('p', { class: 'note' }, l10n.t('segments.list.shown', { shown: l10n.integer(held), count: l10n.integer(count) }))]
    : [];
  const ul = el('ul', { class: 'customer-list' });
  const details = el('details', { 'data-list': list, 'data-held': held }, el('summary', {}, summary), ...partial, ul);
  details.addEventListener('toggle', () => {
    if (details.open && ul.childElementCount === 0) ul.append(...items());
  });
  // The download stays in reach with the list closed.
  return el('div', { class: 'list' }, details, button);
}
