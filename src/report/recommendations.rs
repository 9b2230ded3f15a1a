//! The recommendations part of the report: the holdout evaluation, the best
//! pairs, "bought together" lists for the best-sellers and "buy again" /
//! "you might also like" lists for the most valuable customers.

use serde::{Deserialize, Serialize};

use super::note::{Note, NoteCode};
use crate::days::format_day;
use crate::ingest::Dataset;
use crate::predict::Predictions;
use crate::recommend::{
    evaluate, BasketStats, EvaluateOptions, Evaluation, Reason, RecommendOptions, Recommendation,
    Recommender, RuleMetrics,
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
}

impl Default for ListOptions {
    fn default() -> ListOptions {
        ListOptions {
            k: 5,
            items: 500,
            customers: 1000,
            rules: 100,
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
    let evaluation = matches!(data, Dataset::Transactions(_))
        .then(|| evaluate(data, &core, &EvaluateOptions::default()));
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
    let customers = customers
        .iter()
        .map(|&id| {
            let lists = rec.for_customer(id, k);
            CustomerLists {
                customer_id: id.to_owned(),
                buy_again: recommended(&lists.buy_again),
                also_like: recommended(&lists.also_like),
            }
        })
        .collect();
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
