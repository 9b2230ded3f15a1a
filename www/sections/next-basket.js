// @ts-check
// The next basket and the items due again soon, in the recommendations
// section: which list found the most of what customers bought next on this
// shop's own holdout (the blended list, each customer's own favourites or
// the best-sellers), a table of each listed customer's next basket from that
// list, and whom to mail about what and when. Both tables show their first
// rows; the downloads (the worker's `list` exports `next_basket` and
// `due_soon`) hold every row the report holds.

import { requestExport } from '../app/analysis.js';
import { byTestId, el } from '../app/dom.js';
import { state } from '../app/state.js';

/** @typedef {import('../pkg/ltvlab.js').RecommendationsResult} RecommendationsResult */
/** @typedef {import('../pkg/ltvlab.js').NextBasketEvaluation} NextBasketEvaluation */
/** @typedef {import('../pkg/ltvlab.js').NextBasketMethod} NextBasketMethod */

/** Rows each table shows; the download has them all. */
export const SHOWN_ROWS = 20;

/** The list length the verdict compares (the holdout's headline k). */
const VERDICT_K = 10;

/** Fewer customers tested than this make the verdict a rough guide. */
const FEW_CUSTOMERS = 30;

/**
 * Draws the next-basket verdict, its table and the due-soon list into their box.
 * @param {RecommendationsResult} recs
 */
export function renderNextBasket(recs) {
  const box = byTestId('recs-next-basket');
  box.replaceChildren(...nextBasketPart(recs), ...dueSoonPart(recs));
}

/**
 * The verdict, the scores at k = 5, 10, 20 and the per-customer table.
 * @param {RecommendationsResult} recs
 * @returns {HTMLElement[]}
 */
function nextBasketPart(recs) {
  const { l10n } = state;
  const t = l10n.t;
  const method = recs.next_basket_method;
  const evaluation = recs.next_basket_evaluation;
  const customers = recs.customers.filter((c) => c.next_basket.length > 0);
  // A basket file: no customers, nothing to say about their next order.
  if (!evaluation && customers.length === 0) return [];
  /** @type {HTMLElement[]} */
  const parts = [el('h3', {}, t('recs.next.heading'))];
  parts.push(el('p', { class: 'verdict-text', 'data-testid': 'recs-next-verdict', 'data-method': method }, verdictText(evaluation, method)));
  if (evaluation && evaluation.customers > 0) {
    const sampled = evaluation.customers < evaluation.held_out_customers;
    parts.push(el('p', { class: 'note' }, t('recs.next.how', { customers: l10n.integer(evaluation.customers) })
      + (sampled ? ` ${t('recs.next.sampled', { all: l10n.integer(evaluation.held_out_customers) })}` : '')));
    parts.push(scoresTable(evaluation));
  }
  if (customers.length === 0) return parts;
  // Where the chosen list is one list for all (the best-sellers), a table of
  // identical rows would say nothing more: one sentence gives the list.
  const first = customers[0].next_basket.map((r) => r.item.id).join('\u0000');
  if (customers.every((c) => c.next_basket.map((r) => r.item.id).join('\u0000') === first)) {
    parts.push(el('p', { class: 'note', 'data-testid': 'recs-next-same', 'data-method': method }, t('recs.next.same', {
      list: t(`recs.method.${method}`),
      items: customers[0].next_basket.map((r) => r.item.name).join(t('recs.next.separator')),
      count: l10n.integer(customers.length),
    })));
    parts.push(downloadButton('next_basket', t('recs.next.download')));
    return parts;
  }
  const shown = customers.slice(0, SHOWN_ROWS);
  parts.push(
    el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('recs.next.heading') },
      el('table', { 'data-testid': 'recs-next-table' },
        el('thead', {}, el('tr', {}, ...['customer', 'items', 'why'].map((k) => el('th', { scope: 'col' }, t(`recs.next.col.${k}`))))),
        el('tbody', {}, ...shown.map((c) => el('tr', { 'data-customer': c.customer_id },
          el('td', {}, c.customer_id),
          el('td', {}, c.next_basket.map((r) => r.item.name).join(t('recs.next.separator'))),
          el('td', {}, whyCounts(c.next_basket)),
        ))),
      ),
    ),
  );
  parts.push(el('p', { class: 'note', 'data-testid': 'recs-next-shown' },
    t('recs.next.shown', { shown: l10n.integer(shown.length), count: l10n.integer(customers.length) })));
  parts.push(downloadButton('next_basket', t('recs.next.download')));
  return parts;
}

