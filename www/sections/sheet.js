// @ts-check
// The one-page summary (1枚サマリー) a consultant can hand to a client: the
// key figures, F2転換率, the deciles' concentration, the LTV and 許容CPO, and
// the next actions by segment. Printed alone (body[data-print="sheet"] in
// style.css); every figure comes from the functions that draw the same figure
// elsewhere on the page, so the sheet never disagrees with it.

import { byTestId, el } from '../app/dom.js';
import { current, dropout, state } from '../app/state.js';
import { cpoFigures } from './acquisition.js';
import { guestsNote, kpiFigures, overReturnedNote, revenueSource } from './kpis.js';
import { largeOrdersText, leftOutText } from './notes.js';
import { holdoutMiss } from './validation.js';

/** Segments a paid action is no longer worth (they stay in the table, not in the actions). */
const NO_ACTION = new Set(['lost', 'hibernating']);
/** How many segment actions the sheet lists. */
const ACTIONS = 3;

/** Fills the sheet from the current analysis (and the what-if panel's last run). */
export function renderSheet() {
  const { l10n } = state;
  const t = l10n.t;
  const result = current();
  const sheet = byTestId('summary-sheet');
  const { customers, orders, revenue, aov, repeatRate } = kpiFigures(result);
  const guests = guestsNote(result);
  const overReturned = overReturnedNote(result);
  const source = revenueSource(result);
  const dash = t('kpi.unknown');
  const money = (/** @type {number | null | undefined} */ v) => (v === null || v === undefined ? dash : l10n.money(v));
  const percent = (/** @type {number | null | undefined} */ v) => (v === null || v === undefined ? dash : l10n.percent(v));
  const integer = (/** @type {number | null | undefined} */ v) => (v === null || v === undefined ? dash : l10n.integer(v));
  const funnel = result.repeat_funnel;
  const cpo = cpoFigures(state.whatif.last);

  /** @type {[string, string, string][]} key, label, figure */
  const figures = [
    ['customers', t('kpi.customers'), integer(customers)],
    ['orders', t('kpi.orders'), integer(orders)],
    ['revenue', t('kpi.revenue'), money(revenue)],
    ['aov', t('kpi.aov'), money(aov)],
    ['repeat_rate', t('kpi.repeat-rate'), percent(repeatRate)],
    ['f2', t('sheet.f2'), percent(funnel?.overall.f2_rate)],
  ];
  if (cpo) {
    figures.push(['ltv', t('sheet.ltv', { months: l10n.integer(cpo.months), margin: l10n.percent(cpo.margin) }), money(cpo.model)]);
    figures.push(['cpo', t('sheet.cpo', { ratio: cpo.ratio }), `${money(cpo.model)} / ${money(cpo.targetModel)}`]);
  }

  /** @type {HTMLElement[]} */
  const findings = [];
  // Large orders left out at the merchant's asking: every figure is without them.
  const leftOut = leftOutText(result);
  if (leftOut) findings.push(el('li', { 'data-finding': 'large-orders-left-out' }, leftOut));
  if (funnel && funnel.overall.customers > 0) {
    const within90 = funnel.within.find((w) => w.days === 90)?.funnel;
    findings.push(el('li', { 'data-finding': 'f2' }, t('funnel.f2', {
      rate: percent(funnel.overall.f2_rate),
      repeat: l10n.integer(funnel.overall.steps[1].customers),
      customers: l10n.integer(funnel.overall.customers),
    }) + (within90 && within90.customers > 0 ? ` ${t('funnel.f2.within', { days: 90, rate: percent(within90.f2_rate), customers: l10n.integer(within90.customers) })}` : '')));
  }
  const deciles = result.deciles?.deciles;
  if (deciles && deciles.length >= 2 && (result.deciles?.customers ?? 0) >= 10) {
    findings.push(el('li', { 'data-finding': 'deciles' }, t('sheet.deciles', {
      top: percent(deciles[0].revenue_share),
      top2: percent(deciles[1].cumulative_revenue_share),
    })));
  }
  // A few company orders that hold much of the revenue: the sheet says so
  // beside the concentration, as the page's note does.
  const large = largeOrdersText(result);
  if (large) findings.push(el('li', { 'data-finding': 'large-orders' }, large));
  if (cpo) {
    findings.push(el('li', { 'data-finding': 'cpo' }, t('sheet.cpo.line', {
      ltv: money(cpo.model), months: l10n.integer(cpo.months), margin: percent(cpo.margin),
      allowable: money(cpo.model), target: money(cpo.targetModel), ratio: cpo.ratio, full: cpo.margin === 1,
    })));
    // The printed page carries the model LTV card's caveat where the data do
    // not show how fast customers leave: a sheet handed on must not read
    // firmer than the page.
    const { valueCaveat } = dropout();
    if (valueCaveat) findings.push(el('li', { 'data-finding': 'ltv-caveat' }, t(`kpi.ltv-model.${valueCaveat}`)));
    const miss = holdoutMiss('model-choice');
    if (miss) findings.push(el('li', { 'data-finding': 'holdout-miss' }, miss));
  }

  const segments = result.segments;
  /** @type {HTMLElement[]} */
  const actions = [];
  if (segments) {
    const ranked = segments.segments
      .filter((s) => s.customers > 0 && !NO_ACTION.has(s.segment))
      .sort((a, b) => b.revenue - a.revenue || a.segment.localeCompare(b.segment))
      .slice(0, ACTIONS);
    for (const s of ranked) {
      actions.push(el('li', { 'data-segment': s.segment }, t('sheet.action', {
        segment: t(`segment.${s.segment}`),
        count: l10n.integer(s.customers),
        share: percent(s.revenue_share),
        action: t(`segment.action.${s.segment}`),
      })));
    }
    if (segments.overdue.count > 0) {
      actions.push(el('li', { 'data-segment': 'overdue' }, t('sheet.overdue', {
        count: l10n.integer(segments.overdue.count),
        action: t('segment.action.overdue'),
      })));
    }
  }

  const end = segments?.observation_end ?? funnel?.observation_end ?? null;
  sheet.replaceChildren(
    el('h2', { id: 'sheet-heading' }, t('sheet.title')),
    el('p', { class: 'sheet-meta', 'data-testid': 'sheet-meta' }, t('sheet.meta', {
      file: state.source?.name() ?? '',
      end: end ? l10n.date(end) : dash,
    })),
    el('dl', { class: 'sheet-figures', 'data-testid': 'sheet-figures' }, ...figures.map(([key, label, figure]) =>
      el('div', { 'data-figure': key }, el('dt', {}, label), el('dd', {}, figure)))),
    ...(source ? [el('p', { class: 'sheet-meta', 'data-testid': 'sheet-revenue-source' }, t('sheet.revenue-source', { how: source }))] : []),
    ...(guests ? [el('p', { class: 'sheet-meta', 'data-testid': 'sheet-guests' }, guests)] : []),
    ...(overReturned ? [el('p', { class: 'sheet-meta', 'data-testid': 'sheet-over-returned' }, overReturned)] : []),
    ...(findings.length ? [el('h3', {}, t('sheet.findings')), el('ul', { 'data-testid': 'sheet-findings' }, ...findings)] : []),
    ...(actions.length ? [el('h3', {}, t('sheet.actions')), el('ol', { 'data-testid': 'sheet-actions' }, ...actions)] : []),
    el('p', { class: 'sheet-footer' }, t('sheet.footer')),
  );
}

/** Prints the one-page summary alone, then gives the page back. */
export function printSheet() {
  renderSheet();
  const sheet = byTestId('summary-sheet');
  sheet.hidden = false;
  document.body.dataset.print = 'sheet';
  const restore = () => {
    delete document.body.dataset.print;
    sheet.hidden = true;
  };
  globalThis.addEventListener('afterprint', restore, { once: true });
  globalThis.print();
}
