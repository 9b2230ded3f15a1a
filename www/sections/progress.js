// @ts-check
// The progress of an analysis and the status line under the input.

import { ui } from '../app/dom.js';
import { state } from '../app/state.js';

/**
 * Shows the stage that starts now: `value` is its percentage, null or
 * undefined when unknown; `step` of `steps` (both optional) numbers the
 * stages of the analysis proper.
 * @param {string} stage
 * @param {number | null | undefined} value
 * @param {{step?: number, steps?: number}} [steps]
 */
export function showProgress(stage, value, { step, steps } = {}) {
  const { l10n } = state;
  state.progressShown = [stage, value ?? null, { step, steps }];
  const label = l10n.t(`stage.${stage}`);
  ui.progressLabel.textContent = step ? l10n.t('progress.step', { step, steps, stage: label }) : label;
  ui.progress.dataset.stage = stage;
  if (value === null || value === undefined) {
    ui.progressBar.removeAttribute('value'); // indeterminate
    ui.progressPercent.textContent = '';
  } else {
    ui.progressBar.value = value;
    ui.progressPercent.textContent = l10n.percent(value / 100);
  }
}

/** The status line, from its message key, in the current language. */
export function renderStatus() {
  const { status, l10n, source } = state;
  if (!status) return;
  const { seconds, baskets, items } = status.params;
  ui.status.textContent = l10n.t(status.key, {
    name: source?.name() ?? '',
    seconds: seconds === undefined ? '' : l10n.decimal(seconds),
    baskets: baskets === undefined ? '' : l10n.integer(baskets),
    items: items === undefined ? '' : l10n.integer(items),
  });
}
