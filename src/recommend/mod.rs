//! "Also bought" recommendations: exact pair counts with the usual
//! association-rule measures, per-customer lists, frequent itemsets, and a
//! holdout test against best-sellers; the next basket (TIFU-KNN,
//! [`NextBasket`]) with its holdout against the frequency baselines
//! ([`evaluate_next_basket`]); and replenishment timing ([`Replenishment`]).
//!
//! A basket is an order (ingest synthesises customer + day orders when the
//! file has no order ids; a basket file has one order per line). Each basket
//! counts its distinct items once; reversal lines (returns, refunds) and lines
//! without an item are left out, and so are orders left empty by that.
//!
//! ```
//! use ltvlab::ingest::{ingest, IngestOptions};
//! use ltvlab::recommend::{Recommender, RecommendOptions};
//!
//! let csv = "bread,milk\nbread,milk,eggs\nmilk,eggs\nbread,milk\n";
//! let data = ingest(csv.as_bytes(), &IngestOptions::default())?.data;
//! let rec = Recommender::new(&data, &RecommendOptions::default())?;
//! let t = rec.transactions();
//! let bread = t.items().get("bread").unwrap();
//! let best = &rec.bought_together(bread)[0];
//! assert_eq!(t.item_name(best.consequent), "milk");
//! assert_eq!(best.metrics.count, 3);
//! assert_eq!(best.metrics.confidence, 1.0);
//! assert_eq!(best.metrics.conviction, None); // infinite: an exact rule
//! # Ok::<(), ltvlab::Error>(())
//! ```

mod baskets;
mod evaluate;
mod itemsets;
mod metrics;
mod next_basket;
mod next_eval;
mod pairs;
mod replenish;
#[cfg(test)]
mod test_shop;

use rustc_hash::FxHashMap;
use serde::Serialize;

pub use evaluate::{evaluate, evaluate_both, EvaluateOptions, Evaluation, Outcome, RankingMetrics};
pub use itemsets::{Itemset, ItemsetOptions, Itemsets, Rule};
pub use metrics::{Ranking, RuleMetrics};
pub use next_basket::{
    Decay, NextBasket, NextBasketOptions, NextItem, NextReason, Tuning, TuningPoint, ALPHA_GRID,
    DECAY_GRID, MAX_TUNING_CUSTOMERS, TUNING_K,
};
pub use next_eval::{
    evaluate_next_basket, global_top_freq, personal_top_freq, MethodScores, NextBasketEvaluation,
    NextOutcome, ScoresAtK, CHOICE_K, MAX_EVALUATED_CUSTOMERS, METHODS, NEXT_BASKET_KS,
};
pub use pairs::PairRule;
pub use replenish::{
    Cycle, DueOptions, IntervalSource, Replenishment, MIN_ITEM_INTERVAL_CUSTOMERS,
};

use crate::days::format_day;
use crate::ingest::Dataset;
use crate::transactions::{Transactions, NONE};
use crate::{Error, ErrorCode, Result};
use baskets::Baskets;
use pairs::{count_pairs, PairFilter, Pairs};

/// The hard cap on distinct items per basket, whatever
/// [`RecommendOptions::max_basket`] says: counting the pairs of a basket of
/// `k` items costs `k(k − 1)`, so one 100,000-item order would cost 10¹⁰
/// steps; capped, a basket costs at most about a million. Baskets cut by it
/// are counted in [`BasketStats::capped_baskets`].
pub const MAX_BASKET_ITEMS: usize = 1_000;

