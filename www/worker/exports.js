// @ts-check
// The worker's exports of the last analysis: the customers' CSV, in the
// core's one layout, and the recommendations as CSV or JSON.

import { csvTable, customersCsv as coreCustomersCsv } from '../pkg/ltvlab.js';
import { localize, reasonText, timingReasonText } from '../i18n.js';
import { effectsTable, groupsTable } from '../sections/groups-table.js';
import { recommendationsList } from './recs-lists.js';

/** @typedef {import('../pkg/ltvlab.js').AnalysisResult} AnalysisResult */
/** @typedef {import('../pkg/ltvlab.js').ClvIntervals} ClvIntervals */
/** @typedef {import('../pkg/ltvlab.js').RecommendationsResult} RecommendationsResult */
/** @typedef {import('../protocol.js').ExportKind} ExportKind */
/**
 * The last analysis as the worker keeps it: the result without its wasm
 * what-if model, and the intervals once the page has sent them.
 * @typedef {Omit<AnalysisResult, 'whatif'> & {whatif: boolean, intervals?: ClvIntervals}} Kept
 */

/**
 * The core's one table layout (ltvlab::export::table_csv, exported as
 * csvTable): text cells through the one rule against formula injection and
 * quoted when needed, numbers as the customers CSV writes them; with a BOM,
 * so Excel opens Japanese names as UTF-8.
 * @param {string[]} header
 * @param {(string | number | null)[][]} rows
 */
function csv(header, rows) {
  return new Blob([`\ufeff${csvTable(header, rows)}`], { type: 'text/csv;charset=utf-8' });
}

/**
 * The file of an export of the last analysis.
 * @param {Kept} last
 * @param {ExportKind} kind
 * @param {string} lang
 * @param {import('../protocol.js').ListName} [list] for kind `list`
 * @returns {{blob: Blob, name: string}}
 */
export function exportFile(last, kind, lang, list) {
  const l10n = localize(lang);
  switch (kind) {
    case 'list': {
      // The recommendations' lists (next basket, due soon), else a segments list.
      const recs = recommendationsList(last.recommendations, list ?? '', l10n);
      const blob = recs ? csv(recs.header, recs.rows) : listCsv(last, list ?? '', l10n);
      return { blob, name: `ltvlab-${(list ?? 'list').replace(':', '-')}.csv` };
    }
    case 'customers':
      return { blob: customersCsv(last), name: 'ltvlab-customers.csv' };
    case 'groups': {
      const effectsOf = /** @type {const} */ ({ channel_effects: 'by_channel', product_effects: 'by_first_product' });
      const breakdown = effectsOf[/** @type {keyof typeof effectsOf} */ (list ?? '')];
      const effects = breakdown ? last.groups?.[breakdown]?.effects : undefined;
      if (breakdown && effects) {
        const { header, rows } = effectsTable(effects, breakdown, l10n);
        return { blob: csv(header, rows), name: `ltvlab-groups-${list?.replace('_', '-')}.csv` };
      }
      if (!last.groups || (list !== 'by_channel' && list !== 'by_first_product')) throw new Error(`no table ${list ?? ''} to export`);
      const { header, rows } = groupsTable(last.groups, list, last.predictions?.base.horizon_months ?? null, l10n);
      return { blob: csv(header, rows), name: `ltvlab-groups-${list}.csv` };
    }
    case 'subscription':
      return { blob: subscriptionCsv(last, l10n), name: 'ltvlab-subscription.csv' };
    case 'recs-csv':
      return { blob: recommendationsCsv(last.recommendations, l10n), name: 'ltvlab-recommendations.csv' };
    case 'recs-json':
      return {
        blob: new Blob([JSON.stringify(last.recommendations, null, 2)], { type: 'application/json' }),
        name: 'ltvlab-recommendations.json',
      };
    default:
      throw new Error(`unknown export ${kind}`);
  }
}

// The core's one customers layout (ltvlab::export::customers_csv, the one
// `ltvlab predict` writes), with a BOM so Excel opens Japanese ids as UTF-8.
/** @param {Kept} result */
function customersCsv({ summary, predictions, intervals, segments }) {
  if (!summary) throw new Error('no customers to export');
  const text = coreCustomersCsv(summary, predictions?.customers ?? null, predictions ? (intervals ?? null) : null, segments?.customers ?? null);
  return new Blob([`\ufeff${text}`], { type: 'text/csv;charset=utf-8' });
}

