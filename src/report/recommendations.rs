//! The recommendations part of the report: the holdout evaluations, the best
//! pairs, "bought together" lists for the best-sellers, "buy again" / "you
//! might also like" / next-basket lists for the most valuable customers, and
//! the items due again soon.
//!
//! The next-basket list of each customer is the list that found the most of
//! what customers bought next on the shop's own holdout (Recall@10 of the
//! blended TIFU-KNN list, the customer's own most bought items and the
//! best-sellers, [`evaluate_next_basket`](crate::recommend::evaluate_next_basket)): "the best of these for this
//! shop". Without a holdout (no repeat customers) it is the blended list.

use serde::{Deserialize, Serialize};

use super::note::{Note, NoteCode};
use crate::days::format_day;
use crate::ingest::Dataset;
use crate::predict::Predictions;
use crate::recommend::{
    evaluate_both, global_top_freq, personal_top_freq, BasketStats, DueOptions, EvaluateOptions,
    Evaluation, IntervalSource, NextBasket, NextBasketEvaluation, NextBasketOptions, NextItem,
    NextReason, Reason, RecommendOptions, Recommendation, Recommender, Replenishment, RuleMetrics,
};
use crate::summary::Summary;

/// How long the recommendation lists are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListOptions {
    /// Length of every list (default 5).
    pub k: usize,
    /// Items that get a "bought together" list, best-sellers first
    /// (default 500).
    pub items: usize,
    /// Customers that get "buy again" and "you might also like", most
    /// valuable first (default 1,000).
    pub customers: usize,
    /// Best pairs listed (default 100).
    pub rules: usize,
    /// Rows of the due-soon list, nearest the last order day first, either
    /// way (default 10,000, so a merchant can mail all of it).
    pub due_soon: usize,
}

impl Default for ListOptions {
    fn default() -> ListOptions {
        ListOptions {
            k: 5,
            items: 500,
            customers: 1000,
            rules: 100,
            due_soon: 10_000,
        }
    }
}

/// The stages of [`recommendations`], in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecommendStage {
    /// The holdout evaluation (its own recommender on the training orders).
    Evaluation,
    /// The recommender on every order.
    Recommender,
    /// The lists.
    Lists,
}

impl RecommendStage {
    /// How many stages there are.
    pub const COUNT: u32 = 3;

    /// The stage's name, as the page's progress bar spells it.
    pub fn name(self) -> &'static str {
        match self {
            RecommendStage::Evaluation => "evaluation",
            RecommendStage::Recommender => "recommender",
            RecommendStage::Lists => "lists",
        }
    }
}

/// An item: its id in the file and its name (the id when there is none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRef {
    /// The item id as in the file.
    pub id: String,
    /// The item's name.
    pub name: String,
}

/// A best-seller and the baskets it is in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Popular {
    /// The item.
    pub item: ItemRef,
    /// Baskets with the item.
    pub baskets: u64,
}

/// A best-seller with the items most often bought with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemList {
    /// The item.
    pub item: ItemRef,
    /// Baskets with the item.
    pub baskets: u64,
    /// The items bought with it, best first.
    pub together: Vec<Together>,
}

/// An item bought with another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Together {
    /// The other item.
    pub item: ItemRef,
    /// Baskets with both.
    pub count: u64,
    /// Share of the first item's baskets that have this one.
    pub confidence: f64,
    /// Confidence over this item's share of all baskets.
    pub lift: f64,
    /// The ranking's score.
    pub score: f64,
}

/// A pair "antecedent → consequent" with all its metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair {
    /// The item bought first.
    pub antecedent: ItemRef,
    /// The item bought with it.
    pub consequent: ItemRef,
    /// Count, support, confidence, lift, leverage, Jaccard, cosine, …
    #[serde(flatten)]
    pub metrics: RuleMetrics,
}

/// One customer's lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerLists {
    /// The customer id as in the file.
    pub customer_id: String,
    /// Items the customer bought before, most likely again first.
    pub buy_again: Vec<Recommended>,
    /// Items the customer has not bought.
    pub also_like: Vec<Recommended>,
    /// The next basket: the list of [`RecommendationsReport::next_basket_method`],
    /// best first, at most `k` items, each once.
    pub next_basket: Vec<Recommended>,
}