/// Options for [`Recommender::new`]. `Default` gives the documented defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecommendOptions {
    /// Baskets with more distinct items are cut to their `max_basket` most
    /// popular items (by baskets holding them before the cut; ties to the
    /// item seen first in the file). Default `Some(50)`, at most
    /// [`MAX_BASKET_ITEMS`]; `None` keeps baskets whole up to that hard cap.
    /// Huge baskets are usually wholesale or staff orders: they add `k²`
    /// pairs each and say little about what goes together.
    pub max_basket: Option<usize>,
    /// Minimum baskets a pair must share to be reported (default 2).
    pub min_count: u64,
    /// Minimum support `count / baskets` of a pair (default 0).
    pub min_support: f64,
    /// Minimum confidence of a rule `A → C` (default 0).
    pub min_confidence: f64,
    /// How pairs are ranked (default [`Ranking::Jaccard`]).
    pub ranking: Ranking,
    /// How neighbours are scored for a customer's "you might also like"
    /// (default [`Ranking::Confidence`], the chance of buying `j` after `i`).
    /// On the shared Online Retail II sample, holding out each customer's last
    /// order, confidence finds 1.3× more next purchases than best-sellers at
    /// k = 10 while Jaccard finds 0.9×: Jaccard keeps best-sellers out of
    /// "bought together" lists, which suits a product page but not a guess of
    /// the next order.
    pub personal_ranking: Ranking,
    /// Neighbours kept per item (default 20); memory is `items × neighbours`
    /// rules, twice that when the personal ranking differs from the ranking.
    pub neighbours: usize,
    /// Rules kept in [`Recommender::rules`] (default `Some(1000)`; `None`
    /// keeps every rule that passes the filters).
    pub max_rules: Option<usize>,
    /// Half-life in days of the recency weight of a customer's purchases
    /// (default 90).
    pub half_life_days: f64,
}

impl Default for RecommendOptions {
    fn default() -> RecommendOptions {
        RecommendOptions {
            max_basket: Some(50),
            min_count: 2,
            min_support: 0.0,
            min_confidence: 0.0,
            ranking: Ranking::Jaccard,
            personal_ranking: Ranking::Confidence,
            neighbours: 20,
            max_rules: Some(1000),
            half_life_days: 90.0,
        }
    }
}

impl RecommendOptions {
    /// The cap in force: `max_basket`, or [`MAX_BASKET_ITEMS`] without one.
    pub fn basket_cap(&self) -> usize {
        self.max_basket.unwrap_or(MAX_BASKET_ITEMS)
    }

    fn validate(&self) -> Result<()> {
        if let Some(max) = self.max_basket {
            if !(1..=MAX_BASKET_ITEMS).contains(&max) {
                return Err(Error::options(format!(
                    "maximum basket size must be between 1 and {MAX_BASKET_ITEMS}, got {max}"
                )));
            }
        }
        if !(0.0..=1.0).contains(&self.min_support) {
            return Err(Error::options(format!(
                "minimum support must be in [0, 1], got {}",
                self.min_support
            )));
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(Error::options(format!(
                "minimum confidence must be in [0, 1], got {}",
                self.min_confidence
            )));
        }
        if !(self.half_life_days > 0.0 && self.half_life_days.is_finite()) {
            return Err(Error::options(format!(
                "half-life must be a positive number of days, got {}",
                self.half_life_days
            )));
        }
        Ok(())
    }
}

/// Counts over the baskets a [`Recommender`] was built from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BasketStats {
    /// Non-empty baskets (the `n` of every support).
    pub baskets: u64,
    /// Items in at least one basket.
    pub items: u64,
    /// Mean distinct items per basket, after the cap.
    pub mean_basket: f64,
    /// Largest basket, after the cap.
    pub largest_basket: u64,
    /// The cap in force (`max_basket`, else [`MAX_BASKET_ITEMS`]).
    pub max_basket: Option<usize>,
    /// Baskets cut down to the cap.
    pub capped_baskets: u64,
    /// Rules `A → C` that passed the filters (before `max_rules`).
    pub rules: u64,
}

/// One recommended item.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Recommendation {
    /// Item index.
    pub item: u32,
    /// The score that ranked it (see [`Recommender::for_customer`]).
    pub score: f64,
    /// Why it is recommended.
    pub reason: Reason,
}

/// Why an item is recommended.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The customer bought it before.
    BuyAgain {
        /// The customer's orders holding it.
        orders: u32,
        /// Day of the last of them.
        last_day: i32,
    },
    /// It goes with something the customer bought.
    BoughtWith {
        /// The customer's item that contributed most to the score.
        item: u32,
        /// Baskets holding both.
        count: u64,
    },
    /// A best-seller, for a new customer or to fill a short list.
    Popular {
        /// Baskets holding it.
        baskets: u64,
    },
}

