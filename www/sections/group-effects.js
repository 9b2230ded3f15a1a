// @ts-check
// チャネル・初回購入商品の効果: the purchase model (and Gamma-Gamma) fitted
// with each customer's channel, or first product, as a covariate
// (`ltvlab::models::covariate_effects`): per group, how much more often its
// customers buy and how much more readily they leave than the largest
// group's, each with its range, and what a new customer of it brings in
// repeat revenue. A plain sentence for each group whose range lies clear of
// "the same"; the joint test of every effect in small print.

import { requestExport } from '../app/analysis.js';
import { byTestId, el } from '../app/dom.js';
import { state } from '../app/state.js';
import { MODEL_NAMES } from '../i18n.js';
import { groupLabel } from './groups-table.js';

/** @typedef {import('../pkg/ltvlab.js').CovariateReport} CovariateReport */
/** @typedef {import('../pkg/ltvlab.js').CovariateEstimate} CovariateEstimate */
/** @typedef {CovariateReport['groups'][number]} GroupEffect */
/** @typedef {import('./groups-table.js').BreakdownName} BreakdownName */

/** Each breakdown's test ids and export list. */
const BOX = /** @type {const} */ ({
  by_channel: { id: 'groups-effects', list: 'channel_effects' },
  by_first_product: { id: 'groups-product-effects', list: 'product_effects' },
});

/**
 * The effects under a breakdown's table, or nothing without them.
 * @param {CovariateReport | undefined} effects
 * @param {BreakdownName} breakdown
 */
export function renderGroupEffects(effects, breakdown) {
  const { id, list } = BOX[breakdown];
  const box = byTestId(id);
  box.hidden = !effects;
  if (!effects) return;
  const { l10n } = state;
  const t = l10n.t;
  const level = l10n.percent(effects.level);
  const months = l10n.integer(effects.horizon_months);
  byTestId(`${id}-how`).textContent = t(`groups.effects.how.${breakdown}`, {
    model: MODEL_NAMES[effects.model] ?? effects.model,
    baseline: effects.baseline ?? t(`groups.missing.${breakdown}`),
    level,
  });
  const { sentences, clear } = readings(effects, breakdown);
  byTestId(`${id}-reading`).replaceChildren(...sentences.map((text) => el('li', {}, text)));
  const table = /** @type {HTMLTableElement} */ (byTestId(`${id}-table`));
  const headings = [
    t(`groups.col.group.${breakdown}`),
    t('groups.col.customers'),
    t('groups.col.repeat_customers'),
    t(`groups.effects.col.purchase.${breakdown}`, { level }),
    t(`groups.effects.col.dropout.${breakdown}`, { level }),
    t('groups.effects.col.purchases', { months }),
    t('groups.effects.col.value', { months, level }),
  ];
  table.tHead?.replaceChildren(el('tr', {}, ...headings.map((text, i) => el('th', { scope: 'col', class: i === 0 ? '' : 'num' }, text))));
  table.tBodies[0].replaceChildren(
    ...effects.groups.map((g) => {
      const cells = g.small
        ? [el('td', { colspan: '4', 'data-column': 'small' }, t('groups.small'))]
        : [
            el('td', { class: 'num', 'data-column': 'purchase' }, g.baseline ? t('groups.baseline') : times(g.purchase_multiplier)),
            el('td', { class: 'num', 'data-column': 'dropout' }, g.baseline ? t('groups.baseline') : times(g.dropout_multiplier)),
            el('td', { class: 'num', 'data-column': 'purchases' }, range(g.expected_purchases, (n) => l10n.decimal(n))),
            el('td', { class: 'num', 'data-column': 'value' }, g.expected_value ? range(g.expected_value, (n) => l10n.money(n)) : '—'),
          ];
      return el(
        'tr',
        { 'data-kind': g.kind, 'data-name': g.name ?? '' },
        el('th', { scope: 'row' }, groupLabel(/** @type {any} */ (g), breakdown, l10n)),
        el('td', { class: 'num', 'data-column': 'customers' }, l10n.integer(g.customers)),
        el('td', { class: 'num', 'data-column': 'repeaters' }, l10n.integer(g.repeaters)),
        ...cells,
      );
    }),
  );
  byTestId(`download-${id}`).onclick = () => requestExport('groups', list);
  const { p_value: p } = effects.lr_test;
  // Beyond chance while no group above differs clearly: the joint test also
  // counts the groups too small to read, so it says where the difference lies.
  const test = p >= 0.1 ? 'within' : `${clear ? 'beyond' : 'beyond_unclear'}.${breakdown}`;
  byTestId(`${id}-test`).textContent = t(`groups.effects.test.${test}`, {
    // "= 0.21": two decimals, as the page writes other shares; below 0.01
    // only that, "< 0.01".
    p: p < 0.01 ? `< ${l10n.decimal(0.01)}` : `= ${l10n.decimal(p)}`,
    effects: l10n.integer(effects.lr_test.df),
  });
}

