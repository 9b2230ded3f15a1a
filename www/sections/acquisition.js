// @ts-check
// 許容CPO: the most to pay to win a customer, from the two LTVs at the margin,
// and the CPO for LTV:CAC = 3 (see `ltvlab::report::AllowableCpo`).

import { byTestId, el } from '../app/dom.js';
import { current, state } from '../app/state.js';

/** The allowable and target CPO, on the model's LTV and on the formula's. */
export function renderAllowableCpo() {
  const { l10n } = state;
  const cpo = current().allowable_cpo;
  if (!cpo) return;
  const t = l10n.t;
  const money = (/** @type {number | null} */ v) => (v === null ? '—' : l10n.money(v));
  byTestId('cpo-margin').textContent = t('cpo.margin', { margin: l10n.percent(cpo.margin), full: cpo.margin === 1 });
  const tableEl = byTestId('cpo-table');
  tableEl.tHead.replaceChildren(
    el(
      'tr',
      {},
      el('th', { scope: 'col' }, t('cpo.col.ltv')),
      el('th', { scope: 'col', class: 'num' }, t('cpo.col.allowable')),
      el('th', { scope: 'col', class: 'num' }, t('cpo.col.target', { ratio: cpo.target_ltv_to_cac })),
    ),
  );
  tableEl.tBodies[0].replaceChildren(
    el(
      'tr',
      { 'data-ltv': 'model' },
      el('th', { scope: 'row' }, t('cpo.row.model', { months: cpo.horizon_months })),
      el('td', { class: 'num', 'data-column': 'allowable' }, money(cpo.model)),
      el('td', { class: 'num', 'data-column': 'target' }, money(cpo.target_model)),
    ),
    el(
      'tr',
      { 'data-ltv': 'formula' },
      el('th', { scope: 'row' }, t('cpo.row.formula')),
      el('td', { class: 'num', 'data-column': 'allowable' }, money(cpo.formula)),
      el('td', { class: 'num', 'data-column': 'target' }, money(cpo.target_formula)),
    ),
  );
}
