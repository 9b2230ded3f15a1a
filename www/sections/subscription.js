// @ts-check
// 定期 (subscription) retention: the share of subscribers still receiving
// each delivery, observed and as the sBG model projects it, the expected
// deliveries and the 定期LTV (see `ltvlab::subscription`).

import { SERIES, lineChart } from '../charts.js';
import { addChart, dropCharts } from '../app/chart-registry.js';
import { byTestId, el } from '../app/dom.js';
import { current, state } from '../app/state.js';

/** The reading, the LTV line, the chart, the table and the start months. */
export function renderSubscription() {
  dropCharts(['subscription']);
  const { l10n } = state;
  const report = current().subscription;
  if (!report) return;
  const t = l10n.t;
  const fit = report.fit;
  byTestId('subscription-evidence').textContent = report.evidence === 'flag'
    ? t('subscription.evidence.flag', { subscribers: l10n.integer(report.subscribers), cycle: l10n.integer(Math.round(report.cycle_days)) })
    : t('subscription.evidence.intervals', { subscribers: l10n.integer(report.subscribers), cycle: l10n.integer(Math.round(report.cycle_days)) });
  byTestId('subscription-reading').textContent = report.half_gone_by === null
    ? t('subscription.reading.none', { k: report.observed.at(-1)?.delivery ?? report.first_delivery })
    : t('subscription.reading.half', { k: report.half_gone_by });
  byTestId('subscription-ltv').textContent = fit
    ? t('subscription.ltv', {
        deliveries: l10n.decimal(fit.expected_deliveries),
        value: l10n.money(report.average_delivery_value),
        margin: l10n.percent(report.margin),
        ltv: l10n.money(fit.ltv),
        range: fit.ltv_interval ? t('subscription.range', { low: l10n.money(fit.ltv_interval[0]), high: l10n.money(fit.ltv_interval[1]) }) : '',
      })
    : t('subscription.ltv.none');

  const rate = (/** @type {number | null | undefined} */ r) => (r === null || r === undefined ? '—' : l10n.percent(r));
  const fitted = new Map((fit?.curve ?? []).map((s) => [s.delivery, s]));
  const tableEl = byTestId('subscription-table');
  const heads = ['delivery', 'at_risk', 'retention', 'churn', 'fitted'];
  tableEl.tHead.replaceChildren(el('tr', {}, ...heads.map((key) => el('th', { scope: 'col', class: key === 'delivery' ? '' : 'num' }, t(`subscription.col.${key}`)))));
  const observedRows = report.observed.map((o) =>
    el(
      'tr',
      { 'data-delivery': o.delivery },
      el('th', { scope: 'row' }, t('subscription.delivery', { k: o.delivery })),
      el('td', { class: 'num' }, l10n.integer(o.at_risk)),
      el('td', { class: 'num', 'data-column': 'retention' }, rate(o.retention)),
      el('td', { class: 'num', 'data-column': 'churn' }, rate(o.churn)),
      el('td', { class: 'num', 'data-column': 'fitted' }, rate(fitted.get(o.delivery)?.retention)),
    ),
  );
  const projectedRows = (fit?.curve ?? [])
    .filter((s) => fit && s.delivery >= fit.projected_from)
    .map((s) =>
      el(
        'tr',
        { 'data-delivery': s.delivery, 'data-projected': '' },
        el('th', { scope: 'row' }, t('subscription.delivery.projected', { k: s.delivery })),
        el('td', { class: 'num' }, '—'),
        el('td', { class: 'num', 'data-column': 'retention' }, '—'),
        el('td', { class: 'num', 'data-column': 'churn' }, rate(s.churn)),
        el('td', { class: 'num', 'data-column': 'fitted' }, rate(s.retention)),
      ),
    );
  tableEl.tBodies[0].replaceChildren(...observedRows, ...projectedRows);

  const months = byTestId('subscription-months');
  const width = Math.max(0, ...report.by_month.map((m) => m.retention.length));
  const columns = Array.from({ length: width }, (_, j) => report.first_delivery + j);
  months.tHead.replaceChildren(
    el(
      'tr',
      {},
      el('th', { scope: 'col' }, t('subscription.col.month')),
      el('th', { scope: 'col', class: 'num' }, t('subscription.col.subscribers')),
      ...columns.map((k) => el('th', { scope: 'col', class: 'num' }, t('subscription.delivery', { k }))),
    ),
  );
  months.tBodies[0].replaceChildren(
    ...report.by_month.map((m) =>
      el(
        'tr',
        { 'data-month': m.month },
        el('th', { scope: 'row' }, m.month),
        el('td', { class: 'num' }, l10n.integer(m.subscribers)),
        ...columns.map((_, j) => el('td', { class: 'num' }, rate(m.retention[j]))),
      ),
    ),
  );

  // Observed against fitted and projected, over delivery numbers.
  const figure = byTestId('chart-subscription');
  const how = fit
    ? t('subscription.chart.how', { from: fit.projected_from })
    : t('subscription.chart.how.observed');
  figure.querySelector('[data-role="how"]').textContent = how;
  const plot = figure.querySelector('.plot');
  plot.replaceChildren();
  plot.setAttribute('aria-label', `${t('subscription.chart.title')}. ${how}`);
  const last = fit ? fit.curve[fit.curve.length - 1].delivery : report.observed[report.observed.length - 1].delivery;
  const xs = Array.from({ length: last - report.first_delivery + 1 }, (_, j) => report.first_delivery + j);
  const observed = new Map(report.observed.map((o) => [o.delivery, o.retention]));
  /** @type {{label: string, values: (number | null)[], color: string, dash?: number[]}[]} */
  const series = [{ label: t('subscription.chart.observed'), values: xs.map((k) => observed.get(k) ?? null), color: SERIES[1] }];
  if (fit) series.push({ label: t('subscription.chart.fitted'), values: xs.map((k) => fitted.get(k)?.retention ?? null), color: SERIES[0], dash: [6, 4] });
  addChart(
    'subscription',
    t('subscription.chart.title'),
    plot,
    lineChart(plot, {
      xs,
      series,
      xTitle: t('subscription.chart.x'),
      yTitle: t('subscription.chart.y'),
      // Deliveries are whole numbers: no label between them.
      formatX: (v) => (Number.isInteger(v) ? l10n.integer(v) : ''),
      formatY: l10n.percent,
      markX: fit ? fit.projected_from - 0.5 : undefined,
    }),
  );
}
