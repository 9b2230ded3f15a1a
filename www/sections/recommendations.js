// @ts-check
// The recommendations: the verdict of their holdout test, "bought together"
// per item, the lists per customer and the best pair rules. They arrive
// after the rest of the dashboard (the slowest section): meanwhile the
// section shows the recommender's stage.

import { reasonText } from '../i18n.js';
import { byTestId, el, ui } from '../app/dom.js';
import { current, state } from '../app/state.js';
import { renderNextBasket } from './next-basket.js';

/** @typedef {import('../pkg/ltvlab.js').RecommendationsResult} RecommendationsResult */

/**
 * The recommender's stage in its section's "computing" line (it has no progress bar).
 * @param {import('../app/state.js').RecsProgress} progress
 */
export function showRecommendationsProgress({ stage, percent, step, steps }) {
  const { l10n } = state;
  state.recsProgressShown = { stage, percent, step, steps };
  const line = byTestId('recs-computing');
  line.dataset.stage = stage;
  line.textContent = l10n.t('recs.computing.step', {
    step,
    steps,
    stage: l10n.t(`recs.stage.${stage}`),
    percent: l10n.percent(percent / 100),
  });
}

/**
 * The recommendations of the last analysis, parsed on first use: they are
 * posted as JSON text, parsed in a task of their own (see protocol.js).
 * @returns {RecommendationsResult | null}
 */
function parsed() {
  const result = current();
  if (typeof result.recommendations === 'string') result.recommendations = JSON.parse(result.recommendations);
  return /** @type {RecommendationsResult | null} */ (result.recommendations);
}

/** The section: "computing" with the recommender's stage, then the recommendations. */
export function renderRecommendationsSection() {
  const result = current();
  const recommendations = parsed();
  const pending = Boolean(result.recommendations_pending);
  ui.recs.hidden = !recommendations && !pending;
  ui.recs.dataset.recommendations = pending ? 'computing' : 'done';
  byTestId('recs-computing').hidden = !pending;
  /** @type {HTMLElement} */ (ui.recs.querySelector('.recs-body')).hidden = !recommendations;
  if (recommendations) renderRecommendations();
  byTestId('export-recs-csv').hidden = !recommendations;
  byTestId('export-recs-json').hidden = !recommendations;
}

function renderRecommendations() {
  const { l10n } = state;
  const recs = parsed();
  if (!recs) return;
  const verdict = byTestId('recs-verdict');
  const evaluation = recs.evaluation;
  verdict.hidden = !evaluation;
  if (evaluation) {
    verdict.querySelector('.verdict-text').textContent = verdictText(evaluation);
    verdict.querySelector('.verdict-how').textContent = l10n.t('recs.eval.how', { k: evaluation.k, customers: l10n.integer(evaluation.customers) });
  }
  renderNextBasket(recs);

  setOptions(ui.recsItem, recs.items.map(({ item }) => (item.name === item.id ? item.name : `${item.name} (${item.id})`)));
  renderItemList();

  const customers = byTestId('recs-customers');
  customers.hidden = recs.customers.length === 0;
  setOptions(ui.recsCustomer, recs.customers.map(({ customer_id: id }) => id));
  customers.querySelector('[data-role="how"]').textContent = l10n.t('recs.customers.how', {
    count: l10n.integer(recs.customers.length),
  });
  renderCustomerLists();

  const rules = byTestId('recs-rules');
  const t = l10n.t;
  rules.tHead.replaceChildren(
    el(
      'tr',
      {},
      ...['a', 'c', 'count', 'confidence', 'lift'].map((k, i) =>
        el('th', { scope: 'col', class: i > 1 ? 'num' : '' }, t(`recs.rules.col.${k}`)),
      ),
    ),
  );
  // Each pair appears in both directions; the table lists each once.
  const seen = new Set();
  /** @type {HTMLTableRowElement[]} */
  const rows = [];
  for (const rule of recs.rules) {
    const key = [rule.antecedent.id, rule.consequent.id].sort().join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push(
      el(
        'tr',
        {},
        el('td', {}, rule.antecedent.name),
        el('td', {}, rule.consequent.name),
        el('td', { class: 'num' }, l10n.integer(rule.count)),
        el('td', { class: 'num' }, l10n.percent(rule.confidence)),
        el('td', { class: 'num' }, `${l10n.decimal(rule.lift)}×`),
      ),
    );
    if (rows.length === 20) break;
  }
  // An empty table would look like a page that failed: say why it is empty
  // (on small shops most orders hold one item).
  rules.tBodies[0].replaceChildren(
    ...(rows.length ? rows : [el('tr', {}, el('td', { colspan: '5', class: 'note', 'data-role': 'none' }, t('recs.rules.none')))]),
  );
  // On a small shop a pair from two or three orders can top the table with
  // a lift of 30×: say that so few orders may be chance.
  const few = byTestId('recs-rules-few');
  const shownRules = recs.rules.filter((rule) => seen.has([rule.antecedent.id, rule.consequent.id].sort().join('\u0000')));
  few.hidden = !shownRules.some((rule) => rule.count <= FEW_PAIR_ORDERS);
  few.textContent = few.hidden ? '' : t('recs.rules.few', { max: l10n.integer(FEW_PAIR_ORDERS) });
}