/**
 * `2.2倍（1.3〜3.5倍）`: a multiplier with its range.
 * @param {CovariateEstimate} e
 */
function times(e) {
  const { l10n } = state;
  const x = multiplier;
  return e.low === null || e.high === null
    ? l10n.t('groups.effects.times', { value: x(e.value) })
    : l10n.t('groups.effects.times.range', { value: x(e.value), low: x(e.low), high: x(e.high) });
}

/**
 * A value with its range, each end formatted by `format`.
 * @param {CovariateEstimate} e
 * @param {(n: number) => string} format
 */
function range(e, format) {
  return e.low === null || e.high === null
    ? format(e.value)
    : state.l10n.t('groups.effects.range', { value: format(e.value), low: format(e.low), high: format(e.high) });
}

/**
 * One sentence per named group, not the baseline and large enough, whose
 * purchase or dropout range lies wholly above or below 1 (the same as the
 * largest group): what differs, and that the rest is unclear; `clear` is
 * whether any such group differs.
 * @param {CovariateReport} effects
 * @param {BreakdownName} breakdown
 * @returns {{sentences: string[], clear: boolean}}
 */
function readings(effects, breakdown) {
  const { l10n } = state;
  const t = l10n.t;
  /** @param {CovariateEstimate} e */
  const clear = (e) => e.low !== null && e.high !== null && (e.low > 1 || e.high < 1);
  const x = multiplier;
  const sentences = effects.groups
    .filter((g) => g.kind === 'value' && !g.baseline && !g.small && (clear(g.purchase_multiplier) || clear(g.dropout_multiplier)))
    .map((g) => {
      const parts = [];
      if (clear(g.purchase_multiplier)) parts.push(t('groups.effects.reading.purchase', { value: x(g.purchase_multiplier.value) }));
      if (clear(g.dropout_multiplier)) parts.push(t('groups.effects.reading.dropout', { value: x(g.dropout_multiplier.value) }));
      const unclear = clear(g.purchase_multiplier) ? (clear(g.dropout_multiplier) ? '' : t('groups.effects.reading.dropout_unclear')) : t('groups.effects.reading.purchase_unclear');
      return t(`groups.effects.reading.${breakdown}`, { name: g.name ?? '', baseline: effects.baseline ?? '', effects: parts.join(t('groups.effects.reading.and')), unclear });
    });
  if (sentences.length > 0) return { sentences, clear: true };
  // "No group differs" only when some group could have: on a small shop
  // every group but the baseline may be too small to read.
  const judged = effects.groups.some((g) => !g.baseline && !g.small);
  return { sentences: [t(`groups.effects.reading.${judged ? 'none' : 'too_small'}.${breakdown}`, { baseline: effects.baseline ?? '' })], clear: false };
}

/**
 * A multiplier as the page writes it: two decimals (2.15), or two
 * significant digits below 0.1, so a range's low end reads 0.0031, not 0.
 * @param {number} n
 */
export function multiplier(n) {
  const { l10n } = state;
  return n > 0 && n < 0.1 ? n.toLocaleString(l10n.locale, { maximumSignificantDigits: 2 }) : l10n.decimal(Math.round(n * 100) / 100);
}
