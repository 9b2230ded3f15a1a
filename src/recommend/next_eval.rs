//! The next-basket holdout: the blended list against the two frequency
//! baselines of the next-basket literature, with repeat and new items apart.
//!
//! The baselines and the repeat/explore split follow Li, Jullien, Ariannezhad
//! & de Rijke, "A Next Basket Recommendation Reality Check", ACM TOIS 41(4),
//! 2023: G-TopFreq (the best-sellers) and P-TopFreq (the customer's own most
//! frequent items, filled with best-sellers).

use serde::Serialize;

use super::evaluate::{Holdout, Sums};
use super::next_basket::{Decay, NextBasket, NextBasketOptions, NextItem, NextReason, Scratch};
use super::{transactions_of, RankingMetrics, RecommendOptions, Recommender};
use crate::ingest::Dataset;
use crate::Result;

/// The list lengths the next-basket holdout scores.
pub const NEXT_BASKET_KS: [usize; 3] = [5, 10, 20];

/// The three lists compared, in [`NextBasketEvaluation::methods`]' order.
pub const METHODS: [&str; 3] = ["g_top_freq", "p_top_freq", "next_basket"];

/// One list's scores at one `k`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoresAtK {
    /// List length.
    pub k: usize,
    /// Against every held-out item.
    pub all: RankingMetrics,
    /// Against the held-out items the customer had bought before, over the
    /// customers with such items.
    pub repeat: RankingMetrics,
    /// Against the held-out items new to the customer, over the customers
    /// with such items.
    pub new: RankingMetrics,
}

/// One list's scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodScores {
    /// `g_top_freq`, `p_top_freq` or `next_basket`.
    pub method: &'static str,
    /// One entry per [`NEXT_BASKET_KS`].
    pub at: Vec<ScoresAtK>,
}

impl MethodScores {
    /// The scores at `k`, if `k` is one of [`NEXT_BASKET_KS`].
    pub fn at_k(&self, k: usize) -> Option<&ScoresAtK> {
        self.at.iter().find(|s| s.k == k)
    }
}

/// The most customers the next-basket holdout scores: beyond it, an evenly
/// spread sample (each scored customer costs a neighbour search, and 5,000
/// customers' recall has a standard error of about 0.005).
pub const MAX_EVALUATED_CUSTOMERS: usize = 5_000;

/// The next-basket holdout result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextBasketEvaluation {
    /// `last_order` or `cutoff YYYY-MM-DD`.
    pub holdout: String,
    /// Customers with a training history and a held-out order.
    pub held_out_customers: u64,
    /// Customers scored: all of `held_out_customers` up to
    /// `NextBasketOptions::max_evaluated_customers` (default
    /// [`MAX_EVALUATED_CUSTOMERS`]), else every `n`-th of them in index
    /// order (an evenly spread, deterministic sample of at most that many).
    pub customers: u64,
    /// Of them, customers whose held-out orders repeat an item.
    pub customers_with_repeat: u64,
    /// Of them, customers whose held-out orders hold a new item.
    pub customers_with_new: u64,
    /// Held-out (customer, item) pairs.
    pub relevant: u64,
    /// Of them, items the customer had bought before.
    pub relevant_repeat: u64,
    /// The decays the next-basket list used (tuned on the training orders
    /// only, unless fixed).
    pub decay: Decay,
    /// The balance `α` the next-basket list used (tuned on the training
    /// orders only, unless fixed).
    pub alpha: f64,
    /// G-TopFreq, P-TopFreq and the next-basket list, in [`METHODS`]' order.
    pub methods: Vec<MethodScores>,
    /// The method with the highest Recall@10 (ties go to the simpler one,
    /// in [`METHODS`]' order).
    pub best: &'static str,
    /// The result in one sentence.
    pub verdict: String,
}

impl NextBasketEvaluation {
    /// Mean Recall@`k` over all held-out items of `method`, if both exist.
    pub fn recall(&self, method: &str, k: usize) -> Option<f64> {
        self.methods
            .iter()
            .find(|m| m.method == method)
            .and_then(|m| m.at_k(k))
            .map(|s| s.all.recall)
    }
}

