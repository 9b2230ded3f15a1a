// @ts-check
// 許容CPO: the most to pay to win a new customer, from a new customer's two
// LTVs at the margin, and the CPO for LTV:CAC = 3 (see
// `ltvlab::report::AllowableCpo`). Once the what-if panel has run, the card
// takes the panel's margin and horizon, so it shows the same new-customer
// value as the panel's "hold your CPA against" sentence.

import { byTestId, el } from '../app/dom.js';
import { current, state } from '../app/state.js';

/** @typedef {import('../pkg/ltvlab.js').WhatIfResult} WhatIfResult */

/**
 * The 許容CPO shown: the analysis's (margin 1 unless given), or, with `sim`,
 * the what-if baseline's at the panel's margin and horizon (the formula LTV,
 * taken at margin 1 by the analysis, times that margin, as the panel's
 * sentence does). Null without a 許容CPO. The card and the one-page summary
 * both show these.
 * @param {WhatIfResult | null} [sim]
 */
export function cpoFigures(sim = null) {
  const result = current();
  const cpo = result.allowable_cpo;
  if (!cpo) return null;
  // A new customer's: the first order and the repeat orders (FormulaLtv.new_customer_ltv).
  const formulaLtv = result.predictions?.formula.new_customer_ltv ?? null;
  const ratio = cpo.target_ltv_to_cac;
  // The formula LTV is the analysis's at cpo.margin: rescaled only from margin 1.
  const shown = sim && cpo.margin === 1
    ? {
      margin: sim.baseline.parameters.margin,
      months: sim.horizon_months,
      model: sim.baseline.ltv_per_customer.value,
      formula: formulaLtv === null ? null : formulaLtv * sim.baseline.parameters.margin,
      panel: true,
    }
    : { margin: cpo.margin, months: cpo.horizon_months, model: cpo.model, formula: cpo.formula, panel: false };
  return { ...shown, ratio, targetModel: shown.model / ratio, targetFormula: shown.formula === null ? null : shown.formula / ratio };
}

/**
 * The allowable and target CPO on the model's LTV and on the formula's (see cpoFigures).
 * @param {WhatIfResult | null} [sim]
 */
export function renderAllowableCpo(sim = null) {
  const { l10n } = state;
  const shown = cpoFigures(sim);
  if (!shown) return;
  const t = l10n.t;
  const { ratio } = shown;
  const money = (/** @type {number | null} */ v) => (v === null ? '—' : l10n.money(v));
  const card = byTestId('allowable-cpo');
  card.dataset.margin = String(shown.margin);
  card.dataset.months = String(shown.months);
  byTestId('cpo-margin').textContent = t('cpo.margin', {
    margin: l10n.percent(shown.margin),
    full: shown.margin === 1,
    months: l10n.integer(shown.months),
    panel: shown.panel,
  });
  const tableEl = byTestId('cpo-table');
  tableEl.tHead.replaceChildren(
    el(
      'tr',
      {},
      el('th', { scope: 'col' }, t('cpo.col.ltv')),
      el('th', { scope: 'col', class: 'num' }, t('cpo.col.allowable')),
      el('th', { scope: 'col', class: 'num' }, t('cpo.col.target', { ratio })),
    ),
  );
  tableEl.tBodies[0].replaceChildren(
    el(
      'tr',
      { 'data-ltv': 'model' },
      el('th', { scope: 'row' }, t('cpo.row.model', { months: shown.months })),
      el('td', { class: 'num', 'data-column': 'allowable', 'data-value': String(shown.model) }, money(shown.model)),
      el('td', { class: 'num', 'data-column': 'target', 'data-value': String(shown.targetModel) }, money(shown.targetModel)),
    ),
    el(
      'tr',
      { 'data-ltv': 'formula' },
      el('th', { scope: 'row' }, t('cpo.row.formula')),
      el('td', { class: 'num', 'data-column': 'allowable', 'data-value': String(shown.formula ?? '') }, money(shown.formula)),
      el('td', { class: 'num', 'data-column': 'target', 'data-value': String(shown.targetFormula ?? '') }, money(shown.targetFormula)),
    ),
  );
}