/**
 * The due-soon list: when, to whom, about what.
 * @param {RecommendationsResult} recs
 * @returns {HTMLElement[]}
 */
function dueSoonPart(recs) {
  const { l10n } = state;
  const t = l10n.t;
  const due = recs.due_soon;
  if (!due) return [];
  /** @type {HTMLElement[]} */
  const parts = [
    el('h3', {}, t('recs.due.heading')),
    el('p', { class: 'note', 'data-testid': 'recs-due-how' },
      t('recs.due.how', { date: l10n.date(due.as_of), days: l10n.integer(due.within_days) })),
  ];
  if (due.rows.length === 0) {
    parts.push(el('p', { class: 'note', 'data-testid': 'recs-due-none' }, t('recs.due.none')));
    return parts;
  }
  const shown = due.rows.slice(0, SHOWN_ROWS);
  const columns = ['due', 'when', 'customer', 'item', 'last', 'interval', 'from'];
  parts.push(
    el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('recs.due.heading') },
      el('table', { 'data-testid': 'recs-due-table' },
        el('thead', {}, el('tr', {}, ...columns.map((k) => el('th', { scope: 'col', class: k === 'interval' ? 'num' : '' }, t(`recs.due.col.${k}`))))),
        el('tbody', {}, ...shown.map((r) => el('tr', {},
          el('td', {}, l10n.date(r.due_date)),
          el('td', {}, whenText(daysBetween(due.as_of, r.due_date))),
          el('td', {}, r.customer_id),
          el('td', {}, r.item.name),
          el('td', {}, l10n.date(r.last_date)),
          el('td', { class: 'num' }, t('recs.due.days', { days: l10n.integer(Math.round(r.interval_days)) })),
          el('td', {}, t(`recs.due.from.${r.interval_from}`, { customers: l10n.integer(r.interval_customers) })),
        ))),
      ),
    ),
  );
  parts.push(el('p', { class: 'note', 'data-testid': 'recs-due-shown' }, due.rows.length < due.total
    ? t('recs.due.held', { shown: l10n.integer(shown.length), held: l10n.integer(due.rows.length), total: l10n.integer(due.total) })
    : t('recs.due.shown', { shown: l10n.integer(shown.length), total: l10n.integer(due.total) })));
  parts.push(downloadButton('due_soon', t('recs.due.download')));
  return parts;
}

/**
 * Days from one ISO date to another.
 * @param {string} from
 * @param {string} to
 */
function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/**
 * A due date relative to the last order day: in a few days, today, or overdue.
 * @param {number} days due date minus the last order day
 */
function whenText(days) {
  const { l10n } = state;
  if (days === 0) return l10n.t('recs.due.today');
  return days > 0
    ? l10n.t('recs.due.ahead', { days: l10n.integer(days) })
    : l10n.t('recs.due.late', { days: l10n.integer(-days) });
}

/**
 * A download of one of the lists through the worker's export.
 * @param {'next_basket' | 'due_soon'} list
 * @param {string} label
 */
function downloadButton(list, label) {
  const button = el('button', { type: 'button', class: 'secondary', 'data-testid': `download-${list.replace('_', '-')}` }, label);
  button.addEventListener('click', () => requestExport('list', list));
  return button;
}

/**
 * How many of a list's items are repeats, from similar customers, best-sellers.
 * @param {RecommendationsResult['customers'][number]['next_basket']} list
 */
