// @ts-check
// Monthly acquisition cohorts: the share of each cohort active month by month,
// and each cohort's revenue per customer to date (cohort LTV).

import { heatmap } from '../charts.js';
import { addChart } from '../app/chart-registry.js';
import { byTestId, el } from '../app/dom.js';
import { current, state } from '../app/state.js';

/** The cohort heatmap of the first group (the whole shop). */
export function renderCohorts() {
  const { l10n } = state;
  const result = current();
  const group = result.cohorts?.groups[0];
  const figure = byTestId('chart-cohorts');
  const hover = figure.querySelector('[data-role="hover"]');
  hover.textContent = '';
  const plot = figure.querySelector('.plot');
  plot.replaceChildren();
  if (!group || group.cohorts.length === 0) return;
  const cohorts = group.cohorts;
  const periods = Math.max(...cohorts.map((c) => c.periods.length));
  const end = endInsidePeriod(result.cohorts);
  // Period 0 is everyone by definition; the table starts at month 1.
  const values = cohorts.map((c) => Array.from({ length: periods - 1 }, (_, k) => c.periods[k + 1]?.active_share ?? null));
  const t = l10n.t;
  plot.setAttribute('aria-label', `${t('cohorts.heading')}. ${t('cohorts.how')}`);
  const chart = heatmap(
    plot,
    {
      values,
      xLabels: Array.from({ length: Math.max(1, periods - 1) }, (_, k) => String(k + 1)),
      yLabels: cohorts.map((c) => c.label),
      xTitle: t('cohorts.x'),
      yTitle: t('cohorts.y'),
      reverseY: true,
    },
    (/** @type {number} */ r, /** @type {number} */ c) => {
      const cell = cohorts[r].periods[c + 1];
      if (!cell) return '';
      const text = t('cohorts.cell', {
        cohort: cohorts[r].label,
        period: c + 1,
        active: l10n.integer(cell.active_customers),
        customers: l10n.integer(cohorts[r].stats.customers),
        share: l10n.percent(cell.active_share),
      });
      // A cohort's latest month, when the data end inside it, is to date.
      return end && cell === cohorts[r].periods.at(-1) ? t('cohorts.cell.partial', { cell: text, date: l10n.date(end) }) : text;
    },
    (/** @type {string} */ text) => (hover.textContent = text),
  );
  addChart('cohorts', t('cohorts.heading'), plot, chart);
}

/** The months (or weeks) since the first purchase the cohort LTV table shows. */
const LTV_PERIODS = [0, 1, 2, 3, 6, 12];

/**
 * Each cohort's revenue per customer to date (`cumulative_revenue_per_customer`
 * of ltvlab::cohorts: revenue in periods 0..k over the cohort's customers), at
 * LTV_PERIODS; a dash where the cohort is not that old yet.
 */
export function renderCohortLtv() {
  const { l10n } = state;
  const t = l10n.t;
  const report = current().cohorts;
  const table = byTestId('cohort-ltv');
  const cohorts = report?.groups[0]?.cohorts ?? [];
  const longest = Math.max(0, ...cohorts.map((c) => c.periods.length));
  const periods = LTV_PERIODS.filter((k) => k < longest);
  const unit = report?.period === 'week' ? 'week' : 'month';
  table.tHead.replaceChildren(
    el(
      'tr',
      {},
      el('th', { scope: 'col' }, t('cohorts.y')),
      el('th', { scope: 'col', class: 'num' }, t('cohorts.ltv.col.customers')),
      ...periods.map((k) => el('th', { scope: 'col', class: 'num', 'data-period': String(k) }, t(`cohorts.ltv.col.${unit}`, { k }))),
    ),
  );
  // Each cohort is followed up to the period holding the observation end;
  // unless the data end on that period's last day, its figure is to date,
  // not "by the end of" it: marked, and said under the table.
  const end = endInsidePeriod(report);
  let marked = false;
  // The cohorts holding a customer with a large order: marked †, and said under the table.
  const large = new Set(current().large_orders?.cohorts ?? []);
  const leaning = cohorts.some((c) => large.has(c.label));
  table.tBodies[0].replaceChildren(
    ...cohorts.map((c) =>
      el(
        'tr',
        { 'data-cohort': c.label, ...(large.has(c.label) ? { 'data-large-orders': 'true' } : {}) },
        el('th', { scope: 'row' }, large.has(c.label) ? `${c.label}†` : c.label),
        el('td', { class: 'num' }, l10n.integer(c.stats.customers)),
        ...periods.map((k) => {
          const cell = c.periods.find((p) => p.period === k);
          const toDate = end !== null && cell !== undefined && cell === c.periods.at(-1);
          marked ||= toDate;
          return el(
            'td',
            {
              class: 'num',
              'data-period': String(k),
              'data-value': cell ? String(cell.cumulative_revenue_per_customer) : '',
              ...(toDate ? { 'data-partial': 'true' } : {}),
            },
            cell ? `${l10n.money(cell.cumulative_revenue_per_customer)}${toDate ? '*' : ''}` : '—',
          );
        }),
      ),
    ),
  );
  const note = byTestId('cohort-ltv-partial');
  note.hidden = !marked;
  note.textContent = marked && end ? t(`cohorts.ltv.partial.${unit}`, { date: l10n.date(end) }) : '';
  const largeNote = byTestId('cohort-ltv-large');
  largeNote.hidden = !leaning;
  largeNote.textContent = leaning ? t(`cohorts.ltv.large.${unit}`) : '';
}

/**
 * The observation end (ISO) when the data end inside a period, so that each
 * cohort's latest period is to date; null when they end on its last day.
 * @param {{period: string, observation_end: string} | null | undefined} report
 * @returns {string | null}
 */
function endInsidePeriod(report) {
  const end = report?.observation_end ?? '';
  return end !== '' && !endsPeriod(end, report?.period === 'week' ? 'week' : 'month') ? end : null;
}

/**
 * Whether an ISO date is the last day of its month, or of its Monday-based week.
 * @param {string} iso
 * @param {'month' | 'week'} unit
 */
function endsPeriod(iso, unit) {
  const day = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(day.getTime())) return true;
  if (unit === 'week') return day.getUTCDay() === 0;
  const next = new Date(day.getTime() + 86_400_000);
  return next.getUTCMonth() !== day.getUTCMonth();
}