/** Pairs bought together in this many orders or fewer get the note that they may be chance. */
const FEW_PAIR_ORDERS = 3;

// The pickers list up to 500 items and 1,000 customers. Chromium measures
// every option of a <select> when it lays it out, even in a section that is
// off screen: at 100k lines that was a layout task of 70–170 ms right after the
// recommendations arrived. So a picker holds only its chosen option until it
// is first used (focus or pointer), and gets the rest then.
/** @type {WeakMap<HTMLSelectElement, string[]>} select → its labels, not yet added */
const pendingOptions = new WeakMap();

/**
 * Option `i` of `labels` has value `i`; keeps the chosen index when it still exists.
 * @param {HTMLSelectElement} select
 * @param {string[]} labels
 */
function setOptions(select, labels) {
  const keep = Number(select.value || 0);
  const chosen = keep < labels.length ? keep : 0;
  if (labels.length === 0) {
    select.replaceChildren();
    pendingOptions.delete(select);
    return;
  }
  select.replaceChildren(el('option', { value: String(chosen) }, labels[chosen]));
  pendingOptions.set(select, labels);
}

/**
 * A picker's options, all of them, when it is first used.
 * @param {HTMLSelectElement} select
 */
export function fillOptions(select) {
  const labels = pendingOptions.get(select);
  if (!labels) return;
  pendingOptions.delete(select);
  const chosen = select.value;
  select.replaceChildren(...labels.map((label, index) => el('option', { value: String(index) }, label)));
  select.value = chosen;
}

/** "Bought together" for the item chosen in the picker. */
export function renderItemList() {
  const { l10n } = state;
  const recs = parsed();
  if (!recs) return;
  const box = byTestId('recs-items');
  const entry = recs.items[Number(ui.recsItem.value || 0)];
  box.querySelector('[data-role="how"]').textContent = entry
    ? l10n.t('recs.items.how', { baskets: l10n.integer(entry.baskets) })
    : '';
  const list = box.querySelector('.rec-list');
  list.replaceChildren(
    ...(entry?.together.length
      ? entry.together.map((other) =>
          el('li', {}, el('span', { class: 'rec-name' }, other.item.name), el('span', { class: 'note' }, ` — ${l10n.t('recs.items.count', { count: l10n.integer(other.count) })}`)),
        )
      : [el('li', { class: 'note' }, l10n.t('recs.none'))]),
  );
}

/** "Buy again", "you might also like" and the next basket for the customer chosen in the picker. */
export function renderCustomerLists() {
  const { l10n } = state;
  const recs = parsed();
  if (!recs) return;
  const entry = recs.customers[Number(ui.recsCustomer.value || 0)];
  for (const list of byTestId('recs-customers').querySelectorAll('[data-list]')) {
    const name = /** @type {HTMLElement} */ (list).dataset.list;
    const items = name === 'buy_again' || name === 'also_like' || name === 'next_basket' ? entry?.[name] ?? [] : [];
    list.replaceChildren(
      ...(items.length
        ? items.map((rec) =>
            el('li', {}, el('span', { class: 'rec-name' }, rec.item.name), el('span', { class: 'note' }, ` — ${reasonText(rec.reason, l10n)}`)),
          )
        : [el('li', { class: 'note' }, l10n.t('recs.none'))]),
    );
  }
}

// The evaluation's verdict in the page's language, from its numbers (the
// core's own `verdict` is English).
/** @param {NonNullable<RecommendationsResult['evaluation']>} e */
function verdictText(e) {
  const { l10n } = state;
  const t = l10n.t;
  const params = {
    ours: l10n.integer(e.recommender.hits),
    popular: l10n.integer(e.popular.hits),
    customers: l10n.integer(e.customers),
    k: e.k,
  };
  // The core decides which list did better (ltvlab::recommend::Outcome: a
  // difference chance alone could give names no winner); the page words it.
  const ratio = e.ratio ?? 0;
  /** @type {Record<typeof e.outcome, () => string>} */
  const texts = {
    untested: () => t('recs.eval.none'),
    neither: () => t('recs.eval.neither', params),
    only_recommender: () => t('recs.eval.only', params),
    chance: () => t('recs.eval.chance', params),
    better: () => t('recs.eval.better', { ...params, ratio: l10n.decimal(Math.round(ratio * 10) / 10) }),
    worse: () => t('recs.eval.worse', { ...params, ratio: l10n.decimal(Math.round(10 / ratio) / 10) }),
    same: () => t('recs.eval.same', params),
    all_items: () => t('recs.eval.all_items', { ...params, items: l10n.integer(e.items), count: e.items }),
  };
  if (e.outcome === 'untested' || e.outcome === 'all_items') return texts[e.outcome]();
  let text = texts[e.outcome]();
  if (e.customers < 30) text += ` ${t('recs.eval.few', params)}`;
  return text;
}