/// A recommended item, its score and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommended {
    /// The item.
    pub item: ItemRef,
    /// The list's score (higher first).
    pub score: f64,
    /// Why it is on the list.
    pub reason: Why,
}

/// Why an item is on a customer's list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Why {
    /// The customer bought it before.
    BuyAgain {
        /// Orders with the item.
        orders: u32,
        /// The last order's ISO date.
        last_date: String,
    },
    /// Bought with an item the customer bought.
    BoughtWith {
        /// That item.
        item: ItemRef,
        /// Baskets with both.
        count: u64,
    },
    /// A best-seller (filling the list).
    Popular {
        /// Baskets with the item.
        baskets: u64,
    },
    /// New to the customer; customers who buy like them bought it.
    Neighbours {
        /// Those customers who bought it.
        customers: u32,
    },
}

/// The list that becomes each customer's next basket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NextBasketMethod {
    /// G-TopFreq: the best-sellers.
    GTopFreq,
    /// P-TopFreq: the customer's own most bought items, filled with
    /// best-sellers.
    PTopFreq,
    /// The blended list ([`NextBasket`]): repeat and new items.
    NextBasket,
}

impl NextBasketMethod {
    /// The method the holdout found best (Recall@10, ties to the simpler
    /// list); the blended list when the holdout had no customer to score.
    pub fn chosen_by(evaluation: Option<&NextBasketEvaluation>) -> NextBasketMethod {
        match evaluation {
            Some(e) if e.customers > 0 => match e.best {
                "g_top_freq" => NextBasketMethod::GTopFreq,
                "p_top_freq" => NextBasketMethod::PTopFreq,
                _ => NextBasketMethod::NextBasket,
            },
            _ => NextBasketMethod::NextBasket,
        }
    }
}

/// The items due again soon: whom to mail, about what, and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DueSoonList {
    /// The day counted from (ISO date): the last order day in the data.
    pub as_of: String,
    /// Days ahead that count as soon.
    pub within_days: i32,
    /// Rows due soon in all; `rows` holds the first
    /// [`ListOptions::due_soon`] of them.
    pub total: u64,
    /// Nearest the last order day first, either way (overdue before ahead at
    /// the same distance), then by customer and item as in the file.
    pub rows: Vec<DueSoon>,
}

/// One customer's item due again soon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DueSoon {
    /// The customer id as in the file.
    pub customer_id: String,
    /// The item.
    pub item: ItemRef,
    /// Distinct days the customer bought it.
    pub purchase_days: u32,
    /// The last of them (ISO date).
    pub last_date: String,
    /// The typical interval in days (median of the gaps).
    pub interval_days: f64,
    /// The customer's own gaps, or the item's typical interval across
    /// customers (bought on one day only).
    pub interval_from: IntervalSource,
    /// The customers whose own intervals give it: 1 for the customer's own;
    /// for the item's, the customers who bought it on two days or more (at
    /// least [`MIN_ITEM_INTERVAL_CUSTOMERS`](crate::recommend::MIN_ITEM_INTERVAL_CUSTOMERS)).
    pub interval_customers: u32,
    /// `last_date` + the interval rounded to days (ISO date).
    pub due_date: String,
}

/// The recommendations section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecommendationsReport {
    /// Baskets, items, pairs.
    pub stats: BasketStats,
    /// The best-sellers.
    pub popular: Vec<Popular>,
    /// "Bought together" for each of the best-sellers.
    pub items: Vec<ItemList>,
    /// The best pairs under the default ranking.
    pub rules: Vec<Pair>,
    /// The most valuable customers' lists.
    pub customers: Vec<CustomerLists>,
    /// The lists against best-sellers on a holdout of each customer's last
    /// order (order files only).
    pub evaluation: Option<Evaluation>,
    /// The blended next-basket list against each customer's own most bought
    /// items (P-TopFreq) and the best-sellers (G-TopFreq) on a holdout of
    /// each customer's last order, at k = 5, 10, 20, repeat and new items
    /// apart (order files only).
    pub next_basket_evaluation: Option<NextBasketEvaluation>,
    /// The list each customer's `next_basket` is: the best on that holdout.
    pub next_basket_method: NextBasketMethod,
    /// The items due again soon (order files only).
    pub due_soon: Option<DueSoonList>,
}

