// @ts-check
// The what-if panel's sliders and numbers: the scenario against the baseline,
// the value curve and the lever ranking (app/whatif.js runs the scenarios).

import { SERIES, barChart, lineChart } from '../charts.js';
import { addChart } from '../app/chart-registry.js';
import { byTestId, el, ui } from '../app/dom.js';
import { state } from '../app/state.js';
import { renderAllowableCpo } from './acquisition.js';

/** @typedef {import('../pkg/ltvlab.js').WhatIfResult} WhatIfResult */
/** @typedef {import('../pkg/ltvlab.js').Estimate} Estimate */
/** @typedef {import('../pkg/ltvlab.js').Outcome} Outcome */
/** @typedef {(v: number) => string} Format */
/**
 * A slider: its range, its start and how its value reads; `typed` levers are
 * the shop's own figures, asked for as a typed number beside the slider and
 * remembered in this browser (see shopSettings).
 * @typedef {{min: number, max: number, step: number, initial: number, format: Format, typed?: boolean}} Lever
 */

/** @type {Format} */
const percentSigned = (v) => `${v > 0 ? '+' : ''}${state.l10n.percent(v / 100)}`;

/** The sliders, by name (the data-lever of their slots in index.html). @type {Record<string, Lever>} */
export const LEVERS = {
  retention_points: { min: 0, max: 20, step: 1, initial: 0, format: (v) => state.l10n.decimal(v) },
  aov_change: { min: -20, max: 50, step: 1, initial: 0, format: percentSigned },
  frequency_change: { min: -20, max: 50, step: 1, initial: 0, format: percentSigned },
  margin_points: { min: -20, max: 20, step: 1, initial: 0, format: (v) => `${v > 0 ? '+' : ''}${state.l10n.decimal(v)}` },
  discount: { min: 0, max: 30, step: 1, initial: 0, format: (v) => state.l10n.percent(v / 100) },
  loyalty_rebate: { min: 0, max: 10, step: 0.5, initial: 0, format: (v) => state.l10n.percent(v / 100) },
  loyalty_retention: { min: 0, max: 20, step: 1, initial: 0, format: (v) => state.l10n.decimal(v) },
  margin: { min: 5, max: 100, step: 1, initial: 100, format: (v) => state.l10n.percent(v / 100), typed: true },
  cac: { min: 0, max: 100, step: 1, initial: 0, format: (v) => state.l10n.money(v), typed: true },
  horizon: { min: 6, max: 60, step: 6, initial: 24, format: (v) => state.l10n.integer(v) },
};

/**
 * The sliders, at the positions in state.whatif.values; `onMove` is called
 * after each move, once the position is stored.
 * @param {() => void} onMove
 */
export function renderWhatIfControls(onMove) {
  const { l10n, whatif } = state;
  for (const slot of ui.whatif.querySelectorAll('[data-lever]')) {
    const name = /** @type {HTMLElement} */ (slot).dataset.lever ?? '';
    const lever = LEVERS[name];
    const id = `lever-${name}`;
    const label = el('label', { for: id });
    const input = el('input', {
      type: 'range', id, name, min: String(lever.min), max: String(lever.max), step: String(lever.step),
      'data-testid': `lever-${name}`,
    });
    input.value = String(whatif.values[name]);
    const describe = () => {
      label.textContent = l10n.t(`whatif.lever.${name}`, { value: lever.format(whatif.values[name]) });
      input.setAttribute('aria-valuetext', label.textContent);
    };
    describe();
    /** @type {HTMLInputElement | null} */
    let typed = null;
    input.addEventListener('input', () => {
      whatif.values[name] = Number(input.value);
      if (typed) typed.value = input.value;
      describe();
      onMove();
    });
    if (!lever.typed) {
      slot.replaceChildren(label, input);
      continue;
    }
    // The shop's own figure, typed: any value in range, not only the slider's steps.
    const typedInput = el('input', {
      type: 'number', id: `${id}-number`, min: String(lever.min), max: name === 'margin' ? String(lever.max) : '',
      step: 'any', inputmode: 'decimal', 'data-testid': `lever-${name}-number`,
      'aria-label': l10n.t(`whatif.input.${name}`),
    });
    typedInput.value = String(whatif.values[name]);
    typedInput.addEventListener('input', () => {
      const value = Number(typedInput.value);
      const max = name === 'margin' ? lever.max : Infinity;
      if (typedInput.value === '' || !Number.isFinite(value) || value < lever.min || value > max) return;
      whatif.values[name] = value;
      input.value = String(value);
      describe();
      onMove();
    });
    typed = typedInput;
    slot.replaceChildren(label, el('div', { class: 'typed' }, input, typedInput));
  }
}

const SHOP_KEY = 'ltvlab.whatif.shop';