function whyCounts(list) {
  const { l10n } = state;
  /** @type {Record<string, number>} */
  const counts = {};
  for (const r of list) counts[r.reason.kind] = (counts[r.reason.kind] ?? 0) + 1;
  return ['buy_again', 'neighbours', 'bought_with', 'popular']
    .filter((kind) => counts[kind])
    .map((kind) => l10n.t(`recs.next.why.${kind}`, { count: l10n.integer(counts[kind]) }))
    .join(l10n.t('recs.next.separator'));
}

/**
 * Recall@k of a method over every held-out item.
 * @param {NextBasketEvaluation} e
 * @param {NextBasketMethod} method
 * @param {number} k
 */
function recall(e, method, k) {
  return e.methods.find((m) => m.method === method)?.at.find((s) => s.k === k)?.all.recall ?? 0;
}

/**
 * Which list this shop should use, in plain words, from the holdout's numbers.
 * @param {NextBasketEvaluation | null} e
 * @param {NextBasketMethod} method the list the report chose
 */
function verdictText(e, method) {
  const { l10n } = state;
  const t = l10n.t;
  const name = (/** @type {NextBasketMethod} */ m) => t(`recs.method.${m}`);
  if (!e || e.outcome === 'untested') return t('recs.next.verdict.untested', { best: name(method) });
  // The core decides the outcome (ltvlab::recommend::NextOutcome): the
  // runner-up beside the chosen list, and whether their difference is
  // beyond chance.
  const second = e.runner_up;
  const third = e.methods.map((m) => m.method).find((m) => m !== method && m !== second) ?? second;
  const best = recall(e, method, VERDICT_K);
  const runnerUp = recall(e, second, VERDICT_K);
  const params = {
    best: name(method),
    second: name(second),
    third: name(third),
    recall: l10n.percent(best),
    secondRecall: l10n.percent(runnerUp),
    thirdRecall: l10n.percent(recall(e, third, VERDICT_K)),
    k: VERDICT_K,
    customers: l10n.integer(e.customers),
  };
  if (e.outcome === 'all_items') return t('recs.next.verdict.all_items', { ...params, items: l10n.integer(e.items), count: e.items });
  let text = e.outcome === 'better'
    ? t('recs.next.verdict.better', { ...params, ratio: l10n.decimal(Math.round((best / runnerUp) * 100) / 100) })
    : t(`recs.next.verdict.${e.outcome}`, params);
  if (e.customers < FEW_CUSTOMERS) text += ` ${t('recs.eval.few', { customers: l10n.integer(e.customers) })}`;
  return text;
}

/**
 * The three lists' scores at each k: every held-out item, then bought-before and new items apart.
 * @param {NextBasketEvaluation} e
 */
function scoresTable(e) {
  const { l10n } = state;
  const t = l10n.t;
  const columns = ['list', 'k', 'recall', 'ndcg', 'hit_rate', 'precision', 'repeat', 'new'];
  const rows = e.methods.flatMap((m) => m.at.map((s) => el('tr', { 'data-method': m.method, 'data-k': s.k },
    el('td', {}, t(`recs.method.${m.method}`)),
    el('td', { class: 'num' }, l10n.integer(s.k)),
    ...[s.all.recall, s.all.ndcg, s.all.hit_rate, s.all.precision, s.repeat.recall, s.new.recall]
      .map((x) => el('td', { class: 'num' }, l10n.percent(x))),
  )));
  return el('details', { 'data-testid': 'recs-next-scores' },
    el('summary', {}, t('recs.next.scores')),
    el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('recs.next.scores') },
      el('table', {},
        el('thead', {}, el('tr', {}, ...columns.map((k) => el('th', { scope: 'col', class: k === 'list' ? '' : 'num' }, t(`recs.next.col.${k}`))))),
        el('tbody', {}, ...rows),
      ),
    ),
    el('p', { class: 'note' }, t('recs.next.scores.how', {
      repeat: l10n.integer(e.customers_with_repeat),
      new: l10n.integer(e.customers_with_new),
    })),
  );
}
