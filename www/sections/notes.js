// @ts-check
// What could not be computed (the core's notes, with their codes) and the
// model's diagnostics.

import { byTestId, el } from '../app/dom.js';
import { current, state } from '../app/state.js';
import { diagnosticText, errorText } from '../i18n.js';

// The kinds' generic codes say no more than the note itself.
const GENERIC_ERRORS = new Set(['input', 'options', 'model', 'no_usable_column']);

/**
 * The stretch without orders as the page writes it wherever it names it.
 * @param {import('../pkg/ltvlab.js').OrderGap} gap
 */
export function gapParams(gap) {
  const { l10n } = state;
  return {
    from: l10n.date(gap.from),
    to: l10n.date(gap.to),
    days: l10n.integer(gap.days),
    orderDays: l10n.integer(gap.order_days),
    span: l10n.integer(gap.span_days),
  };
}

/**
 * The large orders as the note writes them: counts, shares and the named
 * customers' forecast values (once the models phase has them).
 * @param {import('../pkg/ltvlab.js').LargeOrders} large
 * @param {number} months the forecast's horizon
 */
function largeParams(large, months) {
  const { l10n } = state;
  const named = large.named
    .filter((n) => n.clv !== null)
    .map((n) => `${n.customer_id} ${l10n.money(/** @type {number} */ (n.clv))}`)
    .join(l10n.lang === 'ja' ? '、' : ', ');
  return {
    orders: l10n.integer(large.orders),
    count: large.orders,
    customers: l10n.integer(large.customers),
    customerCount: large.customers,
    multiple: l10n.integer(large.multiple),
    median: l10n.money(large.median_order),
    share: l10n.percent(large.revenue_share),
    clvShare: large.clv_share === null ? '' : l10n.percent(large.clv_share),
    months: l10n.integer(months),
    named,
  };
}

/**
 * The large orders' note as the page and the printed sheet write it, or
 * null when the report has none.
 * @param {import('../app/state.js').PageResult} result
 */
export function largeOrdersText(result) {
  const large = result.large_orders;
  if (!large) return null;
  const months = result.predictions?.base.horizon_months ?? 12;
  return state.l10n.t('note.large_orders', largeParams(large, months));
}

/**
 * The large orders the analysis left out (the note's button), as the page
 * and the printed sheet write it, or null when none were.
 * @param {import('../app/state.js').PageResult} result
 */
export function leftOutText(result) {
  const left = result.report?.stats?.large_orders_left_out;
  if (!left) return null;
  const { l10n } = state;
  return l10n.t('note.large_orders_left_out', {
    orders: l10n.integer(left.orders),
    count: left.orders,
    rows: l10n.integer(left.rows),
    rowCount: left.rows,
    multiple: l10n.integer(left.multiple),
    median: l10n.money(left.median_order),
    revenue: l10n.money(left.revenue),
    share: l10n.percent(left.revenue_share),
  });
}

/**
 * A button that analyses the file again with or without its large orders
 * (app.js listens for it on the notes).
 * @param {'exclude' | 'keep'} policy
 */
function largeOrdersButton(policy) {
  const key = policy === 'exclude' ? 'note.large_orders.exclude' : 'note.large_orders.keep';
  return el('button', { type: 'button', class: 'secondary note-action', 'data-large-orders': policy, 'data-testid': `large-orders-${policy}` },
    state.l10n.t(key));
}

export function renderNotes() {
  const { l10n } = state;
  const result = current();
  const notes = byTestId('notes');
  // The large orders left out lead the notes: every figure below is without them.
  const leftOut = leftOutText(result);
  notes.hidden = result.notes.length === 0 && !leftOut;
  notes.querySelector('ul').replaceChildren(
    ...(leftOut ? [el('li', { 'data-code': 'large_orders_left_out' }, el('span', { 'data-role': 'text' }, leftOut), ' ', largeOrdersButton('keep'))] : []),
    // The core's detail is English engineer text: shown in the English page.
    // The others say the error behind the note (its code and parameters) in
    // their own words, and keep the English as a tooltip.
    ...result.notes.map((note) => {
      const attributes = { 'data-code': note.code, 'data-error': note.error?.code ?? '' };
      // The stretch without orders: its dates from the report, in the page's words.
      const gap = note.code === 'order_gap' ? result.order_gap : null;
      if (gap) return el('li', { ...attributes, title: note.message }, l10n.t('note.order_gap', gapParams(gap)));
      // The large orders: the report's counts and shares, in the page's words.
      const large = note.code === 'large_orders' ? largeOrdersText(result) : null;
      // Its button analyses the file without them (not while they are left out already).
      if (large) {
        return el('li', { ...attributes, title: note.message }, el('span', { 'data-role': 'text' }, large),
          ...(leftOut ? [] : [' ', largeOrdersButton('exclude')]));
      }
      if (l10n.lang === 'en') return el('li', attributes, `${l10n.t(`note.${note.code}`)} (${note.message})`);
      // A generic code, or one the note's own sentence already says, adds nothing.
      const { error } = note;
      const detail = error && !GENERIC_ERRORS.has(error.code) && error.code !== note.code ? ` ${errorText(l10n, error)}` : '';
      return el('li', { ...attributes, title: note.message }, `${l10n.t(`note.${note.code}`)}${detail}`);
    }),
  );
  const diagnostics = result.predictions?.diagnostics ?? [];
  const details = byTestId('diagnostics');
  details.hidden = diagnostics.length === 0;
  // Each from its code and parameters, in the page's language; the core's
  // English sentence stays as a tooltip.
  details.querySelector('.diagnostics-summary').textContent = l10n.t('diagnostics.summary');
  details.querySelector('ul').replaceChildren(
    ...diagnostics.map((d) => el('li', { 'data-code': d.code, title: d.model ? `${d.model}: ${d.message}` : d.message }, diagnosticText(l10n, d))),
  );
}