/// Trains on the earlier orders and scores G-TopFreq, P-TopFreq and the
/// next-basket list on the later ones, at each of [`NEXT_BASKET_KS`].
///
/// Held out is each customer's last order (customers with one order are not
/// evaluated but stay in training), or with a cutoff every order after it.
/// Unlike [`evaluate`](super::evaluate), every held-out item counts, the
/// ones bought before too; `repeat` and `new` score the two kinds apart.
/// P-TopFreq ranks the customer's items by their orders holding them, ties
/// to the more recent, then the more popular, then the lower index.
///
/// # Errors
/// An options error for invalid options or a cutoff that is not an ISO date;
/// a no-usable-column error for data without customers or items.
pub fn evaluate_next_basket(
    data: &Dataset,
    options: &RecommendOptions,
    next: &NextBasketOptions,
    cutoff: Option<&str>,
) -> Result<NextBasketEvaluation> {
    let t = transactions_of(data)?;
    options.validate()?;
    score_next_basket(&Holdout::new(t, options, cutoff)?, next)
}

/// The next-basket holdout's scores on a holdout.
///
/// # Errors
/// An options error for invalid next-basket options.
pub(super) fn score_next_basket(
    h: &Holdout<'_>,
    next: &NextBasketOptions,
) -> Result<NextBasketEvaluation> {
    let rec = &h.rec;
    let nb = NextBasket::new(rec, next)?;
    let k_max = NEXT_BASKET_KS[NEXT_BASKET_KS.len() - 1];

    let new_sums =
        || -> Vec<[Sums; 3]> { (0..METHODS.len()).map(|_| Default::default()).collect() };
    // sums[method][ks index] = [all, repeat, new]
    let mut sums: Vec<Vec<[Sums; 3]>> = (0..NEXT_BASKET_KS.len()).map(|_| new_sums()).collect();
    let (mut customers, mut with_repeat, mut with_new) = (0u64, 0u64, 0u64);
    let (mut relevant_total, mut relevant_repeat) = (0u64, 0u64);
    // Customers with a training history and a held-out order, in index
    // order; every `step`-th is scored, so that the holdout's cost stays
    // bounded on large shops (a deterministic, evenly spread sample).
    let mut eligible: Vec<u32> = h.customers().map(|(c, _)| c).collect();
    eligible.retain(|&c| !rec.history_of(c).is_empty());
    let held_out_customers = eligible.len() as u64;
    let step = eligible
        .len()
        .div_ceil(next.max_evaluated_customers.max(1))
        .max(1);
    let scored: Vec<u32> = eligible.iter().step_by(step).copied().collect();
    // The same for every customer; buffers reused across customers.
    let g_top: Vec<u32> = rec.popular().iter().take(k_max).copied().collect();
    let mut scratch = Scratch::default();
    let (mut relevant, mut repeat, mut new) = (Vec::new(), Vec::new(), Vec::new());
    for (c, held) in h.customers() {
        if scored.binary_search(&c).is_err() {
            continue;
        }
        relevant.clear();
        relevant.extend(held.iter().map(|&(_, i)| i));
        let history = rec.history_of(c);
        let bought = |i: &u32| history.binary_search_by_key(i, |p| p.item).is_ok();
        repeat.clear();
        repeat.extend(relevant.iter().copied().filter(bought));
        new.clear();
        new.extend(relevant.iter().copied().filter(|i| !bought(i)));
        customers += 1;
        with_repeat += u64::from(!repeat.is_empty());
        with_new += u64::from(!new.is_empty());
        relevant_total += relevant.len() as u64;
        relevant_repeat += repeat.len() as u64;

        let p_top: Vec<u32> = personal_top_freq(rec, c, k_max)
            .iter()
            .map(|x| x.item)
            .collect();
        let blended: Vec<u32> = nb
            .for_customer_with(c, k_max, &mut scratch)
            .iter()
            .map(|x| x.item)
            .collect();
        for (m, list) in [&g_top, &p_top, &blended].iter().enumerate() {
            for (j, &k) in NEXT_BASKET_KS.iter().enumerate() {
                let s = &mut sums[j][m];
                let top = &list[..k.min(list.len())];
                s[0].add(top, &relevant, k);
                if !repeat.is_empty() {
                    s[1].add(top, &repeat, k);
                }
                if !new.is_empty() {
                    s[2].add(top, &new, k);
                }
            }
        }
    }
    let methods: Vec<MethodScores> = METHODS
        .iter()
        .enumerate()
        .map(|(m, &method)| MethodScores {
            method,
            at: NEXT_BASKET_KS
                .iter()
                .enumerate()
                .map(|(j, &k)| ScoresAtK {
                    k,
                    all: sums[j][m][0].mean(customers),
                    repeat: sums[j][m][1].mean(with_repeat),
                    new: sums[j][m][2].mean(with_new),
                })
                .collect(),
        })
        .collect();
    let recall10 = |m: usize| methods[m].at_k(10).map_or(0.0, |s| s.all.recall);
    let mut best = 0;
    for m in 1..METHODS.len() {
        if recall10(m) > recall10(best) {
            best = m;
        }
    }
    let verdict = verdict(
        customers,
        recall10(1),
        recall10(2),
        recall10(0),
        METHODS[best],
    );
    Ok(NextBasketEvaluation {
        holdout: h.label.clone(),
        held_out_customers,
        customers,
        customers_with_repeat: with_repeat,
        customers_with_new: with_new,
        relevant: relevant_total,
        relevant_repeat,
        decay: nb.decay(),
        alpha: nb.alpha(),
        methods,
        best: METHODS[best],
        verdict,
    })
}