/// The two lists for one customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerRecommendations {
    /// Whether the customer has a purchase history; `false` gives best-sellers.
    pub known: bool,
    /// Items the customer bought before, most likely to be bought again first.
    pub buy_again: Vec<Recommendation>,
    /// Items the customer has not bought, best first.
    pub also_like: Vec<Recommendation>,
}

/// One row of the flat export: a per-item "frequently bought together" list
/// (`customer_id` and `list` absent) or a per-customer list.
///
/// For a per-customer row, `item_id` is the customer's item that explains the
/// recommendation: the item itself for buy-again, the bought-with item for
/// also-like, empty for a best-seller.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportRow {
    /// The customer, for per-customer rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// `buy_again`, `also_like` or `next_basket` ([`NextBasket::customer_rows`]),
    /// for per-customer rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<&'static str>,
    /// The anchor item's id.
    pub item_id: String,
    /// The anchor item's display name.
    pub item_name: String,
    /// 1-based rank within the list.
    pub rank: usize,
    /// The recommended item's id.
    pub recommended_item_id: String,
    /// The recommended item's display name.
    pub recommended_item_name: String,
    /// The ranking score.
    pub score: f64,
    /// The reason in words.
    pub reason: String,
}

/// Pair statistics, best-sellers and purchase histories of one data set,
/// ready to answer per-item and per-customer questions.
#[derive(Debug, Clone)]
pub struct Recommender<'t> {
    t: &'t Transactions,
    options: RecommendOptions,
    baskets: Baskets,
    pairs: Pairs,
    /// Items by baskets holding them, descending (ties: lower index); only items in a basket.
    popular: Vec<u32>,
    /// Customer `c`'s distinct items are `history[history_offsets[c]..history_offsets[c + 1]]`.
    history_offsets: Vec<usize>,
    history: Vec<Purchase>,
}

/// One item in a customer's history.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Purchase {
    item: u32,
    orders: u32,
    last_day: i32,
}

impl<'t> Recommender<'t> {
    /// Counts the pairs of a transactions or baskets data set.
    ///
    /// # Errors
    /// An options error for invalid options; a no-usable-column error for a
    /// per-customer summary file or data without items.
    pub fn new(data: &'t Dataset, options: &RecommendOptions) -> Result<Recommender<'t>> {
        let t = transactions_of(data)?;
        options.validate()?;
        let mut baskets = Baskets::from_transactions(t);
        if baskets.len() == 0 {
            return Err(Error::no_usable_column(
                "recommendations need order lines with items; no line has an item",
            )
            .with_code(ErrorCode::NoItems));
        }
        baskets.cap(options.basket_cap());
        Ok(Recommender::from_baskets(t, baskets, options))
    }

    fn from_baskets(
        t: &'t Transactions,
        baskets: Baskets,
        options: &RecommendOptions,
    ) -> Recommender<'t> {
        let filter = PairFilter {
            min_count: options.min_count,
            min_support: options.min_support,
            min_confidence: options.min_confidence,
            ranking: options.ranking,
            personal: options.personal_ranking,
            neighbours: options.neighbours,
            max_rules: options.max_rules,
        };
        let pairs = count_pairs(&baskets, &filter);
        let mut popular: Vec<u32> = (0..baskets.n_items as u32)
            .filter(|&i| pairs.item_counts[i as usize] > 0)
            .collect();
        popular.sort_by(|&x, &y| {
            pairs.item_counts[y as usize]
                .cmp(&pairs.item_counts[x as usize])
                .then(x.cmp(&y))
        });
        let (history_offsets, history) = histories(&baskets, t.customers().len());
        Recommender {
            t,
            options: *options,
            baskets,
            pairs,
            popular,
            history_offsets,
            history,
        }
    }

