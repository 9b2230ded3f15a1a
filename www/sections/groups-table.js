// @ts-check
// The columns of the tables by channel and by first product
// (チャネル別・初回購入商品別, `ltvlab::groups`), in one place for the page's
// tables (sections/groups.js) and the worker's CSV of them
// (worker/exports.js). No DOM here: the worker imports it too.

/** @typedef {import('../pkg/ltvlab.js').GroupRow} GroupRow */
/** @typedef {import('../pkg/ltvlab.js').GroupReport} GroupReport */
/** @typedef {import('../i18n.js').L10n} L10n */
/** The two breakdowns, as the report names them. @typedef {'by_channel' | 'by_first_product'} BreakdownName */

/** @type {readonly BreakdownName[]} */
export const BREAKDOWNS = ['by_channel', 'by_first_product'];

/**
 * A row's label: the channel or product, or what the row pools.
 * @param {GroupRow} row
 * @param {BreakdownName} breakdown
 * @param {L10n} l10n
 */
export function groupLabel(row, breakdown, l10n) {
  switch (row.kind) {
    case 'value':
      return row.name ?? '';
    case 'other':
      return l10n.t(`groups.other.${breakdown}`, { count: l10n.integer(row.values) });
    case 'missing':
      return l10n.t(`groups.missing.${breakdown}`);
    default:
      return l10n.t('groups.total');
  }
}

/**
 * The repeat-rate difference as the table shows it: for the baseline a
 * word; for a group too small to judge, the warning; for a difference
 * beyond chance signed points, else that it is within chance; a dash where
 * nothing was compared (the total, or no baseline).
 * @param {GroupRow} row
 * @param {boolean} baseline
 * @param {L10n} l10n
 */
export function differenceText(row, baseline, l10n) {
  if (baseline) return l10n.t('groups.baseline');
  if (row.kind === 'all') return '—';
  if (row.small) return l10n.t('groups.small');
  const d = row.repeat_rate_difference;
  if (!d) return '—';
  if (!d.significant) return l10n.t('groups.within_chance');
  return l10n.t('groups.points', { sign: d.difference > 0 ? '+' : '−', points: l10n.decimal(Math.round(Math.abs(d.difference) * 1000) / 10) });
}

/**
 * Each shown column: its key (`groups.col.<key>` is its heading) and its
 * cell as text; the predicted LTV only when there are predictions.
 * @param {GroupReport} report
 * @param {L10n} l10n
 * @returns {[string, (row: GroupRow, baseline: boolean) => string][]}
 */
export function shownColumns(report, l10n) {
  const money = (/** @type {number | null} */ n) => (n === null ? '—' : l10n.money(n));
  /** @type {[string, (row: GroupRow, baseline: boolean) => string][]} */
  const columns = [
    ['customers', (r) => l10n.integer(r.customers)],
    ['share', (r) => l10n.percent(r.share)],
    ['repeat_rate', (r) => l10n.percent(r.repeat_rate)],
    ['difference', (r, baseline) => differenceText(r, baseline, l10n)],
    ['f2_rate', (r) => (r.f2_rate === null ? '—' : l10n.percent(r.f2_rate))],
    ['orders_per_customer', (r) => l10n.decimal(r.orders_per_customer)],
    ['aov', (r) => money(r.aov)],
    ['revenue_per_customer', (r) => money(r.revenue_per_customer)],
    ['formula_ltv', (r) => money(r.formula_ltv)],
    ['model_ltv', (r) => money(r.model_ltv)],
  ];
  return report.total.model_ltv === null ? columns.filter(([key]) => key !== 'model_ltv') : columns;
}

/**
 * A column heading, with the F2 window and the predictions' horizon.
 * @param {string} key
 * @param {BreakdownName} breakdown
 * @param {GroupReport} report
 * @param {number | null} months the predictions' horizon
 * @param {L10n} l10n
 */
export function columnHeading(key, breakdown, report, months, l10n) {
  if (key === 'group') return l10n.t(`groups.col.group.${breakdown}`);
  if (key === 'model_ltv' && months === null) return l10n.t('groups.col.model_ltv.plain');
  return l10n.t(`groups.col.${key}`, { days: report.f2_window_days, months: months ?? '' });
}

