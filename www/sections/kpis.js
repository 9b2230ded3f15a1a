// @ts-check
// The key figures: customers, orders, revenue, churn, P(alive), the two LTVs
// (the merchant's formula and the model's), and which model was chosen and why.

import { byTestId } from '../app/dom.js';
import { current, dropout, state } from '../app/state.js';
import { MODEL_NAMES } from '../i18n.js';
import { unusedColumns } from './report.js';
import { holdoutMiss } from './validation.js';

/**
 * The purchase model's name as the papers write it.
 * @param {string | undefined} model
 */
function modelName(model) {
  return (model && MODEL_NAMES[model]) ?? model ?? '';
}

/**
 * One card: its figure (a dash when unknown), its label and how it is computed.
 * @param {string} id
 * @param {number | null | undefined} value
 * @param {(value: number) => string} format
 * @param {string} label
 * @param {string} how
 */
function setKpi(id, value, format, label, how) {
  const { l10n } = state;
  const card = byTestId(id);
  card.hidden = false;
  card.dataset.value = value === null || value === undefined ? '' : String(value);
  card.querySelector('dt').textContent = label;
  const figure = card.querySelector('dd');
  const known = value !== null && value !== undefined;
  figure.textContent = known ? format(value) : l10n.t('kpi.unknown');
  figure.dataset.full = figure.textContent;
  // Amounts have a compact form (4,117万円, $2.5M) for a card too narrow for every digit.
  figure.dataset.compact = known && format === l10n.money ? l10n.moneyCompact(value) : '';
  figure.removeAttribute('title');
  card.querySelector('.how').textContent = how;
}

/**
 * Shows each card's figure in full where it fits, else in its compact form
 * with the full figure as a tooltip: a figure is never clipped. Runs after
 * each render and when the cards' width changes.
 */
export function fitKpis() {
  for (const figure of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('.kpi dd[data-full]'))) {
    const { full, compact } = figure.dataset;
    if (figure.textContent !== full) figure.textContent = full ?? '';
    figure.removeAttribute('title');
    if (compact && figure.scrollWidth > figure.clientWidth) {
      figure.textContent = compact;
      figure.title = state.l10n.t('kpi.full', { value: full });
    }
  }
}

/** Refits the cards when their grid changes width (a window resize, print). */
let observer = /** @type {ResizeObserver | null} */ (null);
/** The cards' grid's width as the observer last saw it (0: hidden, or not observed yet). */
let width = 0;
function watchKpis() {
  if (observer || typeof ResizeObserver === 'undefined') return;
  const grid = document.querySelector('.kpis');
  if (!grid) return;
  observer = new ResizeObserver(([entry]) => {
    if (Math.round(entry.contentRect.width) === width) return;
    width = Math.round(entry.contentRect.width);
    fitKpis();
  });
  observer.observe(grid);
}

/**
 * The shop's key figures from the summary: customers, orders, revenue,
 * average order value and the share of customers with two or more orders
 * (null where the file does not have them). The cards and the one-page
 * summary both show these.
 * @param {import('../app/state.js').PageResult} result
 */
export function kpiFigures(result) {
  const { summary, report } = result;
  /** @type {number | null} */
  let customers = null;
  /** @type {number | null} */
  let orders = report.stats.orders;
  /** @type {number | null} */
  let revenue = null;
  /** @type {number | null} */
  let repeatRate = null;
  if (summary) {
    const c = summary.customers;
    customers = c.customer_id.length;
    orders = c.orders ? sum(c.orders) : null;
    revenue = c.total_spend ? sum(c.total_spend) : null;
    // Orders over one, or (a summary file) a repeat purchase: an indexed loop
    // over the typed array, as in `sum`.
    const repeat = c.orders ?? c.frequency;
    const over = c.orders ? 1 : 0;
    let repeaters = 0;
    for (let i = 0; i < customers; i++) if (repeat[i] > over) repeaters++;
    repeatRate = customers > 0 ? repeaters / customers : null;
  }
  const aov = orders !== null && orders > 0 && revenue !== null ? revenue / orders : null;
  return { customers, orders, revenue, aov, repeatRate };
}

/**
 * How a file without customer ids tells its customers apart, from ingest's
 * customers_by_phone and customers_by_name warnings: 'phone', 'name', or ''
 * (ids or e-mail addresses).
 * @param {import('../app/state.js').PageResult} result
 */
function contactKey(result) {
  const codes = new Set((result.report?.warnings ?? []).map((w) => w.code));
  return codes.has('customers_by_phone') ? 'phone' : codes.has('customers_by_name') ? 'name' : '';
}

/**
 * The sentence on the guest orders the figures leave out (orders without a
 * customer id, and their net revenue), or '' when there are none.
 * @param {import('../app/state.js').PageResult} result
 */
export function guestsNote(result) {
  const s = result.summary;
  if (!s || !(s.guest_orders > 0)) return '';
  const { l10n } = state;
  // A file told apart by phone number or name has guests without those.
  const contact = contactKey(result);
  return l10n.t(contact ? `kpi.guests.how.${contact}` : 'kpi.guests.how', {
    orders: l10n.integer(s.guest_orders),
    count: s.guest_orders,
    revenue: l10n.money(s.guest_revenue),
  });
}

