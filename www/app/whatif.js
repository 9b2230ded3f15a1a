// @ts-check
// The what-if panel's runs. A slider move runs the scenario at once without
// intervals (draws: 0, tens of ms in the worker), at most one run in flight,
// the latest position winning; WHATIF_SETTLE_MS after the last move it runs
// again with WHATIF_DRAWS draws for the intervals, in a helper worker with
// its own copy of the model (see startWhatIfHelper), so a slider move never
// waits for the intervals of the previous position. The panel's data-state
// is "busy" while a run is pending, "quick" after a run without intervals
// and "done" after one with them.

import { errorText } from '../i18n.js';
import { FromWorker, ToWorker } from '../protocol.js';
import {
  LEVERS, renderShift, renderShiftControls, renderWhatIf, renderWhatIfControls, saveShopSettings, shiftChannels, shopSettings,
} from '../sections/whatif.js';
import { byTestId, ui } from './dom.js';
import { inAnalysisWorker, packedSummary } from './intervals.js';
import { newId, state } from './state.js';
import { post, postTo, spawn } from './worker-client.js';

/** @typedef {import('./state.js').WhatIfDraft} WhatIfDraft */
/** @typedef {import('../protocol.js').WhatIfMessage} WhatIfMessage */

/** Monte Carlo draws of the what-if intervals, once a slider has settled. */
const WHATIF_DRAWS = 200;
/** Quiet time after the last slider move before the intervals are computed. */
const WHATIF_SETTLE_MS = 250;

/** The panel as it starts for a new analysis: every slider at its start, nothing shown. */
export function resetWhatIf() {
  const { whatif, result } = state;
  clearTimeout(whatif.settle);
  stopWhatIfHelper();
  whatif.pending = null;
  whatif.queued = null;
  whatif.last = null;
  whatif.chart = null;
  whatif.ranking = null;
  startLevers();
  startShift();
  // The CAC slider's range follows this shop's values: up to three times the
  // revenue of the average customer's first year, in steps of one (a typed
  // CAC beyond it is kept as typed).
  const f = result?.predictions?.formula;
  const scale = f ? f.average_order_value * Math.max(1, f.purchases_per_month * 12) * 3 : 100;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(scale, 1)));
  LEVERS.cac.max = Math.ceil(scale / magnitude) * magnitude;
  LEVERS.cac.step = 1;
  ui.whatif.dataset.state = 'busy';
}

/**
 * The scenario and options of the sliders' positions.
 * @returns {WhatIfDraft}
 */
function scenarioAndOptions() {
  const { whatif } = state;
  const v = whatif.values;
  return {
    scenario: {
      retention_points: v.retention_points,
      aov_change: v.aov_change / 100,
      frequency_change: v.frequency_change / 100,
      margin_points: v.margin_points,
      discount: v.discount / 100,
      loyalty: { rebate: v.loyalty_rebate / 100, retention_points: v.loyalty_retention },
    },
    options: { margin: v.margin / 100, cac: v.cac, horizon_months: v.horizon },
  };
}

/**
 * Runs the scenario of the sliders' positions. Quick runs (no draws) go to the
 * analysis worker, one in flight and the latest queued; runs with draws go to
 * a second worker with its own copy of the model (see startWhatIfHelper), so a
 * slider move never waits for the intervals of the previous position.
 */
/** @param {boolean} full with the intervals (draws) or not */
export function runWhatIf(full) {
  const { whatif, result } = state;
  if (!result?.whatif) return;
  const { scenario, options } = scenarioAndOptions();
  // The shift follows the margin; it is quick, so once the sliders settle.
  if (full) runShift();
  /** @type {WhatIfDraft} */
  const request = { scenario, options: { ...options, draws: full ? WHATIF_DRAWS : 0 } };
  ui.whatif.dataset.state = 'busy';
  if (full && whatif.helperReady) {
    if (whatif.full) whatif.fullQueued = request;
    else sendFull(request);
    return;
  }
  if (whatif.pending) {
    whatif.queued = request;
    return;
  }
  sendWhatIf(request);
}

/** @param {WhatIfDraft} request */
function sendWhatIf(request) {
  const { whatif } = state;
  whatif.pending = { id: newId(), request, sent: performance.now() };
  post({ type: ToWorker.WHATIF, id: whatif.pending.id, ...request });
}

