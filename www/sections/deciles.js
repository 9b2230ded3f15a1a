// @ts-check
// Decile analysis (デシル分析): customers ranked by revenue in ten groups, with
// each group's share and the cumulative share (see `ltvlab::deciles`).

import { byTestId, el } from '../app/dom.js';
import { current, state } from '../app/state.js';

/** @typedef {import('../pkg/ltvlab.js').DecileReport['deciles'][number]} Decile */

/** The headline (the top decile's share of revenue) and the decile table. */
export function renderDeciles() {
  const { l10n } = state;
  const report = current().deciles;
  if (!report) return;
  const t = l10n.t;
  const top = report.deciles[0];
  byTestId('deciles-top').textContent = t('deciles.top', {
    share: l10n.percent(top.revenue_share),
    customers: l10n.integer(top.customers),
    orders: l10n.percent(top.order_share),
  });
  /** @type {[string, (d: Decile) => string][]} */
  const columns = [
    ['customers', (d) => l10n.integer(d.customers)],
    ['revenue', (d) => l10n.money(d.revenue)],
    ['revenue_share', (d) => l10n.percent(d.revenue_share)],
    ['cumulative_revenue_share', (d) => l10n.percent(d.cumulative_revenue_share)],
    ['orders', (d) => l10n.integer(d.orders)],
    ['order_share', (d) => l10n.percent(d.order_share)],
    ['cumulative_order_share', (d) => l10n.percent(d.cumulative_order_share)],
    ['cumulative_customer_share', (d) => l10n.percent(d.cumulative_customer_share)],
    ['mean_revenue', (d) => (d.mean_revenue === null ? '—' : l10n.money(d.mean_revenue))],
  ];
  const tableEl = byTestId('deciles-table');
  tableEl.tHead.replaceChildren(
    el('tr', {}, el('th', { scope: 'col' }, t('deciles.col.decile')), ...columns.map(([key]) => el('th', { scope: 'col', class: 'num' }, t(`deciles.col.${key}`)))),
  );
  tableEl.tBodies[0].replaceChildren(
    ...report.deciles.map((d) =>
      el(
        'tr',
        { 'data-decile': d.decile },
        el('th', { scope: 'row' }, t('deciles.decile', { d: d.decile })),
        ...columns.map(([key, format]) => el('td', { class: 'num', 'data-column': key }, format(d))),
      ),
    ),
  );
}
