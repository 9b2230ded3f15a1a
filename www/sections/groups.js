// @ts-check
// チャネル別・初回購入商品別: new customers by the channel and by the product of
// their first order, with repeat rate, F2 within 90 days, order value and
// LTV, one plain sentence on the group that stands out, warnings on groups
// too small to judge, and a CSV of each table (see `ltvlab::groups`).

import { requestExport } from '../app/analysis.js';
import { byTestId, el } from '../app/dom.js';
import { current, state } from '../app/state.js';
import { renderGroupEffects } from './group-effects.js';
import { BREAKDOWNS, columnHeading, groupLabel, shownColumns } from './groups-table.js';

/** @typedef {import('./groups-table.js').BreakdownName} BreakdownName */
/** @typedef {import('../pkg/ltvlab.js').GroupReport} GroupReport */
/** @typedef {import('../pkg/ltvlab.js').GroupBreakdown} GroupBreakdown */

/** The test ids' part for each breakdown. */
const PART = /** @type {const} */ ({ by_channel: 'channel', by_first_product: 'product' });

/** Both tables, their readings, warnings and downloads. */
export function renderGroups() {
  const result = current();
  const report = result.groups;
  if (!report) return;
  const months = result.predictions?.base.horizon_months ?? null;
  for (const breakdown of BREAKDOWNS) renderBreakdown(report, breakdown, months);
  for (const breakdown of BREAKDOWNS) renderGroupEffects(report[breakdown]?.effects, breakdown);
}

/**
 * @param {GroupReport} report
 * @param {BreakdownName} breakdown
 * @param {number | null} months
 */
function renderBreakdown(report, breakdown, months) {
  const { l10n } = state;
  const t = l10n.t;
  const part = PART[breakdown];
  const b = report[breakdown];
  byTestId(`groups-${part}-none`).hidden = !!b;
  byTestId(`groups-${part}-body`).hidden = !b;
  if (!b) return;
  byTestId(`groups-${part}-reading`).textContent = reading(b, breakdown, report);
  const columns = shownColumns(report, l10n);
  const tableEl = byTestId(`groups-${part}-table`);
  tableEl.tHead.replaceChildren(
    el(
      'tr',
      {},
      el('th', { scope: 'col' }, columnHeading('group', breakdown, report, months, l10n)),
      ...columns.map(([key]) => el('th', { scope: 'col', class: 'num' }, columnHeading(key, breakdown, report, months, l10n))),
    ),
  );
  const rows = [...b.groups, report.total];
  tableEl.tBodies[0].replaceChildren(
    ...rows.map((row, i) => {
      const baseline = i === 0 && b.baseline !== null;
      return el(
        'tr',
        { 'data-kind': row.kind, 'data-name': row.name ?? '' },
        el('th', { scope: 'row' }, groupLabel(row, breakdown, l10n)),
        ...columns.map(([key, format]) => el('td', { class: 'num', 'data-column': key }, format(row, baseline))),
      );
    }),
  );
  const small = b.groups.some((row) => row.small);
  const smallNote = byTestId(`groups-${part}-small`);
  smallNote.hidden = !small;
  smallNote.textContent = small ? t('groups.small.note', { min: l10n.integer(report.min_customers) }) : '';
  const button = byTestId(`download-groups-${part}`);
  button.onclick = () => requestExport('groups', breakdown);
}

/**
 * The one-line reading: the group whose repeat rate stands out most above
 * and below the largest group's, when the difference is beyond chance
 * (the core decides: `highest`, `lowest`).
 * @param {GroupBreakdown} b
 * @param {BreakdownName} breakdown
 * @param {GroupReport} report
 */
function reading(b, breakdown, report) {
  const { l10n } = state;
  const t = l10n.t;
  if (b.baseline === null) return t('groups.reading.too_small', { min: l10n.integer(report.min_customers) });
  /** @param {number | null} index @param {'high' | 'low'} way */
  const sentence = (index, way) => {
    const row = index === null ? null : b.groups[index];
    const d = row?.repeat_rate_difference;
    if (!row || !d) return [];
    const points = l10n.decimal(Math.round(Math.abs(d.difference) * 1000) / 10);
    return [t(`groups.reading.${way}.${breakdown}`, { name: row.name ?? '', baseline: b.baseline ?? '', points })];
  };
  const parts = [...sentence(b.highest, 'high'), ...sentence(b.lowest, 'low')];
  if (parts.length > 0) return parts.join(' ');
  // "Within chance" only when some group was compared: on a small shop
  // every group but the largest may be too small to test.
  const compared = b.groups.some((row, i) => i > 0 && row.kind !== 'missing' && !row.small);
  return compared
    ? t('groups.reading.none', { baseline: b.baseline })
    : t('groups.reading.others_small', { baseline: b.baseline, min: l10n.integer(report.min_customers) });
}