/**
 * The 定期 retention table by delivery number: observed rows, then the sBG's
 * projection past them, with the column names in the page's language.
 * @param {Kept} last
 * @param {import('../i18n.js').L10n} l10n
 */
function subscriptionCsv(last, l10n) {
  const report = last.subscription;
  if (!report) throw new Error('no subscription retention to export');
  const t = l10n.t;
  const fitted = new Map((report.fit?.curve ?? []).map((s) => [s.delivery, s]));
  const header = ['delivery', 'at_risk', 'received', 'retention', 'churn', 'fitted_retention', 'fitted_low', 'fitted_high', 'projected']
    .map((key) => t(`subscription.csv.${key}`));
  /** @type {(string | number | null)[][]} */
  const rows = report.observed.map((o) => {
    const f = fitted.get(o.delivery);
    return [o.delivery, o.at_risk, o.received, o.retention, o.churn, f?.retention ?? null, f?.interval?.[0] ?? null, f?.interval?.[1] ?? null, ''];
  });
  const fit = report.fit;
  for (const f of fit?.curve ?? []) {
    if (!fit || f.delivery < fit.projected_from) continue;
    rows.push([f.delivery, null, null, null, f.churn, f.retention, f.interval?.[0] ?? null, f.interval?.[1] ?? null, t('subscription.csv.projected_mark')]);
  }
  return csv(header, rows);
}

/** A segment's index in the report's columns: no segment. */
const NO_SEGMENT = 255;

/**
 * One list of customers, whole as the report holds it: a follow-up list
 * (`follow_up:<index>`), the overdue list (`overdue`) or every customer of a
 * segment (`segment:<code>`, highest revenue first). Each customer with their
 * e-mail (when the file has addresses), segment, last order, P(alive) now
 * and 90 days on, and expected value (the summary's and
 * predictions' rows, joined by id) and the suggested action.
 * @param {Kept} last
 * @param {import('../protocol.js').ListName} list
 * @param {import('../i18n.js').L10n} l10n
 */
function listCsv(last, list, l10n) {
  const report = last.segments;
  const summary = last.summary;
  if (!report || !summary) throw new Error('no segments to export');
  const c = summary.customers;
  const model = last.predictions?.customers;
  /** @type {Map<string, number>} */
  const rowOf = new Map();
  c.customer_id.forEach((id, i) => rowOf.set(id, i));
  const segmentName = (/** @type {number} */ i) => {
    const k = report.customers.segment[i];
    return k === NO_SEGMENT || !report.segments[k] ? '' : l10n.t(`segment.${report.segments[k].segment}`);
  };
  const end = summary.observation_end ? Date.parse(`${summary.observation_end}T00:00:00Z`) : NaN;
  /** Days from an ISO date to the observation end, as the report counts them. */
  const daysSince = (/** @type {string | undefined} */ iso) => {
    const days = (end - Date.parse(`${iso}T00:00:00Z`)) / 86_400_000;
    return Number.isFinite(days) ? days : null;
  };
  // The e-mail column only when the file has addresses (left out, not
  // written empty, otherwise), as in the customers CSV.
  const emails = c.email;
  /**
   * A customer's line: the summary's and predictions' columns at their row.
   * @param {string} id
   * @param {string} action
   * @returns {(string | number | null)[]}
   */
  const line = (id, action) => {
    const i = rowOf.get(id);
    const email = emails ? [i === undefined ? '' : emails[i]] : [];
    if (i === undefined) return [id, ...email, '', null, null, null, null, null, null, null, action];
    const lastOrder = c.last_purchase?.[i];
    return [id, ...email, segmentName(i), lastOrder ?? null, daysSince(lastOrder), c.orders?.[i] ?? null, c.total_spend?.[i] ?? null,
      model ? model.p_alive[i] : null, model?.p_alive_90d ? model.p_alive_90d[i] : null, model ? model.clv[i] : null, action];
  };
  // p_alive_90d: still a customer 90 days on, as in the customers CSV.
  const header = ['customer_id', ...(emails ? ['email'] : []), 'segment', 'last_order', 'days_since_last_order', 'orders', 'revenue', 'p_alive',
    'p_alive_90d', 'expected_value', 'suggested_action'];
  /** @type {(string | number | null)[][]} */
  let rows;
  const segment = /^segment:(\w+)$/.exec(list);
  const followUp = /^follow_up:(\d+)$/.exec(list);
  if (list === 'overdue' || list === 'next_order_soon') {
    return timingListCsv(list === 'overdue' ? report.overdue : report.due_soon, list === 'overdue' ? 'overdue' : 'due_soon', emails, rowOf, l10n);
  } else if (segment) {
    const k = report.segments.findIndex((s) => s.segment === segment[1]);
    if (k < 0) throw new Error(`unknown segment ${segment[1]}`);
    rows = segmentRows(last, k).map((i) => line(c.customer_id[i], l10n.t(`segment.action.${segment[1]}`)));
  } else if (followUp && report.follow_up[Number(followUp[1])]) {
    const { note, customers } = report.follow_up[Number(followUp[1])];
    const noteKey = `segments.followup.note.${note}`;
    const action = l10n.t(noteKey) === noteKey ? note : l10n.t(noteKey);
    rows = customers.map((f) => line(f.customer_id, action));
  } else {
    throw new Error(`unknown list ${list}`);
  }
  return csv(header, rows);
}

