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
import { afterFrame, byTestId, el, nextTask, ui } from './dom.js';
import { errorText } from '../i18n.js';
import { current, dropout, state } from './state.js';
import { renderControls } from './whatif.js';

// The dashboard in steps, each its own task, so that drawing a dozen charts and
// tables never blocks the main thread for long (issue: no task over 50 ms).
// A step marked `models` draws a section that needs the fitted models: while
// the worker fits them (`models_pending`, the first figures) or when that
// failed (`models_error`), it shows that status instead (modelsStatus), and
// it is drawn again when the models arrive.
/**
 * @param {boolean} modelsOnly only the model sections are drawn again: the
 *   first figures' charts stay
 * @returns {{models: boolean, endsTask?: boolean, run: () => void}[]}
 */
function resultSteps(modelsOnly = false) {
  const result = current();
  const { chartData, view, whatif } = state;
  const { summary } = result;
  /**
   * The step of a model section drawn only when the result has it: its
   * models status meanwhile, else hidden or drawn by `render`.
   * @param {'segments' | 'allowable_cpo' | 'groups'} name
   * @param {() => void} render
   */
  const modelSection = (name, render) => ({
    models: true,
    run: () => {
      const section = ui.section(name);
      if (modelsStatus(section)) return;
      section.hidden = !result[name];
      if (result[name]) render();
    },
  });
  return [
    {
      models: true, // the KPI cards of the models
      // It shows the report and the cards: the next step waits for a frame,
      // so the page is laid out once there, before a chart measures its
      // canvas (which would force that layout inside the chart's task: 90
      // ms at 10k lines).
      endsTask: true,
      run: () => {
        const kpis = /** @type {HTMLElement} */ (byTestId('kpi-customers').closest('section'));
        // The ingest report and the first figures' charts are drawn already when the models come.
        if (!modelsOnly) {
          destroyCharts();
          ui.section('report').hidden = false;
          kpis.hidden = false;
          renderReport(result.report);
        }
        renderKpis();
        renderNotes();
        modelsStatus(kpis, { keep: true });
      },
    },
    {
      models: true,
      run: () => {
        const section = ui.section('customers');
        if (modelsStatus(section)) return;
        section.hidden = !summary;
        if (summary) {
          renderTableHead();
          if (view.rows) renderTablePage();
        }
        renderIntervalNote();
      },
    },
    {
      models: true,
      run: () => {
        const section = ui.section('charts');
        if (modelsStatus(section)) return;
        section.hidden = !chartData;
        renderCharts('ltv');
      },
    },
    { models: true, run: () => modelsPending() || renderCharts('alive') },
    { models: true, run: () => modelsPending() || renderValidation('holdout') },
    { models: true, run: () => modelsPending() || renderValidation('tracking') },
    {
      models: true,
      run: () => {
        const section = ui.section('whatif');
        if (modelsStatus(section)) return;
        section.hidden = !result.whatif;
        // Where the data show no customer leaving, the retention lever rests on
        // the model's assumptions, not on the shop's customers: say so.
        byTestId('whatif-dropout').hidden = dropout().identified;
        if (result.whatif) renderControls();
        if (whatif.last) renderWhatIf(whatif.last, whatif.lastMs);
      },
    },
    modelSection('segments', renderSegments),
    {
      models: false,
      run: () => {
        ui.section('cohorts').hidden = !result.cohorts;
        if (result.cohorts) renderCohorts();
      },
    },
    // The cohorts' LTV table after their heatmap, in a task of its own.
    { models: false, run: () => result.cohorts && renderCohortLtv() },
    modelSection('allowable_cpo', () => renderAllowableCpo(whatif.last)),
    {
      models: false,
      run: () => {
        ui.section('repeat_funnel').hidden = !result.repeat_funnel;
        if (result.repeat_funnel) renderFunnel();
      },
    },
    {
      models: false,
      run: () => {
        ui.section('deciles').hidden = !result.deciles;
        if (result.deciles) renderDeciles();
      },
    },
    {
      models: false,
      run: () => {
        ui.section('rfm_ranks').hidden = !result.rfm_ranks;
        if (result.rfm_ranks) renderRanks();
        ui.section('subscription').hidden = !result.subscription;
        renderSubscription();
      },
    },
    modelSection('groups', renderGroups),
    {
      models: true,
      run: () => {
        renderRecommendationsSection();
        ui.section('exports').hidden = false;
        byTestId('export-customers').hidden = !summary;
      },
    },
  ];
}