    /// The data the recommender was built from (for ids and names).
    pub fn transactions(&self) -> &'t Transactions {
        self.t
    }

    /// The options in force.
    pub fn options(&self) -> &RecommendOptions {
        &self.options
    }

    /// Counts over the baskets.
    pub fn stats(&self) -> BasketStats {
        let n = self.baskets.len();
        let largest = (0..n).map(|b| self.baskets.basket(b).len()).max();
        BasketStats {
            baskets: n as u64,
            items: self.popular.len() as u64,
            mean_basket: self.baskets.items.len() as f64 / n as f64,
            largest_basket: largest.unwrap_or(0) as u64,
            max_basket: Some(self.options.basket_cap()),
            capped_baskets: self.baskets.capped,
            rules: self.pairs.rules_total,
        }
    }

    /// Baskets holding item `item` (0 for an unknown index).
    pub fn item_count(&self, item: u32) -> u64 {
        self.pairs
            .item_counts
            .get(item as usize)
            .copied()
            .unwrap_or(0)
    }

    /// The best pair rules overall that pass the filters, best first, at most
    /// [`RecommendOptions::max_rules`] of them. Each unordered pair appears in
    /// both directions.
    pub fn rules(&self) -> &[PairRule] {
        &self.pairs.rules
    }

    /// "Frequently bought together": the best rules `item → j`, best first,
    /// at most [`RecommendOptions::neighbours`].
    pub fn bought_together(&self, item: u32) -> &[PairRule] {
        self.pairs.of(item)
    }

    /// Best-sellers: items by the number of baskets holding them, descending.
    pub fn popular(&self) -> &[u32] {
        &self.popular
    }

    /// The lists for the customer with this id (as written in the file); an
    /// unknown id, or a basket file, gets best-sellers.
    ///
    /// # Formula
    ///
    /// With `d_c` the day of the customer's last order and, for each item `i`
    /// they bought, `f_i` their orders holding it and `d_i` the last of
    /// them, the recency weight is `w_i = 2^(−(d_c − d_i) / h)` with `h` the
    /// half-life ([`RecommendOptions::half_life_days`]).
    ///
    /// - buy again: `score(i) = f_i · w_i` over the customer's items;
    /// - also like: `score(j) = Σ_i w_i · s(i → j)` over the customer's items
    ///   `i` that have `j` among their kept neighbours, with `s` the
    ///   [personal ranking](RecommendOptions::personal_ranking) score
    ///   (confidence by default), for items `j` not bought yet; filled up to `k` with
    ///   best-sellers not bought yet, scored by their support.
    pub fn for_customer(&self, customer_id: &str, k: usize) -> CustomerRecommendations {
        match self.t.customers().get(customer_id) {
            Some(c) => self.for_customer_index(c, k),
            None => CustomerRecommendations {
                known: false,
                buy_again: Vec::new(),
                also_like: self.popular_except(&[], k),
            },
        }
    }

    /// Frequent itemsets and rules over the same baskets (after the cap).
    ///
    /// # Errors
    /// An options error for invalid options or more itemsets than
    /// [`ItemsetOptions::max_itemsets`].
    pub fn itemsets(&self, options: &ItemsetOptions) -> Result<Itemsets> {
        itemsets::mine(&self.baskets, options)
    }

    /// The per-item export rows of `item`: its best `k` neighbours.
    pub fn item_rows(&self, item: u32, k: usize) -> Vec<ExportRow> {
        let t = self.t;
        self.bought_together(item)
            .iter()
            .take(k)
            .enumerate()
            .map(|(r, rule)| ExportRow {
                customer_id: None,
                list: None,
                item_id: t.items().name(item).to_owned(),
                item_name: t.item_name(item).to_owned(),
                rank: r + 1,
                recommended_item_id: t.items().name(rule.consequent).to_owned(),
                recommended_item_name: t.item_name(rule.consequent).to_owned(),
                score: self.options.ranking.score(&rule.metrics),
                reason: format!(
                    "bought together in {} basket{} (confidence {:.3}, lift {:.2})",
                    rule.metrics.count,
                    plural(rule.metrics.count),
                    rule.metrics.confidence,
                    rule.metrics.lift
                ),
            })
            .collect()
    }

    /// The per-customer export rows of the customer with index `customer`
    /// (an index into `transactions().customers()`): buy-again, then also-like.
    pub fn customer_rows(&self, customer: u32, k: usize) -> Vec<ExportRow> {
        let t = self.t;
        let recs = self.for_customer_index(customer, k);
        let customer_id = t.customers().name(customer);
        let lists = [
            ("buy_again", &recs.buy_again),
            ("also_like", &recs.also_like),
        ];
        let mut rows = Vec::new();
        for (list, items) in lists {
            for (r, rec) in items.iter().enumerate() {
                let anchor = match rec.reason {
                    Reason::BuyAgain { .. } => Some(rec.item),
                    Reason::BoughtWith { item, .. } => Some(item),
                    Reason::Popular { .. } => None,
                };
                rows.push(ExportRow {
                    customer_id: Some(customer_id.to_owned()),
                    list: Some(list),
                    item_id: anchor.map_or(String::new(), |i| t.items().name(i).to_owned()),
                    item_name: anchor.map_or(String::new(), |i| t.item_name(i).to_owned()),
                    rank: r + 1,
                    recommended_item_id: t.items().name(rec.item).to_owned(),
                    recommended_item_name: t.item_name(rec.item).to_owned(),
                    score: rec.score,
                    reason: self.reason_text(&rec.reason),
                });
            }
        }
        rows
    }

    /// The reason in words, e.g. "bought together with milk in 12 baskets".
    pub fn reason_text(&self, reason: &Reason) -> String {
        match *reason {
            Reason::BuyAgain { orders, last_day } => format!(
                "bought in {orders} order{}, last on {}",
                plural(u64::from(orders)),
                format_day(last_day)
            ),
            Reason::BoughtWith { item, count } => format!(
                "bought together with {} in {count} basket{}",
                self.t.item_name(item),
                plural(count)
            ),
            Reason::Popular { baskets } => {
                format!("best-seller: in {baskets} basket{}", plural(baskets))
            }
        }
    }

    /// A customer's distinct items (empty for an unknown index).
    fn history_of(&self, customer: u32) -> &[Purchase] {
        let c = customer as usize;
        match (self.history_offsets.get(c), self.history_offsets.get(c + 1)) {
            (Some(&s), Some(&e)) => &self.history[s..e],
            _ => &[],
        }
    }

    pub(crate) fn for_customer_index(&self, customer: u32, k: usize) -> CustomerRecommendations {
        let history = self.history_of(customer);
        if history.is_empty() {
            return CustomerRecommendations {
                known: false,
                buy_again: Vec::new(),
                also_like: self.popular_except(&[], k),
            };
        }
        let last = history.iter().map(|p| p.last_day).max().unwrap_or(0);
        let h = self.options.half_life_days;
        let weight = |p: &Purchase| (-(f64::from(last - p.last_day)) / h).exp2();
        let mut buy_again: Vec<Recommendation> = history
            .iter()
            .map(|p| Recommendation {
                item: p.item,
                score: f64::from(p.orders) * weight(p),
                reason: Reason::BuyAgain {
                    orders: p.orders,
                    last_day: p.last_day,
                },
            })
            .collect();
        sort_best_first(&mut buy_again);
        buy_again.truncate(k);

        // score, best contribution, its source item and pair count
        let mut scores: FxHashMap<u32, (f64, f64, u32, u64)> = FxHashMap::default();
        let bought = |item: u32| history.binary_search_by_key(&item, |p| p.item).is_ok();
        for p in history {
            let w = weight(p);
            for rule in self.pairs.personal_of(p.item) {
                if bought(rule.consequent) {
                    continue;
                }
                let s = w * self.options.personal_ranking.score(&rule.metrics);
                let e = scores
                    .entry(rule.consequent)
                    .or_insert((0.0, f64::NEG_INFINITY, NONE, 0));
                e.0 += s;
                if s > e.1 {
                    (e.1, e.2, e.3) = (s, p.item, rule.metrics.count);
                }
            }
        }
        let mut also_like: Vec<Recommendation> = scores
            .into_iter()
            .map(|(item, (score, _, with, count))| Recommendation {
                item,
                score,
                reason: Reason::BoughtWith { item: with, count },
            })
            .collect();
        sort_best_first(&mut also_like);
        also_like.truncate(k);
        if also_like.len() < k {
            let listed: Vec<u32> = also_like.iter().map(|r| r.item).collect();
            let fill = self
                .popular_except_where(k - also_like.len(), |i| bought(i) || listed.contains(&i));
            also_like.extend(fill);
        }
        CustomerRecommendations {
            known: true,
            buy_again,
            also_like,
        }
    }

    /// The items of `for_customer_index(customer, k).also_like`, for a
    /// customer with a history, into `out` (empty for one without): the
    /// same scores summed in the same order, kept in dense buffers reused
    /// across customers, and only the top `k` sorted (the holdout lists
    /// tens of thousands of customers and reads nothing else of them).
    pub(crate) fn also_like_items(
        &self,
        customer: u32,
        k: usize,
        scratch: &mut AlsoLikeScratch,
        out: &mut Vec<u32>,
    ) {
        out.clear();
        let history = self.history_of(customer);
        let Some(last) = history.iter().map(|p| p.last_day).max() else {
            return;
        };
        let h = self.options.half_life_days;
        let weight = |p: &Purchase| (-(f64::from(last - p.last_day)) / h).exp2();
        let AlsoLikeScratch {
            slot,
            scores,
            bought,
        } = scratch;
        if slot.len() < self.baskets.n_items {
            slot.resize(self.baskets.n_items, 0);
            bought.resize(self.baskets.n_items, false);
        }
        // The customer's items marked, for a look-up per rule.
        for p in history {
            bought[p.item as usize] = true;
        }
        let bought_ = &*bought;
        let bought = |item: u32| bought_.get(item as usize).copied().unwrap_or(false);
        scores.clear();
        for p in history {
            let w = weight(p);
            for rule in self.pairs.personal_of(p.item) {
                if bought(rule.consequent) {
                    continue;
                }
                let s = w * self.options.personal_ranking.score(&rule.metrics);
                let at = &mut slot[rule.consequent as usize];
                if *at == 0 {
                    scores.push((rule.consequent, 0.0));
                    *at = scores.len() as u32;
                }
                scores[*at as usize - 1].1 += s;
            }
        }
        for x in scores.iter() {
            slot[x.0 as usize] = 0;
        }
        // Descending score, then ascending item, as `sort_best_first`.
        let better = |x: &(u32, f64), y: &(u32, f64)| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0));
        if scores.len() > k && k > 0 {
            scores.select_nth_unstable_by(k - 1, better);
        }
        scores.truncate(k);
        scores.sort_unstable_by(better);
        out.extend(scores.iter().map(|x| x.0));
        let listed = out.len();
        for &i in &self.popular {
            if out.len() >= k {
                break;
            }
            if !bought(i) && !out[..listed].contains(&i) {
                out.push(i);
            }
        }
        for p in history {
            scratch.bought[p.item as usize] = false;
        }
    }

    /// The first `k` best-sellers not in `except` (ascending item indices).
    pub(crate) fn popular_except(&self, except: &[u32], k: usize) -> Vec<Recommendation> {
        self.popular_except_where(k, |i| except.binary_search(&i).is_ok())
    }

    fn popular_except_where(&self, k: usize, skip: impl Fn(u32) -> bool) -> Vec<Recommendation> {
        let n = self.baskets.len() as f64;
        self.popular
            .iter()
            .copied()
            .filter(|&i| !skip(i))
            .take(k)
            .map(|i| {
                let baskets = self.pairs.item_counts[i as usize];
                Recommendation {
                    item: i,
                    score: baskets as f64 / n,
                    reason: Reason::Popular { baskets },
                }
            })
            .collect()
    }
}