/**
 * A timing list (overdue or due soon) whole: each customer with the e-mail
 * (when the file has addresses), last order, median next order and its 80%
 * range (ISO dates, empty when more likely gone), the chance of an order
 * within 30 days, P(alive) now and 90 days on, value at risk, the reason and
 * the action.
 * @param {import('../pkg/ltvlab.js').TimingList} timing
 * @param {'overdue' | 'due_soon'} action
 * @param {string[] | undefined} emails
 * @param {Map<string, number>} rowOf
 * @param {import('../i18n.js').L10n} l10n
 */
function timingListCsv(timing, action, emails, rowOf, l10n) {
  const header = ['customer_id', ...(emails ? ['email'] : []), 'last_order', 'next_order_median', 'next_order_p10', 'next_order_p90',
    'p_purchase_30d', 'p_alive', 'p_alive_90d', 'value_at_risk', 'reason', 'suggested_action'];
  const todo = l10n.t(`segment.action.${action}`);
  const rows = timing.customers.map((c) => {
    const i = rowOf.get(c.customer_id);
    const email = emails ? [i === undefined ? '' : emails[i]] : [];
    return [c.customer_id, ...email, c.last_order, c.next_order ?? '', c.next_order_low ?? '', c.next_order_high ?? '',
      c.p_purchase_30d, c.p_alive, c.p_alive_90d, c.value_at_risk, timingReasonText(c.reason, l10n), todo];
  });
  return csv(header, rows);
}

/**
 * The summary rows of segment `k` (its index in the report's segments),
 * highest revenue first (as the follow-up lists), then by id.
 * @param {Kept} last
 * @param {number} k
 * @returns {number[]}
 */
function segmentRows(last, k) {
  const column = last.segments?.customers.segment;
  const c = last.summary?.customers;
  if (!column || !c) return [];
  /** @type {number[]} */
  const rows = [];
  for (let i = 0; i < column.length; i++) if (column[i] === k) rows.push(i);
  const spend = c.total_spend;
  const ids = c.customer_id;
  return rows.sort((a, b) => (spend ? spend[b] - spend[a] : 0) || (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
}

/**
 * @param {RecommendationsResult | null} recs
 * @param {import('../i18n.js').L10n} l10n
 */
function recommendationsCsv(recs, l10n) {
  if (!recs) throw new Error('no recommendations to export');
  const header = ['customer_id', 'list', 'item_id', 'item_name', 'rank', 'recommended_item_id',
    'recommended_item_name', 'score', 'reason'];
  /** @type {(string | number)[][]} */
  const rows = [];
  for (const { item, together } of recs.items) {
    together.forEach((other, rank) =>
      rows.push(['', 'bought_together', item.id, item.name, rank + 1, other.item.id, other.item.name, other.score,
        l10n.t('recs.reason.bought_with', { item: item.name, count: other.count })]),
    );
  }
  for (const customer of recs.customers) {
    // next_basket: the list the next-basket holdout chose for this shop.
    for (const list of /** @type {const} */ (['buy_again', 'also_like', 'next_basket'])) {
      customer[list].forEach((rec, rank) => {
        const anchor = rec.reason.kind === 'buy_again' ? rec.item : 'item' in rec.reason ? rec.reason.item : undefined;
        rows.push([customer.customer_id, list, anchor?.id ?? '', anchor?.name ?? '', rank + 1, rec.item.id,
          rec.item.name, rec.score, reasonText(rec.reason, l10n)]);
      });
    }
  }
  return csv(header, rows);
}