/**
 * The shop's margin and CAC as last typed or slid in this browser, or {}.
 * @returns {Record<string, number>}
 */
export function shopSettings() {
  try {
    const saved = JSON.parse(globalThis.localStorage?.getItem(SHOP_KEY) ?? '{}');
    /** @type {Record<string, number>} */
    const settings = {};
    for (const [name, lever] of Object.entries(LEVERS)) {
      const value = saved?.[name];
      if (lever.typed && typeof value === 'number' && Number.isFinite(value) && value >= lever.min) settings[name] = value;
    }
    return settings;
  } catch {
    return {}; // storage disabled or unreadable: the defaults
  }
}

/** Remembers the shop's margin and CAC in this browser (only these; nothing from the file). */
export function saveShopSettings() {
  /** @type {Record<string, number>} */
  const settings = {};
  for (const [name, lever] of Object.entries(LEVERS)) if (lever.typed) settings[name] = state.whatif.values[name];
  try {
    globalThis.localStorage?.setItem(SHOP_KEY, JSON.stringify(settings));
  } catch {
    // storage disabled: the figures last for this page only
  }
}

/** A table cell's content: text, or text and its range. @typedef {string | (string | HTMLElement)[]} Cell */

/**
 * The numbers of one run, with their intervals when it had draws.
 * @param {WhatIfResult} sim
 * @param {number} ms the run's time in wasm
 */