/// The recommendations of `data` with lists for `customers`, or `None` with a
/// note. The holdout evaluation runs for order files (with customers and
/// dates) only.
pub fn recommendations(
    data: &Dataset,
    customers: &[&str],
    options: &ListOptions,
    notes: &mut Vec<Note>,
    progress: &mut dyn FnMut(RecommendStage),
) -> Option<RecommendationsReport> {
    if matches!(data, Dataset::Summary(_)) {
        notes.push(Note::new(
            NoteCode::NoItems,
            "a per-customer summary file has no items to recommend",
        ));
        return None;
    }
    let core = RecommendOptions::default();
    // The holdout test builds its own recommender on the training orders;
    // it runs (and frees its baskets and pairs) before the full one is
    // built, so the two never share the wasm heap's peak.
    progress(RecommendStage::Evaluation);
    let orders = matches!(data, Dataset::Transactions(_));
    // Both holdouts hold out each customer's last order: one training
    // recommender serves both (`evaluate_both`).
    let (evaluation, next_evaluation) = match orders.then(|| {
        evaluate_both(
            data,
            &core,
            &EvaluateOptions::default(),
            &NextBasketOptions::default(),
        )
    }) {
        Some((e, n)) => (Some(e), Some(n)),
        None => (None, None),
    };
    progress(RecommendStage::Recommender);
    let rec = match Recommender::new(data, &core) {
        Ok(rec) => rec,
        Err(err) => {
            notes.push(Note::from_error(NoteCode::NoItems, &err));
            return None;
        }
    };
    let evaluation = match evaluation {
        Some(Ok(e)) => Some(e),
        Some(Err(err)) => {
            notes.push(Note::from_error(NoteCode::EvaluateFailed, &err));
            None
        }
        None => None,
    };
    let next_basket_evaluation = match next_evaluation {
        Some(Ok(e)) => Some(e),
        Some(Err(err)) => {
            // Both holdouts hold out the same orders, so they mostly fail
            // for one reason (no customer ids): it is said once.
            let note = Note::from_error(NoteCode::EvaluateFailed, &err);
            if !notes.contains(&note) {
                notes.push(note);
            }
            None
        }
        None => None,
    };
    let next_basket_method = NextBasketMethod::chosen_by(next_basket_evaluation.as_ref());
    progress(RecommendStage::Lists);
    let t = rec.transactions();
    let item = |i: u32| ItemRef {
        id: t.items().name(i).to_owned(),
        name: t.item_name(i).to_owned(),
    };
    let k = options.k.max(1);
    let popular: Vec<u32> = rec.popular().iter().copied().take(options.items).collect();
    let items = popular
        .iter()
        .map(|&i| ItemList {
            item: item(i),
            baskets: rec.item_count(i),
            together: rec
                .bought_together(i)
                .iter()
                .take(k)
                .map(|r| Together {
                    item: item(r.consequent),
                    count: r.metrics.count,
                    confidence: r.metrics.confidence,
                    lift: r.metrics.lift,
                    score: core.ranking.score(&r.metrics),
                })
                .collect(),
        })
        .collect();
    let rules = rec
        .rules()
        .iter()
        .take(options.rules)
        .map(|r| Pair {
            antecedent: item(r.antecedent),
            consequent: item(r.consequent),
            metrics: r.metrics,
        })
        .collect();
    let recommended = |list: &[Recommendation]| -> Vec<Recommended> {
        list.iter()
            .map(|r| Recommended {
                item: item(r.item),
                score: r.score,
                reason: match r.reason {
                    Reason::BuyAgain { orders, last_day } => Why::BuyAgain {
                        orders,
                        last_date: format_day(last_day),
                    },
                    Reason::BoughtWith { item: with, count } => Why::BoughtWith {
                        item: item(with),
                        count,
                    },
                    Reason::Popular { baskets } => Why::Popular { baskets },
                },
            })
            .collect()
    };
    let blend = match next_basket_method {
        NextBasketMethod::NextBasket if orders && !customers.is_empty() => {
            match NextBasket::new(&rec, &NextBasketOptions::default()) {
                Ok(nb) => Some(nb),
                Err(err) => {
                    notes.push(Note::from_error(NoteCode::EvaluateFailed, &err));
                    None
                }
            }
        }
        _ => None,
    };
    let next_items = |list: Vec<NextItem>| -> Vec<Recommended> {
        list.into_iter()
            .map(|x| Recommended {
                item: item(x.item),
                score: x.score,
                reason: match x.reason {
                    NextReason::Repeat { orders, last_day } => Why::BuyAgain {
                        orders,
                        last_date: format_day(last_day),
                    },
                    NextReason::Neighbours { customers } => Why::Neighbours { customers },
                    NextReason::Popular { baskets } => Why::Popular { baskets },
                },
            })
            .collect()
    };
    let customers = customers
        .iter()
        .map(|&id| {
            let lists = rec.for_customer(id, k);
            let next = match (t.customers().get(id), next_basket_method, &blend) {
                (Some(c), NextBasketMethod::NextBasket, Some(nb)) => nb.for_customer_index(c, k),
                (Some(c), NextBasketMethod::NextBasket | NextBasketMethod::PTopFreq, _) => {
                    personal_top_freq(&rec, c, k)
                }
                _ => global_top_freq(&rec, k),
            };
            CustomerLists {
                customer_id: id.to_owned(),
                buy_again: recommended(&lists.buy_again),
                also_like: recommended(&lists.also_like),
                next_basket: next_items(next),
            }
        })
        .collect();
    drop(blend);
    let due_soon = if orders {
        due_soon(&rec, options.due_soon, notes)
    } else {
        None
    };
    Some(RecommendationsReport {
        stats: rec.stats(),
        popular: popular
            .iter()
            .map(|&i| Popular {
                item: item(i),
                baskets: rec.item_count(i),
            })
            .collect(),
        items,
        rules,
        customers,
        evaluation,
        next_basket_evaluation,
        next_basket_method,
        due_soon,
    })
}

