// @ts-check
// Monthly acquisition cohorts: the share of each cohort active month by month.

import { heatmap } from '../charts.js';
import { addChart } from '../app/chart-registry.js';
import { byTestId } from '../app/dom.js';
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
      return cell
        ? t('cohorts.cell', {
            cohort: cohorts[r].label,
            period: c + 1,
            active: l10n.integer(cell.active_customers),
            customers: l10n.integer(cohorts[r].stats.customers),
            share: l10n.percent(cell.active_share),
          })
        : '';
    },
    (/** @type {string} */ text) => (hover.textContent = text),
  );
  addChart('cohorts', t('cohorts.heading'), plot, chart);
}
