// @ts-check
// RFM segments: their sizes, their figures and the follow-up lists.

import { barChart } from '../charts.js';
import { addChart } from '../app/chart-registry.js';
import { byTestId, el } from '../app/dom.js';
import { current, state } from '../app/state.js';

/** @typedef {import('../pkg/ltvlab.js').SegmentReport['segments'][number]} Segment */

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
      ['mean_p_alive', (s) => (s.mean_p_alive === null || result.predictions?.base.dropout_identified === false ? '—' : l10n.percent(s.mean_p_alive))],
    );
  }
  const tableEl = byTestId('segments-table');
  tableEl.tHead.replaceChildren(
    el('tr', {}, el('th', { scope: 'col' }, t('segments.col.segment')), ...columns.map(([key]) => el('th', { scope: 'col', class: 'num' }, t(`segments.col.${key}`)))),
  );
  tableEl.tBodies[0].replaceChildren(
    ...shown.map((s) =>
      el('tr', { 'data-segment': s.segment }, el('th', { scope: 'row' }, label(s)), ...columns.map(([key, format]) => el('td', { class: 'num', 'data-column': key }, format(s)))),
    ),
  );

  const parts = [];
  for (const list of report.follow_up) {
    const noteKey = `segments.followup.note.${list.note}`;
    const note = t(noteKey) === noteKey ? list.note : t(noteKey);
    const params = { count: l10n.integer(list.count), min: list.min_days, max: list.max_days, note };
    const items = list.customers.slice(0, 10).map((c) =>
      el('li', {}, t('segments.customer', { id: c.customer_id, days: l10n.integer(c.days_since_last_order), orders: l10n.integer(c.orders), revenue: l10n.money(c.revenue) })),
    );
    parts.push(
      el('details', {}, el('summary', {}, t(list.max_days === null ? 'segments.followup.open' : 'segments.followup.range', params)), el('ul', {}, ...items)),
    );
  }
  if (report.overdue.count > 0) {
    const items = report.overdue.customers.slice(0, 10).map((c) =>
      el('li', {}, t('segments.overdue.item', { id: c.customer_id, date: l10n.date(c.expected_next_order), days: l10n.integer(c.days_overdue), value: l10n.money(c.value_at_risk) })),
    );
    parts.push(el('details', {}, el('summary', {}, t('segments.overdue', { count: l10n.integer(report.overdue.count) })), el('ul', {}, ...items)));
  }
  byTestId('follow-up').replaceChildren(...parts);
}