/// P-TopFreq: the customer's own items (index into
/// `transactions().customers()`) by the orders holding them, ties to the
/// more recent, then the more popular, then the lower index; filled with
/// best-sellers up to `k`.
pub fn personal_top_freq(rec: &Recommender<'_>, customer: u32, k: usize) -> Vec<NextItem> {
    let mut own: Vec<(u32, u32, i32)> = rec
        .history_of(customer)
        .iter()
        .map(|p| (p.item, p.orders, p.last_day))
        .collect();
    own.sort_unstable_by(|x, y| {
        y.1.cmp(&x.1)
            .then(y.2.cmp(&x.2))
            .then(rec.item_count(y.0).cmp(&rec.item_count(x.0)))
            .then(x.0.cmp(&y.0))
    });
    let mut list: Vec<NextItem> = own
        .into_iter()
        .take(k)
        .map(|(item, orders, last_day)| NextItem {
            item,
            score: f64::from(orders),
            reason: NextReason::Repeat { orders, last_day },
        })
        .collect();
    if list.len() < k {
        let listed: Vec<u32> = list.iter().map(|x| x.item).collect();
        list.extend(global_fill(rec, k - list.len(), &listed));
    }
    list
}

/// G-TopFreq: the `k` best-sellers, scored by their share of baskets.
pub fn global_top_freq(rec: &Recommender<'_>, k: usize) -> Vec<NextItem> {
    global_fill(rec, k, &[])
}

fn global_fill(rec: &Recommender<'_>, k: usize, listed: &[u32]) -> Vec<NextItem> {
    rec.popular_except_where(k, |i| listed.contains(&i))
        .into_iter()
        .map(|r| NextItem {
            item: r.item,
            score: r.score,
            reason: NextReason::Popular {
                baskets: rec.item_count(r.item),
            },
        })
        .collect()
}

fn verdict(customers: u64, personal: f64, blended: f64, popular: f64, best: &str) -> String {
    if customers == 0 {
        return "not enough repeat customers to evaluate the next basket: no customer has an order after their first".to_owned();
    }
    let detail = format!(
        "recall@10 {blended:.3} for the next-basket list, {personal:.3} for each customer's own most bought items, {popular:.3} for best-sellers; {customers} customers"
    );
    let mut text = match best {
        "next_basket" => format!(
            "on your data the next-basket list finds the most of what customers buy next ({detail}): use it"
        ),
        "p_top_freq" => format!(
            "on your data each customer's own most bought items find as much or more of what they buy next than the next-basket list ({detail}): use their own items"
        ),
        _ => format!(
            "on your data best-sellers find as much of what customers buy next as the personal lists ({detail}): show best-sellers"
        ),
    };
    if customers < 30 {
        text.push_str(&format!(
            "; only {customers} customers, so take it as a rough guide"
        ));
    }
    text
}
