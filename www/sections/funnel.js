// @ts-check
// The repeat funnel: F2転換率 and F1→F5, overall, within 30/90/180/365 days of
// the first order, and by first-order month, and the customers by their number
// of orders (see `ltvlab::funnel`).

import { byTestId, el } from '../app/dom.js';
import { current, state } from '../app/state.js';

/** @typedef {import('../pkg/ltvlab.js').Funnel} Funnel */

/** The funnel's headline, its steps and its two tables. */
export function renderFunnel() {
  const { l10n } = state;
  const report = current().repeat_funnel;
  if (!report) return;
  const t = l10n.t;
  const rate = (/** @type {number | null} */ r) => (r === null ? '—' : l10n.percent(r));
  const within90 = report.within.find((w) => w.days === 90)?.funnel;
  byTestId('funnel-f2').textContent = t('funnel.f2', {
    rate: rate(report.overall.f2_rate),
    repeat: l10n.integer(report.overall.steps[1].customers),
    customers: l10n.integer(report.overall.customers),
  });
  byTestId('funnel-f2-90').textContent =
    within90 && within90.customers > 0
      ? t('funnel.f2.within', { days: 90, rate: rate(within90.f2_rate), customers: l10n.integer(within90.customers) })
      : '';

  const stepLabel = (/** @type {number} */ k) => t('funnel.step', { k });
  const steps = byTestId('funnel-steps');
  steps.tHead.replaceChildren(
    el('tr', {}, ...['step', 'customers', 'share', 'conversion'].map((key) => el('th', { scope: 'col', class: key === 'step' ? '' : 'num' }, t(`funnel.col.${key}`)))),
  );
  steps.tBodies[0].replaceChildren(
    ...report.overall.steps.map((s) =>
      el(
        'tr',
        { 'data-step': s.orders },
        el('th', { scope: 'row' }, stepLabel(s.orders)),
        el('td', { class: 'num' }, l10n.integer(s.customers)),
        el('td', { class: 'num' }, rate(s.share)),
        el('td', { class: 'num', 'data-column': 'conversion' }, s.orders === 5 ? '—' : rate(s.conversion)),
      ),
    ),
  );

  // 購入回数分布: customers with exactly k orders (the last bucket: k or more).
  const distribution = byTestId('funnel-distribution');
  distribution.tHead.replaceChildren(
    el('tr', {}, ...['orders', 'customers', 'share'].map((key) => el('th', { scope: 'col', class: key === 'orders' ? '' : 'num' }, t(`funnel.distribution.col.${key}`)))),
  );
  distribution.tBodies[0].replaceChildren(
    ...report.distribution.map((b) =>
      el(
        'tr',
        { 'data-orders': b.orders },
        el('th', { scope: 'row' }, t(b.or_more ? 'funnel.distribution.or_more' : 'funnel.distribution.exactly', { k: b.orders })),
        el('td', { class: 'num', 'data-column': 'customers' }, l10n.integer(b.customers)),
        el('td', { class: 'num', 'data-column': 'share' }, rate(b.share)),
      ),
    ),
  );

  // Rows: all time, then each window; columns: customers counted and the
  // conversions F1→F2 (the F2 rate) to F4→F5.
  const conversions = (/** @type {Funnel} */ f) => f.steps.slice(0, 4).map((s) => el('td', { class: 'num' }, rate(s.conversion)));
  const windows = byTestId('funnel-windows');
  const convHeads = [1, 2, 3, 4].map((k) => el('th', { scope: 'col', class: 'num' }, k === 1 ? t('funnel.col.f2') : t('funnel.col.conv', { from: k, to: k + 1 })));
  windows.tHead.replaceChildren(el('tr', {}, el('th', { scope: 'col' }, t('funnel.col.window')), el('th', { scope: 'col', class: 'num' }, t('funnel.col.observed')), ...convHeads));
  windows.tBodies[0].replaceChildren(
    el('tr', { 'data-window': 'all' }, el('th', { scope: 'row' }, t('funnel.window.all')), el('td', { class: 'num' }, l10n.integer(report.overall.customers)), ...conversions(report.overall)),
    ...report.within.map((w) =>
      el('tr', { 'data-window': w.days }, el('th', { scope: 'row' }, t('funnel.window', { days: w.days })), el('td', { class: 'num' }, l10n.integer(w.funnel.customers)), ...conversions(w.funnel)),
    ),
  );

  // By first-order month: customers and the F2 rate, overall and per window.
  const months = byTestId('funnel-months');
  months.tHead.replaceChildren(
    el(
      'tr',
      {},
      el('th', { scope: 'col' }, t('funnel.col.month')),
      el('th', { scope: 'col', class: 'num' }, t('funnel.col.new')),
      el('th', { scope: 'col', class: 'num' }, t('funnel.col.f2')),
      ...report.within.map((w) => el('th', { scope: 'col', class: 'num' }, t('funnel.col.f2.within', { days: w.days }))),
    ),
  );
  months.tBodies[0].replaceChildren(
    ...report.by_month.map((m) =>
      el(
        'tr',
        { 'data-month': m.month },
        el('th', { scope: 'row' }, m.month),
        el('td', { class: 'num' }, l10n.integer(m.overall.customers)),
        el('td', { class: 'num' }, rate(m.overall.f2_rate)),
        ...m.within.map((w) => el('td', { class: 'num' }, rate(w.funnel.f2_rate))),
      ),
    ),
  );
}
