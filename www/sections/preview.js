// @ts-check
// The head of the file and the column mapping, shown while the file is read:
// a wrong column can be fixed and the file analysed again.

import { byTestId, el, ui } from '../app/dom.js';
import { state } from '../app/state.js';

const TRANSACTION_ROLES = ['customer', 'order', 'date', 'time', 'amount', 'unit_price', 'quantity', 'item',
  'item_name', 'status', 'currency', 'refunded', 'nps', 'group', 'subscription', 'email'];
const SUMMARY_ROLES = ['customer', 'frequency', 'recency', 't', 'monetary_value'];

export function renderPreview() {
  const { l10n } = state;
  if (!state.preview) return;
  const { report, rows } = state.preview;
  ui.preview.hidden = false;
  byTestId('preview-format').textContent = l10n.t('preview.format', {
    preset: l10n.preset(report.preset),
    encoding: report.encoding,
  });
  const mapped = Object.fromEntries(report.mapping.map((m) => [m.role, m.name]));
  const roles = report.kind === 'summary' ? SUMMARY_ROLES : report.kind === 'baskets' ? [] : TRANSACTION_ROLES;
  const fields = roles.map((role) => {
    const select = el(
      'select',
      { name: role, 'data-role': role, id: `map-${role}` },
      el('option', { value: '' }, l10n.t('preview.none')),
      ...report.columns.map((column, index) => el('option', { value: `#${index + 1}` }, column)),
    );
    const current = report.mapping.find((m) => m.role === role);
    select.value = current ? `#${current.index + 1}` : '';
    if (!(role in mapped)) select.classList.add('unmapped');
    return el('label', { class: 'mapping-role' }, el('span', {}, l10n.t(`role.${role}`)), select);
  });
  /** @type {HTMLElement} */ (ui.mapping.querySelector('.mapping-roles')).replaceChildren(...fields);
  ui.mapping.hidden = roles.length === 0;
  byTestId('summary-period-field').hidden = report.kind !== 'summary';

  const previewTable = byTestId('preview-table');
  previewTable.tHead.replaceChildren(el('tr', {}, ...report.columns.map((c) => el('th', { scope: 'col' }, c))));
  previewTable.tBodies[0].replaceChildren(...rows.map((row) => el('tr', {}, ...row.map((cell) => el('td', {}, cell)))));
}

/**
 * The user's choices relative to what was detected: only changed roles become overrides.
 * @returns {Record<string, string>}
 */
export function mappingOverrides() {
  const detected = Object.fromEntries((state.preview?.report.mapping ?? []).map((m) => [m.role, `#${m.index + 1}`]));
  const chosen = { ...state.overrides };
  for (const select of ui.mapping.querySelectorAll('.mapping-roles select')) {
    const { role } = /** @type {HTMLSelectElement} */ (select).dataset;
    const { value } = /** @type {HTMLSelectElement} */ (select);
    if (role && (detected[role] ?? '') !== value) chosen[role] = value;
  }
  return chosen;
}