export function renderWhatIf(sim, ms) {
  const { l10n } = state;
  const { whatif } = state;
  const t = l10n.t;
  const months = sim.horizon_months;
  /**
   * The figure, with its range on a line of its own below it (one line
   * each keeps the table's four columns within a laptop's window).
   * @param {Estimate} e
   * @param {Format} format
   * @returns {Cell}
   */
  const withRange = (e, format) =>
    sim.draws > 0 && e.high > e.low
      ? [format(e.value), el('span', { class: 'range' }, ` (${t('whatif.range', { low: format(e.low), high: format(e.high) })})`)]
      : format(e.value);
  /** @type {Format} */
  const signedMoney = (v) => `${v > 0 ? '+' : ''}${l10n.money(v)}`;
  const payback = (/** @type {Outcome} */ o) =>
    !(o.cac > 0) ? '—' : o.payback_months === null ? t('whatif.payback.never') : t('whatif.months', { value: l10n.integer(o.payback_months) });
  const ratio = (/** @type {Estimate | null} */ e) => (e ? withRange(e, l10n.decimal) : '—');
  /** @type {[string, import('../i18n.js').Params, number | null | undefined, number | null | undefined, Cell, Cell, Cell][]} */
  const rows = [
    ['ltv', { months }, sim.baseline.ltv_per_customer.value, sim.scenario.ltv_per_customer.value,
      withRange(sim.baseline.ltv_per_customer, l10n.money), withRange(sim.scenario.ltv_per_customer, l10n.money),
      withRange(sim.change.ltv_per_customer, signedMoney)],
    ['ltv_to_cac', {}, sim.baseline.ltv_to_cac?.value, sim.scenario.ltv_to_cac?.value,
      ratio(sim.baseline.ltv_to_cac), ratio(sim.scenario.ltv_to_cac), ''],
    ['payback', {}, sim.baseline.payback_months, sim.scenario.payback_months,
      payback(sim.baseline), payback(sim.scenario), ''],
    ['revenue_existing', { months }, sim.baseline.revenue_existing.value, sim.scenario.revenue_existing.value,
      withRange(sim.baseline.revenue_existing, l10n.money), withRange(sim.scenario.revenue_existing, l10n.money),
      withRange(sim.change.revenue_existing, signedMoney)],
    ['revenue_new', { months, perMonth: l10n.decimal(Math.round(sim.new_customers_per_month * 10) / 10) }, sim.baseline.revenue_new.value,
      sim.scenario.revenue_new.value, withRange(sim.baseline.revenue_new, l10n.money),
      withRange(sim.scenario.revenue_new, l10n.money), withRange(sim.change.revenue_new, signedMoney)],
  ];
  const table = byTestId('whatif-table');
  table.tHead.replaceChildren(
    el('tr', {}, ...['metric', 'baseline', 'scenario', 'change'].map((k, i) => el('th', { scope: 'col', class: i ? 'num' : '' }, t(`whatif.col.${k}`)))),
  );
  table.tBodies[0].replaceChildren(
    ...rows.map(([key, params, base, scen, baseText, scenText, changeText]) =>
      el(
        'tr',
        { 'data-row': key },
        el('th', { scope: 'row' }, el('span', {}, t(`whatif.row.${key}`, params)), el('span', { class: 'how' }, t(`whatif.row.${key}.how`))),
        el('td', { class: 'num', 'data-side': 'baseline', 'data-value': base ?? '' }, ...[baseText].flat()),
        el('td', { class: 'num', 'data-side': 'scenario', 'data-value': scen ?? '' }, ...[scenText].flat()),
        el('td', { class: 'num', 'data-side': 'change' }, ...[changeText].flat()),
      ),
    ),
  );
  renderCpaNote(sim);
  renderAllowableCpo(sim);
  byTestId('whatif-status').textContent =
    sim.draws > 0 ? t('whatif.status.full', { draws: l10n.integer(sim.draws) }) : t('whatif.status.quick', { ms: l10n.integer(Math.round(ms ?? 0)) });

  // The value curve: updated in place while sliding, rebuilt on a new result or language.
  const curve = sim.cumulative_value;
  const xs = curve.baseline.map((_, m) => m);
  const cac = sim.scenario.cac;
  const data = [xs, curve.baseline, curve.scenario, xs.map(() => (cac > 0 ? cac : null))];
  const plot = byTestId('chart-whatif').querySelector('.plot');
  if (whatif.chart && state.charts.some((c) => c.chart === whatif.chart)) {
    whatif.chart.setData(/** @type {import('../charts.js').PlotData} */ (data));
  } else {
    plot.replaceChildren();
    plot.setAttribute('aria-label', `${t('whatif.chart.title')}. ${t('whatif.chart.how')}`);
    whatif.chart = lineChart(plot, {
      xs,
      series: [
        { label: t('whatif.chart.baseline'), values: data[1], color: SERIES[0] },
        { label: t('whatif.chart.scenario'), values: data[2], color: SERIES[1] },
        { label: t('whatif.chart.cac'), values: data[3], color: SERIES[3], dash: [2, 4] },
      ],
      xTitle: t('whatif.chart.x'),
      yTitle: t('whatif.chart.y'),
      formatX: l10n.integer,
      formatY: l10n.moneyShort,
    });
    addChart('whatif', t('whatif.chart.title'), plot, whatif.chart);
  }

  // The lever ranking: sorted bars of the change in LTV from one step of each lever.
  const ranking = sim.sensitivity;
  const labels = ranking.map((s) => (t(`lever.${s.lever}`) === `lever.${s.lever}` ? s.lever : t(`lever.${s.lever}`)));
  const key = `${l10n.lang}|${labels.join('|')}`;
  const rankingPlot = byTestId('chart-levers').querySelector('.plot');
  rankingPlot.dataset.levers = JSON.stringify(ranking.map((s) => [s.lever, s.change]));
  const shown = whatif.ranking;
  if (shown?.key === key && shown.chart && state.charts.some((c) => c.chart === shown.chart)) {
    shown.chart.setData([ranking.map((_, i) => i), ranking.map((s) => s.change)]);
  } else if (whatif.ranking?.building && whatif.ranking.key === key) {
    whatif.ranking.values = ranking.map((s) => s.change); // the pending build draws the newest
  } else {
    // Built in a task of its own: two new charts in one task took over 50 ms at 100k lines.
    const building = { key, chart: null, building: true, values: ranking.map((s) => s.change) };
    whatif.ranking = building;
    setTimeout(() => {
      if (whatif.ranking !== building) return; // reset or rebuilt meanwhile
      rankingPlot.replaceChildren();
      rankingPlot.setAttribute('aria-label', `${t('whatif.levers.title')}. ${t('whatif.levers.how')}`);
      const chart = barChart(rankingPlot, { labels, values: building.values, yTitle: t('whatif.levers.y'), format: l10n.moneyShort });
      addChart('levers', t('whatif.levers.title'), rankingPlot, chart);
      whatif.ranking = { key, chart };
    }, 0);
  }
}

/**
 * Which LTV to hold against a CPA: the model's gross-margin value of a new
 * customer, beside the textbook formula for a new customer (平均購買単価 ×
 * (1 + 月間リピート回数 × 継続期間) × 粗利率: the predictions'
 * `new_customer_ltv` times the margin), in one sentence.
 * @param {WhatIfResult} sim
 */
function renderCpaNote(sim) {
  const { l10n } = state;
  const f = state.result?.predictions?.formula;
  // The run's own margin, not the controls' (a newer run may be pending).
  const margin = sim.baseline.parameters.margin;
  const textbook = f && f.new_customer_ltv !== null && f.expected_lifetime_months !== null ? f.new_customer_ltv * margin : null;
  const note = byTestId('whatif-cpa');
  note.dataset.model = String(sim.baseline.ltv_per_customer.value);
  note.dataset.key = `${Math.round(margin * 1e6) / 1e4}|${sim.baseline.cac}`;
  note.dataset.textbook = textbook === null ? '' : String(textbook);
  note.textContent = l10n.t('whatif.cpa', {
    ltv: l10n.money(sim.baseline.ltv_per_customer.value),
    months: l10n.integer(sim.horizon_months),
    textbook: textbook === null ? null : l10n.money(textbook),
    aov: f ? l10n.money(f.average_order_value) : '',
    ppm: f ? l10n.decimal(f.purchases_per_month) : '',
    life: f ? l10n.decimal(f.expected_lifetime_months ?? 0) : '',
    margin: l10n.percent(margin),
  });
}