/** @param {WhatIfDraft} request */
function sendFull(request) {
  const { whatif } = state;
  if (!whatif.helper) return;
  whatif.full = { id: newId(), request };
  postTo(whatif.helper, { type: ToWorker.WHATIF, id: whatif.full.id, ...request });
}

/**
 * The scenario and options of the sliders now, to tell a stale answer.
 * @param {WhatIfDraft} request
 */
const positionKey = (request) => JSON.stringify([request.scenario, { ...request.options, draws: 0 }]);

/**
 * A quick run's answer, from the analysis worker.
 * @param {WhatIfMessage} message
 */
export function onWhatIf({ id, result: simulation, ms }) {
  const { whatif } = state;
  if (!whatif.pending || id !== whatif.pending.id) return;
  const { request } = whatif.pending;
  whatif.pending = null;
  byTestId('whatif-error').hidden = true;
  if (whatif.queued) {
    // A newer position is waiting: show this one anyway (it is recent), then run that.
    const next = whatif.queued;
    whatif.queued = null;
    sendWhatIf(next);
  }
  // Never replace the intervals of the current position with a quick answer for it.
  const current = positionKey(scenarioAndOptions());
  if (!((whatif.last?.draws ?? 0) > 0 && whatif.lastKey === current && positionKey(request) === current)) {
    show(simulation, ms, request);
  }
  updateWhatIfState();
  if (!whatif.pending && whatif.movedAt) {
    // For the benchmark and tests: from the slider's input event to the rendered numbers.
    ui.whatif.dataset.wasmMs = String(Math.round(ms));
    ui.whatif.dataset.updateMs = String(Math.round(performance.now() - whatif.movedAt));
    whatif.movedAt = 0;
  }
}

/**
 * A run with draws, from the helper worker.
 * @param {WhatIfMessage} message
 */
function onWhatIfFull({ id, result: simulation, ms }) {
  const { whatif } = state;
  if (!whatif.full || id !== whatif.full.id) return;
  const { request } = whatif.full;
  whatif.full = null;
  if (whatif.fullQueued) {
    const next = whatif.fullQueued;
    whatif.fullQueued = null;
    sendFull(next);
  }
  // Only the intervals of where the sliders are now.
  if (positionKey(request) === positionKey(scenarioAndOptions())) show(simulation, ms, request);
  updateWhatIfState();
}

/**
 * @param {import('../pkg/ltvlab.js').WhatIfResult} simulation
 * @param {number} ms
 * @param {WhatIfDraft} request
 */
function show(simulation, ms, request) {
  const { whatif } = state;
  whatif.last = simulation;
  whatif.lastMs = ms;
  whatif.lastKey = positionKey(request);
  renderWhatIf(simulation, ms);
}

/** busy while a run is pending; then quick or done, as the numbers shown have intervals or not. */
function updateWhatIfState() {
  const { whatif } = state;
  if (ui.whatif.dataset.state === 'error') return;
  const settled = !whatif.pending && !whatif.queued && !whatif.full && !whatif.fullQueued;
  const current = whatif.lastKey === positionKey(scenarioAndOptions());
  ui.whatif.dataset.state = !settled || !current ? 'busy' : (whatif.last?.draws ?? 0) > 0 ? 'done' : 'quick';
}

/**
 * The second worker for runs with draws: it fits the same model from the
 * summary. None for a large shop (intervals.js, HELPER_MAX_CUSTOMERS): its
 * runs with draws stay in the analysis worker, which the panel's
 * data-helper "analysis" says.
 */
export function startWhatIfHelper() {
  const { whatif } = state;
  stopWhatIfHelper();
  if (inAnalysisWorker()) {
    ui.whatif.dataset.helper = 'analysis';
    return;
  }
  const id = newId();
  const helper = spawn(
    (data) => {
      if (helper !== whatif.helper) return;
      if (data.type === FromWorker.WHATIF_READY && data.id === id) {
        whatif.helperReady = true;
        ui.whatif.dataset.helper = 'ready';
      }
      else if (data.type === FromWorker.WHATIF) onWhatIfFull(data);
      else if (data.type === FromWorker.ERROR && data.id === id) stopWhatIfHelper(); // runs with draws stay in the first worker
      else if (data.type === FromWorker.ERROR && data.id === whatif.full?.id) {
        whatif.full = null;
        showWhatIfError(data.error ?? { code: 'unexpected', params: {}, message: data.message });
      }
    },
    () => {
      if (helper === whatif.helper) stopWhatIfHelper();
    },
  );
  whatif.helper = helper;
  // The helper refits the model the dashboard chose, as the first worker's what-if uses.
  const model = state.result?.model_choice?.model;
  postTo(helper, { type: ToWorker.WHATIF_INIT, id, summary: packedSummary({ firstPurchase: true }), model });
}