/// The buffers of [`Recommender::also_like_items`], reused across customers.
#[derive(Debug, Clone, Default)]
pub(crate) struct AlsoLikeScratch {
    /// By item: 1 + its index in `scores`, 0 when not scored.
    slot: Vec<u32>,
    /// The items scored and their scores.
    scores: Vec<(u32, f64)>,
    /// By item: whether the customer bought it.
    bought: Vec<bool>,
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Descending score, then ascending item.
fn sort_best_first(v: &mut [Recommendation]) {
    v.sort_unstable_by(|x, y| y.score.total_cmp(&x.score).then(x.item.cmp(&y.item)));
}

fn transactions_of(data: &Dataset) -> Result<&Transactions> {
    match data {
        Dataset::Transactions(t) | Dataset::Baskets(t) => Ok(t),
        Dataset::Summary(_) => Err(Error::no_usable_column(
            "recommendations need order lines with items; this file is a per-customer summary",
        )
        .with_code(ErrorCode::SummaryHasNoItems)),
    }
}

/// Per customer, their distinct items with order counts and last days, in
/// compressed rows ordered by item.
///
/// Each customer's baskets in file order, in compressed rows: a counting
/// sort of the basket indices (4 bytes a basket). Guest baskets are left out.
pub(crate) fn group_by_customer(baskets: &Baskets, n_customers: usize) -> (Vec<usize>, Vec<u32>) {
    group_by_customer_where(baskets, n_customers, None)
}

/// [`group_by_customer`] over the baskets whose `keep` flag is set (all
/// without one): the same rows as on `baskets.retain(keep)`, with the
/// indices of `baskets`, without the copy.
pub(crate) fn group_by_customer_where(
    baskets: &Baskets,
    n_customers: usize,
    keep: Option<&[bool]>,
) -> (Vec<usize>, Vec<u32>) {
    let kept = |b: usize| keep.is_none_or(|k| k.get(b).copied().unwrap_or(false));
    let mut by_customer = vec![0usize; n_customers + 1];
    for (b, &c) in baskets.customer.iter().enumerate() {
        if c != NONE && kept(b) {
            by_customer[c as usize + 1] += 1;
        }
    }
    for c in 0..n_customers {
        by_customer[c + 1] += by_customer[c];
    }
    let mut fill = by_customer.clone();
    let mut order = vec![0u32; by_customer[n_customers]];
    for (b, &c) in baskets.customer.iter().enumerate() {
        if c != NONE && kept(b) {
            order[fill[c as usize]] = b as u32;
            fill[c as usize] += 1;
        }
    }
    (by_customer, order)
}

/// The baskets are grouped by customer ([`group_by_customer`]), then each customer's (item, day) pairs are
/// sorted in a scratch buffer: no array of every (customer, item, day)
/// triple, which at 10M lines was the recommender's largest allocation.
fn histories(baskets: &Baskets, n_customers: usize) -> (Vec<usize>, Vec<Purchase>) {
    let (by_customer, order) = group_by_customer(baskets, n_customers);
    let mut offsets = vec![0usize; n_customers + 1];
    let mut history: Vec<Purchase> = Vec::new();
    let mut scratch: Vec<(u32, i32)> = Vec::new();
    for c in 0..n_customers {
        scratch.clear();
        for &b in &order[by_customer[c]..by_customer[c + 1]] {
            let day = baskets.day[b as usize];
            scratch.extend(baskets.basket(b as usize).iter().map(|&i| (i, day)));
        }
        scratch.sort_unstable();
        let mut previous = None;
        for &(i, day) in &scratch {
            if previous == Some(i) {
                if let Some(p) = history.last_mut() {
                    p.orders += 1;
                    p.last_day = p.last_day.max(day);
                }
            } else {
                history.push(Purchase {
                    item: i,
                    orders: 1,
                    last_day: day,
                });
                previous = Some(i);
            }
        }
        offsets[c + 1] = history.len();
    }
    (offsets, history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{generate_lines, GeneratorConfig};
    use crate::ingest::{ingest, IngestOptions};

    fn generated(seed: u64, lines: usize) -> Transactions {
        let config = GeneratorConfig {
            seed,
            ..GeneratorConfig::default()
        };
        let mut bytes = Vec::new();
        generate_lines(&config, lines, &mut bytes).unwrap();
        match ingest(&bytes, &IngestOptions::default()).unwrap().data {
            Dataset::Transactions(t) => t,
            _ => panic!("generated data is transactions"),
        }
    }

    /// The straightforward definition: every (customer, item, day) of every
    /// basket, sorted, runs of one (customer, item) merged.
    fn reference_histories(baskets: &Baskets, n_customers: usize) -> (Vec<usize>, Vec<Purchase>) {
        let mut triples = Vec::new();
        for b in 0..baskets.len() {
            let c = baskets.customer[b];
            if c != NONE {
                triples.extend(baskets.basket(b).iter().map(|&i| (c, i, baskets.day[b])));
            }
        }
        triples.sort_unstable();
        let mut offsets = vec![0usize; n_customers + 1];
        let mut history: Vec<Purchase> = Vec::new();
        let mut previous = None;
        for (c, i, day) in triples {
            match history.last_mut() {
                Some(p) if previous == Some((c, i)) => {
                    p.orders += 1;
                    p.last_day = p.last_day.max(day);
                }
                _ => {
                    history.push(Purchase {
                        item: i,
                        orders: 1,
                        last_day: day,
                    });
                    offsets[c as usize + 1] += 1;
                    previous = Some((c, i));
                }
            }
        }
        for c in 0..n_customers {
            offsets[c + 1] += offsets[c];
        }
        (offsets, history)
    }

    #[test]
    fn histories_equal_the_sorted_triples_definition() {
        for (seed, lines) in [(1, 20_000), (7, 3_000), (42, 50)] {
            let t = generated(seed, lines);
            let baskets = Baskets::from_transactions(&t);
            let n = t.customers().len();
            assert_eq!(
                histories(&baskets, n),
                reference_histories(&baskets, n),
                "seed {seed}, {lines} lines"
            );
        }
    }

    #[test]
    fn baskets_are_each_orders_distinct_items() {
        let t = generated(3, 20_000);
        let baskets = Baskets::from_transactions(&t);
        // The definition: per order, the sorted distinct items of its sale lines.
        let mut by_order: Vec<Vec<u32>> = vec![Vec::new(); t.order_count()];
        for i in 0..t.len() {
            if !t.reversal_col()[i] && t.item_col()[i] != NONE {
                by_order[t.order_col()[i] as usize].push(t.item_col()[i]);
            }
        }
        let want: Vec<Vec<u32>> = by_order
            .into_iter()
            .filter(|v| !v.is_empty())
            .map(|mut v| {
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        assert_eq!(baskets.len(), want.len());
        for (b, items) in want.iter().enumerate() {
            assert_eq!(baskets.basket(b), items.as_slice(), "basket {b}");
        }
        let keep: Vec<bool> = (0..baskets.len()).map(|b| b % 3 != 0).collect();
        let kept = baskets.retain(&keep);
        let want_kept: Vec<&Vec<u32>> = want
            .iter()
            .enumerate()
            .filter(|(b, _)| b % 3 != 0)
            .map(|(_, v)| v)
            .collect();
        assert_eq!(kept.len(), want_kept.len());
        for (b, items) in want_kept.iter().enumerate() {
            assert_eq!(kept.basket(b), items.as_slice(), "kept basket {b}");
        }
        // Kept in place: the same baskets, customers and days.
        for keep in [keep, vec![true; baskets.len()], vec![false; baskets.len()]] {
            let copy = baskets.retain(&keep);
            let mut in_place = baskets.clone();
            in_place.keep_only(&keep);
            assert_eq!(in_place.len(), copy.len());
            assert_eq!(
                (
                    &in_place.customer,
                    &in_place.day,
                    &in_place.offsets,
                    &in_place.items
                ),
                (&copy.customer, &copy.day, &copy.offsets, &copy.items)
            );
        }
    }
}