/**
 * The orders worth zero or less after returns, left out of the revenue with
 * their net value: said only when that value is below zero (returns beyond
 * their orders), when the card's sum differs from the file's; '' otherwise.
 * @param {import('../app/state.js').PageResult} result
 */
export function overReturnedNote(result) {
  const s = result.summary;
  if (!s || !(s.reversed_revenue < 0)) return '';
  const { l10n } = state;
  return l10n.t('kpi.over-returned.how', {
    orders: l10n.integer(s.reversed_orders),
    count: s.reversed_orders,
    revenue: l10n.money(s.reversed_revenue),
  });
}

/** Unused columns that hold an order's shipping charge (Shopify, BASE, STORES, EC-CUBE, futureshop, Etsy, Amazon, Yahoo!ショッピング's ShipCharge). */
const SHIPPING_COLUMN = /^(shipping|order shipping|shipping-price|shipcharge|送料|送料合計|配送料|配送料金)$/i;
/** Amount columns known to hold the goods' value without shipping (Shopify's Subtotal in English and Japanese, Etsy's Item Total, Amazon's item-price). */
const GOODS_ONLY_AMOUNT = /^(subtotal|小計|item total|item-price)$/i;

/**
 * What the revenue card sums, read from the column mapping: the amount
 * column, or unit price × quantity when there is none, and whether an
 * unused shipping column says that shipping is left out. Exports differ
 * (BASE's 価格 × 数量 has no shipping, Rakuten's 合計金額 has it), so the
 * card names the column rather than claiming a definition. '' when the
 * mapping names no money column (a summary file has no revenue card).
 * @param {import('../app/state.js').PageResult} result
 */
export function revenueSource(result) {
  const { l10n } = state;
  const mapping = result.report?.mapping ?? [];
  const column = (/** @type {string} */ role) => mapping.find((m) => m.role === role)?.name;
  const amount = column('amount');
  const price = column('unit_price');
  const quantity = column('quantity');
  /** @type {string} */
  let source;
  let goodsOnly = false;
  if (amount) {
    source = l10n.t('kpi.revenue.from-amount', { column: amount });
    goodsOnly = GOODS_ONLY_AMOUNT.test(amount.trim());
  } else if (price && quantity) {
    source = l10n.t('kpi.revenue.from-price', { price, quantity });
    goodsOnly = true;
  } else if (price) {
    source = l10n.t('kpi.revenue.from-amount', { column: price });
    goodsOnly = true;
  } else {
    return '';
  }
  const shipping = unusedColumns(result.report).find((name) => SHIPPING_COLUMN.test(name.trim()));
  return goodsOnly && shipping ? l10n.sentences(source, l10n.t('kpi.revenue.no-shipping', { column: shipping })) : source;
}

/**
 * How far the model's share still buying may exceed the share not lapsed
 * (1 − the lapsed share) before the alive card explains the difference.
 */
const SLOW_BUYERS_GAP = 0.2;

