// @ts-check
// The holdout test: the model fitted on the first 75% of the dates, against
// what the customers then bought.

import { SERIES, groupedBars, lineChart } from '../charts.js';
import { addChart, dropCharts } from '../app/chart-registry.js';
import { byTestId, ui } from '../app/dom.js';
import { current, state } from '../app/state.js';
import { gapParams } from './notes.js';

/** @typedef {import('../pkg/ltvlab.js').Validation} Validation */
/** @type {Record<string, number>} */
const DAYS_PER_PERIOD = { day: 1, week: 7, month: 30.4375 };

/**
 * What the page says where the chosen model's holdout total missed the
 * actual one (`ltvlab::validate::holdout_total`): the forecasts are probably
 * too low or too high. Empty when it did not miss, or without a holdout.
 * @param {'model-choice' | 'chart'} where beside the model cards (and on the
 *   printed sheet), or under the tracking chart
 */
export function holdoutMiss(where) {
  const { l10n } = state;
  const result = current();
  const v = result.validation;
  if (!v || v.total === 'close') return '';
  const end = l10n.date(v.calibration_end);
  const gap = result.order_gap?.explains_holdout ? result.order_gap : null;
  // A stretch without orders inside the holdout explains a miss high, and
  // says nothing of the forecasts (their model saw the stretch).
  if (where === 'model-choice' && gap && v.total === 'over') {
    return l10n.t('model-choice.total.over_gap', { end, ...totals(v), ...gapParams(gap) });
  }
  const miss = l10n.t(`${where}.total.${v.total}`, { end, ...totals(v) });
  if (where !== 'model-choice') return miss;
  // Why: a stretch without orders before the holdout made the model read
  // the pace too low; else the usual cause of a miss that way.
  return l10n.sentences(
    miss,
    gap ? l10n.t('model-choice.total.under.gap', gapParams(gap)) : l10n.t(`model-choice.total.${v.total}.why`),
  );
}

/**
 * The holdout's predicted (one decimal) and actual repeat purchases, as the
 * page writes them wherever it gives both.
 * @param {Validation} v
 */
function totals(v) {
  const { l10n } = state;
  return { predicted: l10n.decimal(Math.round(v.predicted_total * 10) / 10), actual: l10n.integer(v.actual_total) };
}

/**
 * Both holdout charts, or only `part`.
 * @param {'holdout' | 'tracking'} [part]
 */
export function renderValidation(part) {
  const { l10n } = state;
  const result = current();
  const v = result.validation;
  const parts = part ? [part] : ['holdout', 'tracking'];
  dropCharts(parts);
  for (const name of parts) byTestId(`chart-${name}`).hidden = !v;
  if (!v) return;
  ui.section('charts').hidden = false;
  const end = l10n.date(v.calibration_end);
  const perDay = DAYS_PER_PERIOD[v.period] ?? 1;
  const days = l10n.integer(Math.round(v.holdout_periods * perDay));

  if (parts.includes('holdout')) renderHoldoutChart(v, end, days);
  if (parts.includes('tracking')) renderTrackingChart(v, end);
}

/**
 * Predicted against actual purchases in the holdout, by purchases before it.
 * @param {Validation} v
 * @param {string} end the calibration's end, formatted
 * @param {string} days the holdout's length, formatted
 */
function renderHoldoutChart(v, end, days) {
  const { l10n } = state;
  const t = l10n.t;
  const holdout = byTestId('chart-holdout');
  const holdoutHow = t('chart.holdout.how', { end, days });
  holdout.querySelector('[data-role="how"]').textContent = holdoutHow;
  const holdoutPlot = holdout.querySelector('.plot');
  holdoutPlot.replaceChildren();
  holdoutPlot.setAttribute('aria-label', `${t('chart.holdout.title')}. ${holdoutHow}`);
  const buckets = v.by_frequency;
  addChart(
    'holdout',
    t('chart.holdout.title'),
    holdoutPlot,
    groupedBars(holdoutPlot, {
      labels: buckets.map((b) => b.frequency),
      series: [
        { label: t('chart.holdout.predicted'), values: buckets.map((b) => b.predicted_mean), color: SERIES[0] },
        { label: t('chart.holdout.actual'), values: buckets.map((b) => b.actual_mean), color: SERIES[1] },
      ],
      xTitle: t('chart.holdout.x'),
      yTitle: t('chart.holdout.y'),
      format: l10n.decimal,
    }),
  );

}

/**
 * Weekly purchases, actual and predicted, across the calibration's end.
 * @param {Validation} v
 * @param {string} end the calibration's end, formatted
 */
function renderTrackingChart(v, end) {
  const { l10n } = state;
  const t = l10n.t;
  const tracking = byTestId('chart-tracking');
  // The totals beside the per-customer error: a small error per customer can
  // still be a holdout total twice the actual one on a shop of one-time buyers.
  const trackingHow = t('chart.tracking.how', {
    end,
    error: l10n.decimal(v.mae),
    ...totals(v),
  });
  tracking.querySelector('[data-role="how"]').textContent = l10n.sentences(trackingHow, holdoutMiss('chart'));
  const trackingPlot = tracking.querySelector('.plot');
  trackingPlot.replaceChildren();
  trackingPlot.setAttribute('aria-label', `${t('chart.tracking.title')}. ${trackingHow}`);
  const weeks = v.tracking;
  const firstHoldout = weeks.find((w) => w.holdout);
  addChart(
    'tracking',
    t('chart.tracking.title'),
    trackingPlot,
    lineChart(trackingPlot, {
      xs: weeks.map((w) => w.week),
      series: [
        { label: t('chart.tracking.actual'), values: weeks.map((w) => w.actual), color: SERIES[1] },
        { label: t('chart.tracking.predicted'), values: weeks.map((w) => w.predicted), color: SERIES[0] },
      ],
      xTitle: t('chart.tracking.x'),
      yTitle: t('chart.tracking.y'),
      formatX: l10n.integer,
      formatY: l10n.integer,
      markX: firstHoldout ? firstHoldout.week - 0.5 : undefined,
    }),
  );
}
