// @ts-check
// The ingest report: how the file was read (encoding, delimiter, preset,
// the column mapping and where each role came from), the rows skipped and
// the warnings.

import { el, table, ui } from '../app/dom.js';
import { state } from '../app/state.js';

/** @typedef {import('../pkg/ltvlab.js').IngestReport} IngestReport */

// The ingest report's fields (see IngestReport in pkg/ltvlab.d.ts) get their
// own layout; any other scalar field is listed as it is, so a new report field
// shows up before the page learns to present it.
const KNOWN_REPORT_FIELDS = new Set([
  'rows_read', 'rows_used', 'rows_skipped', 'skipped', 'encoding', 'bom', 'delimiter', 'quote', 'has_header',
  'preset', 'kind', 'columns', 'mapping', 'date_order', 'date_order_source', 'decimal', 'warnings', 'stats',
]);

/**
 * The ingest report: how the file was read, what was skipped and why.
 * @param {import('../pkg/ltvlab.js').IngestReport} report
 */
export function renderReport(report) {
  const { l10n } = state;
  const t = l10n.t;
  const count = l10n.integer;
  const stats = /** @type {Partial<IngestReport['stats']>} */ (report.stats ?? {});
  /** @type {[string, string, string | null | undefined][]} */
  const facts = [
    ['rows_read', t('report.rows_read'), count(report.rows_read)],
    ['rows_used', t('report.rows_used'), count(report.rows_used)],
    ['rows_skipped', t('report.rows_skipped'), count(report.rows_skipped)],
    ['encoding', t('report.encoding'), report.bom ? t('report.with_bom', { encoding: report.encoding }) : report.encoding],
    ['delimiter', t('report.delimiter'), l10n.t(`delimiter.${report.delimiter}`) === `delimiter.${report.delimiter}` ? JSON.stringify(report.delimiter) : t(`delimiter.${report.delimiter}`)],
    ['preset', t('report.preset'), l10n.preset(report.preset)],
    ['has_header', t('report.has_header'), report.has_header === undefined ? undefined : t(report.has_header ? 'report.yes' : 'report.no')],
    ['date_order', t('report.dates'), report.date_order && t(`report.${report.date_order}`)],
    ['decimal', t('report.decimal'), report.decimal && t(`report.${report.decimal}`)],
    ['dates', t('report.date_range'), stats.first_date ? `${l10n.date(stats.first_date)} – ${l10n.date(stats.last_date)}` : undefined],
    ['currencies', t('report.currencies'), stats.currencies?.map(([code, rows]) => t('report.currency_rows', { code, rows: count(rows) })).join(', ')],
    ['guest_rows', t('report.guest_rows'), stats.guest_rows ? count(stats.guest_rows) : undefined],
    ['reversal_rows', t('report.reversal_rows'), stats.reversal_rows ? count(stats.reversal_rows) : undefined],
    ['duplicate_rows', t('report.duplicate_rows'), stats.duplicate_rows ? count(stats.duplicate_rows) : undefined],
  ];
  for (const [key, value] of Object.entries(report)) {
    if (!KNOWN_REPORT_FIELDS.has(key) && isScalar(value)) facts.push([key, key.replaceAll('_', ' '), String(value)]);
  }
  /** @type {HTMLElement[]} */
  const parts = [
    el(
      'dl',
      { class: 'facts' },
      ...facts
        .filter(([, , value]) => value !== undefined && value !== null && value !== '')
        .map(([key, label, value]) => el('div', { 'data-field': String(key) }, el('dt', {}, String(label)), el('dd', {}, String(value)))),
    ),
  ];

  if (Array.isArray(report.mapping) && report.mapping.length > 0) {
    const rows = report.mapping.map((m) => [t(`role.${m.role}`), m.name, String(m.index + 1), t(`source.${m.source}`)]);
    parts.push(
      el('h3', {}, t('report.mapping')),
      table([t('report.mapping.role'), t('report.mapping.column'), t('report.mapping.number'), t('report.mapping.source')], rows, { 'data-testid': 'mapping-table' }),
    );
    const unused = unusedColumns(report);
    if (unused.length > 0) parts.push(el('p', { class: 'note' }, t('report.unused', { columns: unused.join(', ') })));
  }

  if (Array.isArray(report.skipped) && report.skipped.length > 0) {
    const reason = (/** @type {string} */ code) => (t(`skip.${code}`) === `skip.${code}` ? code : t(`skip.${code}`));
    const rows = report.skipped.flatMap((group) =>
      group.examples.map((example) => [String(example.line), reason(group.reason), example.text]),
    );
    parts.push(
      el('h3', {}, t('report.skipped')),
      el('ul', { 'data-testid': 'skipped-by-reason' }, ...report.skipped.map((group) => el('li', {}, `${reason(group.reason)}: ${count(group.count)}`))),
    );
    if (rows.length > 0) {
      const examples = table([t('report.line'), t('report.reason'), t('report.raw')], rows, { 'data-testid': 'skipped-rows' });
      examples.querySelectorAll('tbody td:last-child').forEach((td) => td.classList.add('raw'));
      parts.push(el('h3', {}, t('report.examples')), examples);
    }
  }

  if (Array.isArray(report.warnings) && report.warnings.length > 0) {
    parts.push(
      el('h3', {}, t('report.warnings')),
      el(
        'ul',
        { 'data-testid': 'warnings' },
        // English shows the core's message with its numbers; another language
        // its sentence for the warning's code (the core's message as a tooltip).
        ...report.warnings.map((w) => {
          const own = `warning.${w.code}`;
          const message = l10n.lang === 'en' || t(own) === own ? w.message : t(own);
          return el('li', { 'data-code': w.code, title: w.message }, w.lines?.length ? t('report.lines', { message, lines: w.lines.join(', ') }) : message);
        }),
      ),
    );
  }

  ui.report.replaceChildren(...parts);
}

/**
 * The file's columns the mapping does not use, by name.
 * @param {IngestReport} report
 * @returns {string[]}
 */
export function unusedColumns(report) {
  const mapped = new Set((report.mapping ?? []).map((m) => m.index));
  return (report.columns ?? []).filter((_, index) => !mapped.has(index));
}

/** @param {unknown} value */
const isScalar = (value) => ['string', 'number', 'boolean'].includes(typeof value);