/** Every card, and the note on the model choice and the two LTVs. */
export function renderKpis() {
  const { l10n } = state;
  const result = current();
  const { summary, predictions } = result;
  const t = l10n.t;
  const { customers, orders, revenue, aov, repeatRate } = kpiFigures(result);
  // A shop's own total counts its guests' orders too: say what the cards leave out.
  const guests = guestsNote(result);
  const withGuests = (/** @type {string} */ how) => (guests ? l10n.sentences(how, guests) : how);
  // A file without customer ids tells them apart by phone number or name; guest
  // checkouts identified by their address (ingest's email_ids warning) are customers too.
  const contact = contactKey(result);
  const byEmail = (result.report?.warnings ?? []).some((w) => w.code === 'email_ids');
  const customersHow = contact
    ? t(`kpi.customers.by-${contact}`)
    : byEmail
      ? l10n.sentences(t('kpi.customers.how'), t('kpi.customers.by-email'))
      : t('kpi.customers.how');
  setKpi('kpi-customers', customers, l10n.integer, t('kpi.customers'), customersHow);
  setKpi('kpi-orders', orders, l10n.integer, t('kpi.orders'), withGuests(t('kpi.orders.how')));
  const overReturned = overReturnedNote(result);
  const revenueHow = withGuests(revenueSource(result) || t('kpi.revenue.how'));
  setKpi('kpi-revenue', revenue, l10n.money, t('kpi.revenue'), overReturned ? l10n.sentences(revenueHow, overReturned) : revenueHow);
  setKpi('kpi-aov', aov, l10n.money, t('kpi.aov'), t('kpi.aov.how'));
  setKpi('kpi-repeat-rate', repeatRate, l10n.percent, t('kpi.repeat-rate'), t('kpi.repeat-rate.how'));
  // Baskets have orders only: the per-customer cards would only show dashes.
  for (const id of ['kpi-customers', 'kpi-revenue', 'kpi-aov', 'kpi-repeat-rate']) byTestId(id).hidden = !summary;

  const p = predictions;
  const months = p?.base.horizon_months ?? 12;
  const f = p?.formula;
  const window = f ? l10n.decimal(Math.round(f.churn_window_months * 10) / 10) : '12';
  setKpi('kpi-churn', f?.churn_rate, l10n.percent, t('kpi.churn', { window }), t('kpi.churn.how', { window }));
  // Where the data show no customer leaving, P(alive) is "no evidence of leaving",
  // not "still active": say so instead of showing 100% (ltvlab::predict::dropout_identified).
  const model = modelName(result.model_choice?.model);
  const { identified, valueCaveat } = dropout();
  const alive = identified ? p?.base.mean_p_alive : null;
  let aliveHow = t('kpi.alive.how', { model, gone: alive === undefined || alive === null ? '' : l10n.percent(1 - alive) });
  // The lapsed share beside it counts customers silent for the window; when
  // the model sees most of them as slow buyers rather than gone, the two
  // cards would read as a contradiction: say why they differ.
  const churn = f?.churn_rate ?? null;
  if (p && alive != null && churn !== null && alive - (1 - churn) >= SLOW_BUYERS_GAP) {
    const per = l10n.decimal(Math.round((p.base.expected_purchases / p.base.customers) * 100) / 100);
    aliveHow = l10n.sentences(aliveHow, t('kpi.alive.slow', { window, churn: l10n.percent(churn), per, months }));
  }
  setKpi(
    'kpi-alive',
    alive,
    l10n.percent,
    t('kpi.alive'),
    identified ? aliveHow : t('kpi.alive.unidentified'),
  );
  byTestId('kpi-alive').dataset.identified = String(identified);
  const choice = byTestId('model-choice');
  choice.hidden = !result.model_choice;
  choice.dataset.reason = result.model_choice?.reason ?? '';
  // Where the holdout's repeat purchases missed the prediction by far, the
  // line under the forecast cards says which way they are probably off.
  choice.dataset.total = result.validation?.total ?? '';
  choice.textContent = result.model_choice
    ? l10n.sentences(t(`model-choice.${result.model_choice.reason}`, { model }), holdoutMiss('model-choice'))
    : '';
  setKpi(
    'kpi-ltv-formula',
    f?.formula_ltv,
    l10n.money,
    t('kpi.ltv-formula'),
    f && f.formula_ltv !== null
      ? t('kpi.ltv-formula.how', {
          aov: l10n.money(f.average_order_value),
          ppm: l10n.decimal(f.purchases_per_month),
          life: l10n.decimal(f.expected_lifetime_months ?? 0), // known where formula_ltv is
        })
      : t('kpi.ltv-formula.undefined'),
  );
  // Where no customer is seen leaving the model values everyone as still
  // buying: the card says its value may be too high. Where the prior sets
  // the pace of leaving (too few came back), it says that instead.
  const modelHow = t('kpi.ltv-model.how', { months, model });
  setKpi(
    'kpi-ltv-model',
    p?.base.mean_clv,
    l10n.money,
    t('kpi.ltv-model', { months }),
    valueCaveat ? l10n.sentences(modelHow, t(`kpi.ltv-model.${valueCaveat}`)) : modelHow,
  );
  setKpi(
    'kpi-revenue-12m',
    p?.base.expected_revenue,
    l10n.money,
    t('kpi.revenue-12m', { months }),
    t('kpi.revenue-12m.how'),
  );
  // Without predictions the model cards say nothing; hide them rather than show dashes.
  for (const id of ['kpi-churn', 'kpi-alive', 'kpi-ltv-formula', 'kpi-ltv-model', 'kpi-revenue-12m']) {
    byTestId(id).hidden = !p;
  }
  const ratio = f?.formula_ltv && f.model_ltv > 0 ? l10n.decimal(Math.round((f.formula_ltv / f.model_ltv) * 10) / 10) : null;
  // Which of the four readings of the two LTVs holds (i18n.js kpi.compare).
  const lower = Boolean(f?.formula_ltv && f.formula_ltv < f.model_ltv);
  // "Customers probably gone count for little" only when the model sees many gone.
  const gone = alive != null && alive < 0.8;
  const reading = !ratio ? '' : `${valueCaveat ? `${valueCaveat}-` : ''}${lower ? 'lower' : 'higher'}`;
  const compare = byTestId('ltv-compare');
  compare.dataset.reading = reading;
  compare.textContent = t('kpi.compare', {
    ratio,
    reading,
    gone,
    life: l10n.decimal(Math.round((f?.expected_lifetime_months ?? 0) * 10) / 10),
    months,
  });
  // Cards just shown (the first figures) are fitted by the observer once the
  // page is laid out: measuring them here would force that layout inside
  // this drawing task (about 25 ms at 1M lines).
  if (width > 0 || typeof ResizeObserver === 'undefined') fitKpis();
  watchKpis();
}

/**
 * An indexed loop, not `for…of`: the first figures run this code cold, and
 * V8's interpreter spends about 0.5 µs per element on the iterator protocol
 * (30 ms for one column at 63,000 customers; BENCHMARKS.md, session 19).
 * @param {ArrayLike<number>} values
 */
function sum(values) {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}
