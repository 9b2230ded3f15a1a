// @ts-check
// RFM as the A–E ranks Japanese EC tools use: customers per rank on R, F and
// M, and the R × F table (see `ltvlab::rfm_ranks`).

import { byTestId, el } from '../app/dom.js';
import { current, state } from '../app/state.js';

/** @typedef {import('../pkg/ltvlab.js').RankCount} RankCount */

/** The ranks' table and the R × F table. */
export function renderRanks() {
  const { l10n } = state;
  const report = current().rfm_ranks;
  if (!report) return;
  const t = l10n.t;
  const cell = (/** @type {RankCount} */ r) => `${l10n.integer(r.customers)} (${l10n.percent(r.customer_share)})`;
  const ranks = byTestId('rfm-ranks-table');
  ranks.tHead.replaceChildren(
    el('tr', {}, el('th', { scope: 'col' }, t('ranks.col.rank')), ...['r', 'f', 'm', 'm_from'].map((key) => el('th', { scope: 'col', class: 'num' }, t(`ranks.col.${key}`)))),
  );
  ranks.tBodies[0].replaceChildren(
    ...report.recency.map((r, i) => {
      const from = report.monetary_thresholds[i];
      return el(
        'tr',
        { 'data-rank': r.rank },
        el('th', { scope: 'row' }, r.rank),
        el('td', { class: 'num', 'data-column': 'r' }, cell(r)),
        el('td', { class: 'num', 'data-column': 'f' }, cell(report.frequency[i])),
        el('td', { class: 'num', 'data-column': 'm' }, cell(report.monetary[i])),
        el('td', { class: 'num', 'data-column': 'm_from' }, from === null ? '—' : l10n.money(from)),
      );
    }),
  );
  const letters = report.recency.map((r) => r.rank);
  const matrix = byTestId('rfm-matrix');
  matrix.tHead.replaceChildren(el('tr', {}, el('th', { scope: 'col' }, t('ranks.matrix.corner')), ...letters.map((f) => el('th', { scope: 'col', class: 'num' }, `F ${f}`))));
  matrix.tBodies[0].replaceChildren(
    ...report.r_by_f.map((row, i) =>
      el('tr', { 'data-r': letters[i] }, el('th', { scope: 'row' }, `R ${letters[i]}`), ...row.map((count, j) => el('td', { class: 'num', 'data-f': letters[j] }, l10n.integer(count)))),
    ),
  );

  // Who moved: R rank 90 days before the end (rows) against now (columns).
  const migration = report.migration;
  const moves = byTestId('rfm-migration');
  moves.closest('details').hidden = !migration;
  if (!migration) return;
  byTestId('rfm-migration-heading').textContent = t('ranks.migration.heading', { from: l10n.date(migration.from), customers: l10n.integer(migration.customers) });
  moves.tHead.replaceChildren(el('tr', {}, el('th', { scope: 'col' }, t('ranks.migration.corner')), ...letters.map((r) => el('th', { scope: 'col', class: 'num' }, `R ${r}`))));
  moves.tBodies[0].replaceChildren(
    ...migration.recency.map((row, i) =>
      el('tr', { 'data-from': letters[i] }, el('th', { scope: 'row' }, `R ${letters[i]}`), ...row.map((count, j) => el('td', { class: 'num', 'data-to': letters[j] }, l10n.integer(count)))),
    ),
  );
}