export function stopWhatIfHelper() {
  const { whatif } = state;
  delete ui.whatif.dataset.helper;
  whatif.helper?.terminate();
  whatif.helper = null;
  whatif.helperReady = false;
  whatif.full = null;
  whatif.fullQueued = null;
}

/**
 * The scenario's error, in the page's language.
 * @param {import('../protocol.js').DescribedError} described
 */
export function showWhatIfError(described) {
  const error = byTestId('whatif-error');
  error.textContent = errorText(state.l10n, described);
  error.dataset.code = described.code;
  error.hidden = false;
  ui.whatif.dataset.state = 'error';
}

/** The sliders of a new analysis, or after a reset; each move runs the scenario. */
export function renderControls() {
  renderShiftControls(shift.choice, runShift);
  renderShift(shift.last);
  if (shift.error) showShiftError(shift.error); // again, in the page's language
  renderWhatIfControls(() => {
    const { whatif } = state;
    saveShopSettings();
    whatif.movedAt = performance.now();
    runWhatIf(false);
    clearTimeout(whatif.settle);
    whatif.settle = setTimeout(() => runWhatIf(true), WHATIF_SETTLE_MS);
  });
}

/** Every lever at its start; the shop's margin and CAC as remembered in this browser. */
function startLevers() {
  const saved = shopSettings();
  for (const [name, lever] of Object.entries(LEVERS)) state.whatif.values[name] = saved[name] ?? lever.initial;
}

/** Every slider back to its start, and the scenario run again. */
export function resetLevers() {
  startLevers();
  renderControls();
  runWhatIf(true);
}

// The channel shift: one run in flight in the analysis worker (which keeps
// the channel effects), the latest choice queued behind it.

const shift = {
  /** @type {import('../sections/whatif.js').ShiftChoice} */
  choice: { from: '', to: '', share: 10 },
  /** @type {number} the id of the run in flight, or 0 */
  pending: 0,
  queued: false,
  /** @type {import('../pkg/ltvlab.js').ShiftOutcome | null} the result shown */
  last: null,
  /** @type {import('../protocol.js').DescribedError | null} the refusal shown */
  error: null,
};

/** A new analysis: the two largest channels that can be read, 10%. */
function startShift() {
  const channels = shiftChannels();
  shift.choice = { from: channels[0] ?? '', to: channels[1] ?? '', share: 10 };
  shift.pending = 0;
  shift.queued = false;
  shift.last = null;
  shift.error = null;
  renderShift(null);
  byTestId('whatif-shift-error').hidden = true;
}

/** Runs the shift of the current choice at the panel's margin. */
function runShift() {
  if (!state.result?.whatif || shiftChannels().length < 2) return;
  if (shift.pending) {
    shift.queued = true;
    return;
  }
  shift.pending = newId();
  const { from, to, share } = shift.choice;
  ui.whatif.dataset.shift = 'busy';
  post({ type: ToWorker.SHIFT, id: shift.pending, shift: { from, to, share: share / 100 }, margin: state.whatif.values.margin / 100 });
}

/**
 * A shift's answer.
 * @param {import('../protocol.js').ShiftMessage} message
 */
export function onShift({ id, result }) {
  if (id !== shift.pending) return;
  shift.pending = 0;
  shift.last = result;
  shift.error = null;
  renderShift(result);
  nextShift();
}

/**
 * A shift's refusal, in the page's language; false for another request's error.
 * @param {import('../protocol.js').ErrorMessage} message
 */
export function onShiftError(message) {
  if (!shift.pending || message.id !== shift.pending) return false;
  shift.pending = 0;
  shift.last = null;
  shift.error = message.error ?? { code: 'unexpected', params: {}, message: message.message };
  renderShift(null);
  showShiftError(shift.error);
  nextShift();
  return true;
}

/** @param {import('../protocol.js').DescribedError} described */
function showShiftError(described) {
  const error = byTestId('whatif-shift-error');
  error.textContent = errorText(state.l10n, described);
  error.dataset.code = described.code;
  error.hidden = false;
}

function nextShift() {
  if (shift.queued) {
    shift.queued = false;
    runShift();
  } else {
    ui.whatif.dataset.shift = 'done';
  }
}