/** @typedef {import('../pkg/ltvlab.js').ShiftOutcome} ShiftOutcome */
/** The channel shift's choices: two channels and the share moved, in percent. @typedef {{from: string, to: string, share: number}} ShiftChoice */

/**
 * The channels a shift can move new customers between: named, large enough
 * to read and with a spend estimate of their own (the core refuses the rest).
 * @returns {string[]}
 */
export function shiftChannels() {
  const effects = state.result?.groups?.by_channel?.effects;
  if (!effects) return [];
  return effects.groups.flatMap((g) => (g.kind === 'value' && !g.small && g.mean_spend !== null && g.name !== null ? [g.name] : []));
}

/**
 * The channel shift's two selects and share, at `choice`; hidden without two
 * channels to choose from. `onChange` is called after each change, once the
 * choice is stored.
 * @param {ShiftChoice} choice
 * @param {() => void} onChange
 */
export function renderShiftControls(choice, onChange) {
  const { l10n } = state;
  const box = byTestId('whatif-shift');
  const channels = shiftChannels();
  box.hidden = channels.length < 2;
  if (box.hidden) return;
  const months = state.result?.groups?.by_channel?.effects?.horizon_months ?? 12;
  byTestId('whatif-shift-how').textContent = l10n.t('whatif.shift.how', { months: l10n.integer(months) });
  /** @param {'from' | 'to'} key */
  const select = (key) => {
    const input = el('select', { id: `whatif-shift-${key}`, 'data-testid': `whatif-shift-${key}` }, ...channels.map((c) => el('option', { value: c }, c)));
    input.value = choice[key];
    input.addEventListener('change', () => {
      choice[key] = input.value;
      onChange();
    });
    return el('label', { for: input.id }, l10n.t(`whatif.shift.${key}`), input);
  };
  const share = el('input', {
    type: 'number', id: 'whatif-shift-share', min: '0', max: '100', step: 'any', inputmode: 'decimal',
    'data-testid': 'whatif-shift-share',
  });
  share.value = String(choice.share);
  share.addEventListener('input', () => {
    const value = Number(share.value);
    // Out-of-range shares go to the core, which says why it refuses them.
    if (share.value === '' || !Number.isFinite(value)) return;
    choice.share = value;
    onChange();
  });
  byTestId('whatif-shift-controls').replaceChildren(
    select('from'),
    select('to'),
    el('label', { for: share.id }, l10n.t('whatif.shift.share'), share),
  );
}

/**
 * The shift's result in two sentences; its numbers also as data attributes
 * (unrounded, for tests and for copying).
 * @param {ShiftOutcome | null} o
 */
export function renderShift(o) {
  const { l10n } = state;
  const result = byTestId('whatif-shift-result');
  const values = byTestId('whatif-shift-values');
  if (!o) {
    result.textContent = '';
    values.textContent = '';
    return;
  }
  byTestId('whatif-shift-error').hidden = true;
  /** @type {Format} */
  const signed = (v) => `${v > 0 ? '+' : ''}${l10n.money(v)}`;
  const months = l10n.integer(o.horizon_months);
  result.textContent = l10n.t('whatif.shift.result', {
    from: o.from,
    to: o.to,
    share: l10n.percent(o.share),
    customers: l10n.integer(o.new_customers),
    customersHow: l10n.t(o.new_customers_from_data ? 'whatif.shift.customers.data' : 'whatif.shift.customers.given'),
    moved: l10n.decimal(o.moved),
    months,
    change: signed(o.change.value),
    low: o.change.low === null ? null : signed(o.change.low),
    high: o.change.high === null ? null : signed(o.change.high),
  });
  values.textContent = l10n.t('whatif.shift.values', {
    from: o.from,
    to: o.to,
    months,
    fromValue: l10n.money(o.from_value),
    toValue: l10n.money(o.to_value),
    baseline: l10n.money(o.baseline),
    scenario: l10n.money(o.scenario),
  });
  const data = {
    change: o.change.value, low: o.change.low ?? '', high: o.change.high ?? '', fromValue: o.from_value,
    toValue: o.to_value, baseline: o.baseline, scenario: o.scenario, moved: o.moved, margin: o.margin,
  };
  for (const [name, value] of Object.entries(data)) result.dataset[name] = String(value);
}