/** The CSV's columns beyond the group: every count and rate, raw. */
const CSV_COLUMNS = /** @type {const} */ ([
  'customers', 'share', 'repeat_customers', 'repeat_rate', 'difference', 'difference_low', 'difference_high',
  'adjusted_p_value', 'significant', 'f2_customers', 'f2_converted', 'f2_rate', 'orders', 'orders_per_customer',
  'revenue', 'revenue_share', 'aov', 'revenue_per_customer', 'formula_ltv', 'model_ltv', 'small',
]);

/**
 * One breakdown as a table of raw values (rates as shares, amounts
 * unrounded), its rows then the total, with headings in the page's
 * language: what the worker writes as CSV.
 * @param {GroupReport} report
 * @param {BreakdownName} breakdown
 * @param {number | null} months the predictions' horizon
 * @param {L10n} l10n
 * @returns {{header: string[], rows: (string | number | null)[][]}}
 */
export function groupsTable(report, breakdown, months, l10n) {
  const b = report[breakdown];
  if (!b) throw new Error(`no ${breakdown} table`);
  const header = ['group', 'id', ...CSV_COLUMNS].map((key) => (key === 'id' ? l10n.t('groups.csv.id') : columnHeading(key, breakdown, report, months, l10n)));
  const yes = (/** @type {boolean} */ v) => l10n.t(v ? 'groups.csv.yes' : 'groups.csv.no');
  /** @param {GroupRow} r */
  const line = (r) => {
    const d = r.repeat_rate_difference;
    return [
      groupLabel(r, breakdown, l10n), r.id, r.customers, r.share, r.repeat_customers, r.repeat_rate,
      d ? d.difference : null, d ? d.low : null, d ? d.high : null, d ? d.adjusted_p_value : null, d ? yes(d.significant) : null,
      r.f2_customers, r.f2_converted, r.f2_rate, r.orders, r.orders_per_customer,
      r.revenue, r.revenue_share, r.aov, r.revenue_per_customer, r.formula_ltv, r.model_ltv, yes(r.small),
    ];
  };
  return { header, rows: [...b.groups.map(line), line(report.total)] };
}

/**
 * A breakdown's model effects (`GroupBreakdown.effects`) as a table of raw
 * values, one row per group with each estimate's range ends: what the
 * worker writes as CSV beside the channel or first-product table.
 * @param {import('../pkg/ltvlab.js').CovariateReport} effects
 * @param {BreakdownName} breakdown
 * @param {L10n} l10n
 * @returns {{header: string[], rows: (string | number | null)[][]}}
 */
export function effectsTable(effects, breakdown, l10n) {
  const t = l10n.t;
  const level = l10n.percent(effects.level);
  const months = l10n.integer(effects.horizon_months);
  /** @param {string} name */
  const ends = (name) => [name, t('groups.effects.csv.low', { name, level }), t('groups.effects.csv.high', { name, level })];
  const header = [
    t(`groups.col.group.${breakdown}`),
    t('groups.col.customers'),
    t('groups.col.repeat_customers'),
    ...ends(t(`groups.effects.csv.purchase.${breakdown}`)),
    ...ends(t(`groups.effects.csv.dropout.${breakdown}`)),
    ...ends(t('groups.effects.col.purchases', { months })),
    ...ends(t('groups.effects.csv.value', { months })),
    t('groups.col.small'),
  ];
  /** @param {{value: number, low: number | null, high: number | null} | null} e */
  const cells = (e) => (e ? [e.value, e.low, e.high] : [null, null, null]);
  const rows = effects.groups.map((g) => [
    groupLabel(/** @type {any} */ (g), breakdown, l10n),
    g.customers,
    g.repeaters,
    ...cells(g.purchase_multiplier),
    ...cells(g.dropout_multiplier),
    ...cells(g.expected_purchases),
    ...cells(g.expected_value),
    l10n.t(g.small ? 'groups.csv.yes' : 'groups.csv.no'),
  ]);
  return { header, rows };
}
