// @ts-check
// The dashboard: every section of the last analysis, drawn in steps.

import { renderAllowableCpo } from '../sections/acquisition.js';
import { renderCharts } from '../sections/distribution.js';
import { renderCohortLtv, renderCohorts } from '../sections/cohorts.js';
import { renderDeciles } from '../sections/deciles.js';
import { renderFunnel } from '../sections/funnel.js';
import { renderGroups } from '../sections/groups.js';
import { renderSubscription } from '../sections/subscription.js';
import { renderIntervalNote, renderTableHead, renderTablePage } from '../sections/customers.js';
import { renderKpis } from '../sections/kpis.js';
import { renderRanks } from '../sections/ranks.js';
import { renderNotes } from '../sections/notes.js';
import { renderRecommendationsSection } from '../sections/recommendations.js';
import { renderReport } from '../sections/report.js';
import { renderSegments } from '../sections/segments.js';
import { renderValidation } from '../sections/validation.js';
import { renderWhatIf } from '../sections/whatif.js';
import { destroyCharts } from './chart-registry.js';
import { byTestId, nextTask, ui } from './dom.js';
import { current, state } from './state.js';
import { renderControls } from './whatif.js';

// The dashboard in steps, each its own task, so that drawing a dozen charts and
// tables never blocks the main thread for long (issue: no task over 50 ms).
function resultSteps() {
  const result = current();
  const { chartData, view, whatif } = state;
  const { summary } = result;
  return [
    () => {
      destroyCharts();
      ui.section('report').hidden = false;
      byTestId('kpi-customers').closest('section').hidden = false;
      renderReport(result.report);
      renderKpis();
      renderNotes();
    },
    () => {
      ui.section('customers').hidden = !summary;
      if (summary) {
        renderTableHead();
        if (view.rows) renderTablePage();
      }
      renderIntervalNote();
    },
    () => {
      ui.section('charts').hidden = !chartData;
      renderCharts('ltv');
    },
    () => renderCharts('alive'),
    () => renderValidation('holdout'),
    () => renderValidation('tracking'),
    () => {
      ui.section('whatif').hidden = !result.whatif;
      // Where the data show no customer leaving, the retention lever rests on
      // the model's assumptions, not on the shop's customers: say so.
      byTestId('whatif-dropout').hidden = result.predictions?.base.dropout_identified !== false;
      if (result.whatif) renderControls();
      if (whatif.last) renderWhatIf(whatif.last, whatif.lastMs);
    },
    () => {
      ui.section('segments').hidden = !result.segments;
      if (result.segments) renderSegments();
      ui.section('cohorts').hidden = !result.cohorts;
      if (result.cohorts) {
        renderCohorts();
        renderCohortLtv();
      }
    },
    () => {
      ui.section('allowable_cpo').hidden = !result.allowable_cpo;
      if (result.allowable_cpo) renderAllowableCpo(whatif.last);
      ui.section('repeat_funnel').hidden = !result.repeat_funnel;
      if (result.repeat_funnel) renderFunnel();
      ui.section('deciles').hidden = !result.deciles;
      if (result.deciles) renderDeciles();
      ui.section('rfm_ranks').hidden = !result.rfm_ranks;
      if (result.rfm_ranks) renderRanks();
      ui.section('subscription').hidden = !result.subscription;
      renderSubscription();
    },
    () => {
      ui.section('groups').hidden = !result.groups;
      if (result.groups) renderGroups();
    },
    () => {
      renderRecommendationsSection();
      ui.section('exports').hidden = false;
      byTestId('export-customers').hidden = !summary;
    },
  ];
}

/** The whole dashboard at once (after a change of language or theme). */
export function renderResult() {
  for (const step of resultSteps()) step();
}

/** renderResult, yielding to the event loop between steps; false if superseded. */
export async function renderResultInSteps() {
  const token = ++state.renderToken;
  // Not in the task that received the result: its structured clone alone is ~20 ms at 1M lines.
  await nextTask();
  for (const [index, step] of resultSteps().entries()) {
    if (token !== state.renderToken) return false;
    const started = performance.now();
    step();
    // Visible in DevTools' performance panel and to scripts/bench-browser.mjs.
    performance.measure(`ltvlab:render-${index}`, { start: started });
    await nextTask();
  }
  return token === state.renderToken;
}