/// The items due again soon as of the last order day, the first `limit`.
fn due_soon(rec: &Recommender<'_>, limit: usize, notes: &mut Vec<Note>) -> Option<DueSoonList> {
    let t = rec.transactions();
    let replenishment = Replenishment::new(rec);
    let options = DueOptions::default();
    let due = match replenishment.due_soon(&options) {
        Ok(due) => due,
        Err(err) => {
            notes.push(Note::from_error(NoteCode::EvaluateFailed, &err));
            return None;
        }
    };
    Some(DueSoonList {
        as_of: format_day(options.as_of.unwrap_or(replenishment.last_day())),
        within_days: options.within_days,
        total: due.len() as u64,
        rows: due
            .iter()
            .take(limit)
            .map(|x| DueSoon {
                customer_id: t.customers().name(x.customer).to_owned(),
                item: ItemRef {
                    id: t.items().name(x.item).to_owned(),
                    name: t.item_name(x.item).to_owned(),
                },
                purchase_days: x.purchase_days,
                last_date: format_day(x.last_day),
                interval_days: x.interval_days,
                interval_from: x.source,
                interval_customers: x.interval_customers,
                due_date: format_day(x.next_due_day),
            })
            .collect(),
    })
}

/// Up to `n` customer ids, by predicted CLV when there are predictions, else
/// by total spend, else in the file's order: the customers who get lists.
pub fn most_valuable<'a>(
    summary: Option<&'a Summary>,
    predictions: Option<&Predictions>,
    n: usize,
) -> Vec<&'a str> {
    let Some(summary) = summary else {
        return Vec::new();
    };
    let c = &summary.customers;
    let value: Vec<f64> = match predictions {
        Some(p) => p.customers.iter().map(|p| p.clv).collect(),
        None => c.iter().map(|c| c.total_spend.unwrap_or(0.0)).collect(),
    };
    let mut order: Vec<usize> = (0..c.len()).collect();
    order.sort_by(|&x, &y| value[y].total_cmp(&value[x]).then(x.cmp(&y)));
    order
        .into_iter()
        .take(n)
        .map(|i| c[i].customer_id.as_str())
        .collect()
}
