// @ts-check
// The customers' distribution: the LTV histogram and the P(alive) heatmap.

import { aliveHeatmap, ltvHistogram } from '../charts.js';
import { addChart, dropCharts } from '../app/chart-registry.js';
import { byTestId, el } from '../app/dom.js';
import { current, dropout, state } from '../app/state.js';

/** The LTV histogram, then (unless `part` is 'ltv') the P(alive) heatmap. */
/** @param {'ltv' | 'alive'} [part] */
export function renderCharts(part) {
  if (part !== 'alive') renderLtvChart();
  if (part !== 'ltv') renderAliveChart();
}

function renderLtvChart() {
  const { l10n } = state;
  const result = current();
  const { chartData } = state;
  dropCharts(['ltv']);
  if (!chartData) return;
  const months = result.predictions?.base.horizon_months;
  const ltvFigure = byTestId('chart-ltv');
  // Where no customer is seen leaving, every value assumes the customer is
  // still buying (as the model LTV card says): the chart says so too.
  // Where the prior sets the pace of leaving (too few came back), the
  // values follow that assumption instead.
  const { identified, valueCaveat } = dropout();
  const how = l10n.t('chart.ltv.how', { months });
  ltvFigure.dataset.identified = String(identified);
  ltvFigure.querySelector('[data-role="how"]').textContent = valueCaveat ? l10n.sentences(how, l10n.t(`chart.ltv.${valueCaveat}`)) : how;
  ltvFigure.querySelector('[data-role="above"]').textContent = chartData.ltv.above
    ? l10n.t('chart.ltv.above', { count: l10n.integer(chartData.ltv.above), value: l10n.money(chartData.ltv.cap) })
    : '';
  const ltvPlot = ltvFigure.querySelector('.plot');
  ltvPlot.replaceChildren();
  ltvPlot.setAttribute('aria-label', `${l10n.t('chart.ltv.title')}. ${l10n.t('chart.ltv.how', { months })}`);
  const ltv = ltvHistogram(ltvPlot, chartData.ltv, l10n);
  addChart('ltv', l10n.t('chart.ltv.title'), ltvPlot, ltv);
}

function renderAliveChart() {
  const { l10n } = state;
  const { chartData } = state;
  dropCharts(['alive']);
  if (!chartData) return;
  const aliveFigure = byTestId('chart-alive');
  const hover = aliveFigure.querySelector('[data-role="hover"]');
  hover.textContent = '';
  const alivePlot = aliveFigure.querySelector('.plot');
  alivePlot.replaceChildren();
  // An all-100% map where the data show no customer leaving would say
  // "everyone is still buying", and where the prior sets the pace of
  // leaving every cell would be the prior's: say what is known instead.
  const { identified, caveat } = dropout();
  aliveFigure.dataset.identified = String(identified);
  aliveFigure.querySelector('.heat-legend').hidden = !identified;
  if (caveat) {
    alivePlot.append(el('p', { class: 'note', 'data-role': 'unidentified' }, l10n.t(`chart.alive.${caveat}`)));
    return;
  }
  alivePlot.setAttribute('aria-label', `${l10n.t('chart.alive.title')}. ${l10n.t('chart.alive.how')}`);
  const alive = aliveHeatmap(alivePlot, chartData.heat, l10n, (/** @type {string} */ text) => (hover.textContent = text));
  addChart('alive', l10n.t('chart.alive.title'), alivePlot, alive);
}