/**
 * Whether the model sections wait for the models or show their failure: the
 * first figures of a file with customers (without customers no model is
 * fitted, and the sections stay hidden as before), or a failed models phase.
 * @returns {'pending' | 'failed' | null}
 */
function modelsState() {
  const result = current();
  if (result.models_error) return 'failed';
  return result.models_pending && result.summary && result.summary.customers.customer_id.length > 0 ? 'pending' : null;
}

/** True while the model sections show their status instead (their charts are drawn later). */
function modelsPending() {
  return modelsState() !== null;
}

/**
 * Shows in `section` that its figures wait for the models ("fitting the
 * model…") or could not be computed (the error), in place of its content;
 * or, once the models are in, takes that status away and gives the content
 * back. `keep`: the section's content stays beside the status (the KPI
 * cards, whose model cards are hidden until then). True while the status
 * is shown (the caller then draws nothing).
 * @param {HTMLElement} section
 * @param {{keep?: boolean}} [how]
 */
function modelsStatus(section, { keep = false } = {}) {
  const status = modelsState();
  let line = /** @type {HTMLElement | null} */ (section.querySelector(':scope > [data-testid="models-status"]'));
  if (!status) {
    line?.remove();
    delete section.dataset.models;
    for (const child of section.querySelectorAll(':scope > [data-models-hidden]')) {
      /** @type {HTMLElement} */ (child).hidden = false;
      delete (/** @type {HTMLElement} */ (child).dataset.modelsHidden);
    }
    return false;
  }
  section.hidden = false;
  section.dataset.models = status;
  if (!keep) {
    for (const child of section.children) {
      const element = /** @type {HTMLElement} */ (child);
      if (element.tagName === 'H2' || element === line || element.hidden) continue;
      element.hidden = true;
      element.dataset.modelsHidden = '';
    }
  }
  if (!line) {
    line = el('p', { class: 'note', role: 'status', 'data-testid': 'models-status' });
    section.append(line);
  }
  const { l10n } = state;
  const error = current().models_error;
  line.dataset.state = status;
  line.textContent = status === 'failed' && error
    ? l10n.t('models.failed', { error: errorText(l10n, error) })
    : l10n.t('models.pending');
  return true;
}

/** The whole dashboard at once (after a change of language or theme). */
export function renderResult() {
  for (const step of resultSteps()) step.run();
}

/**
 * renderResult, yielding to the event loop between steps; false if
 * superseded. `modelsOnly`: only the steps of the sections that need the
 * models (when they arrive after the first figures were drawn).
 * @param {{modelsOnly?: boolean}} [which]
 */
export async function renderResultInSteps({ modelsOnly = false } = {}) {
  const token = ++state.renderToken;
  // Not in the task that received the result: its structured clone alone is ~20 ms at 1M lines.
  await nextTask();
  let taskStarted = performance.now();
  // Whether a step ran in the current task.
  let shared = false;
  let afterLayout = false;
  for (const [index, step] of resultSteps(modelsOnly).entries()) {
    if (modelsOnly && !step.models) continue;
    // A step that draws (a chart, a table) runs in a task of its own: two of
    // them, or one after a few quick ones, made tasks over 50 ms (BENCHMARKS.md,
    // session 16). Steps that only say their section waits for the models
    // take little and share a task, since each task boundary costs a frame
    // of layout (session 13).
    const draws = !(step.models && modelsPending());
    if (afterLayout) {
      await afterFrame();
      taskStarted = performance.now();
      shared = false;
      afterLayout = false;
    } else if (shared && (draws || performance.now() - taskStarted >= STEP_BUDGET_MS)) {
      await nextTask();
      taskStarted = performance.now();
      shared = false;
    }
    if (token !== state.renderToken) return false;
    const started = performance.now();
    step.run();
    // uPlot draws a new chart in a microtask: let it run before the step is
    // timed, so the measure holds the step's whole cost.
    await Promise.resolve();
    // Visible in DevTools' performance panel and to scripts/bench-browser.mjs.
    performance.measure(`ltvlab:render-${index}`, { start: started });
    shared = true;
    afterLayout = step.endsTask === true;
  }
  return token === state.renderToken;
}

/**
 * Script time after which quick steps (a section's "fitting the model…"
 * line) stop sharing a task and the drawing yields to the event loop.
 */
const STEP_BUDGET_MS = 8;
