//! The next-basket holdout: the blended list against the two frequency
//! baselines of the next-basket literature, with repeat and new items apart.
//!
//! The baselines and the repeat/explore split follow Li, Jullien, Ariannezhad
//! & de Rijke, "A Next Basket Recommendation Reality Check", ACM TOIS 41(4),
//! 2023: G-TopFreq (the best-sellers) and P-TopFreq (the customer's own most
//! frequent items, filled with best-sellers).

use serde::Serialize;

use super::evaluate::{sign_test_p, Holdout, Sums, BEYOND_CHANCE_P};
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
    /// Distinct items in the training orders: at most [`CHOICE_K`], every
    /// list's top 10 holds all of them ([`NextOutcome::AllItems`]).
    pub items: u64,
    /// The decays the next-basket list used (tuned on the training orders
    /// only, unless fixed).
    pub decay: Decay,
    /// The balance `α` the next-basket list used (tuned on the training
    /// orders only, unless fixed).
    pub alpha: f64,
    /// G-TopFreq, P-TopFreq and the next-basket list, in [`METHODS`]' order.
    pub methods: Vec<MethodScores>,
    /// The list to use: each customer's own most bought items (P-TopFreq,
    /// the strongest simple baseline in Li et al. 2023) unless the
    /// best-sellers, then the next-basket list, beat the list chosen so far:
    /// a higher Recall@10 and more of the held-out items found only by it,
    /// beyond chance ([`NextBasketEvaluation::only_found`], the exact sign
    /// test at p < 0.05).
    pub best: &'static str,
    /// The other list with the highest Recall@10 (ties to the simpler).
    pub runner_up: &'static str,
    /// `only_found[a][b]`: held-out items in list `a`'s top 10 and not in
    /// list `b`'s, summed over the scored customers (lists in [`METHODS`]'
    /// order): what the sign test between two lists counts.
    pub only_found: [[u64; 3]; 3],
    /// How `best` compares with `runner_up`, decided once for every reader.
    pub outcome: NextOutcome,
    /// The result in one sentence.
    pub verdict: String,
}

/// How the chosen next-basket list compares with the runner-up
/// ([`NextBasketEvaluation::outcome`]), at Recall@10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NextOutcome {
    /// No customer could be scored.
    Untested,
    /// No list found any held-out item.
    None,
    /// Only the chosen list found held-out items.
    Only,
    /// The chosen list found at least 5% more, beyond chance.
    Better,
    /// About as much: less than 5% apart, or apart within chance.
    Same,
    /// The runner-up found more, within chance: the chosen list is kept.
    Chance,
    /// The shop has at most [`CHOICE_K`] items, so every list's top 10
    /// holds all of them: the lists cannot be told apart (a one-product
    /// shop's "100% against 100%" says nothing).
    AllItems,
}

/// The list length the choice and [`NextOutcome`] read.
pub const CHOICE_K: usize = 10;

/// P-TopFreq unless G-TopFreq, then the next-basket list, beats the list
/// chosen so far: a higher Recall@`CHOICE_K` and more items found only by
/// it, beyond chance.
fn choose(recall: &[f64; 3], only: &[[u64; 3]; 3]) -> usize {
    let mut best = 1;
    for m in [0, 2] {
        if beats(m, best, recall, only) {
            best = m;
        }
    }
    best
}

fn beats(a: usize, b: usize, recall: &[f64; 3], only: &[[u64; 3]; 3]) -> bool {
    recall[a] > recall[b] && found_more(a, b, only)
}

/// Whether list `a` found more of the items only one of `a` and `b` found,
/// beyond chance (the exact sign test at [`BEYOND_CHANCE_P`]).
fn found_more(a: usize, b: usize, only: &[[u64; 3]; 3]) -> bool {
    only[a][b] > only[b][a] && sign_test_p(only[a][b], only[b][a]) < BEYOND_CHANCE_P
}

/// The other list with the highest recall (ties to the simpler), and how
/// `best` compares with it.
fn outcome(
    customers: u64,
    items: usize,
    best: usize,
    recall: &[f64; 3],
    only: &[[u64; 3]; 3],
) -> (usize, NextOutcome) {
    let runner = (0..METHODS.len())
        .filter(|&m| m != best)
        .fold(None, |top: Option<usize>, m| match top {
            Some(t) if recall[t] >= recall[m] => Some(t),
            _ => Some(m),
        })
        .unwrap_or(0);
    let (b, r) = (recall[best], recall[runner]);
    let outcome = if customers == 0 {
        NextOutcome::Untested
    } else if items <= CHOICE_K {
        NextOutcome::AllItems
    } else if b == 0.0 && r == 0.0 {
        NextOutcome::None
    } else if r > b {
        NextOutcome::Chance
    } else if r == 0.0 {
        NextOutcome::Only
    } else if b >= 1.05 * r && found_more(best, runner, only) {
        NextOutcome::Better
    } else {
        NextOutcome::Same
    };
    (runner, outcome)
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
    let mut only = [[0u64; 3]; 3];
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
        let lists = [&g_top, &p_top, &blended];
        for &item in &relevant {
            let found = lists.map(|l| l.iter().take(CHOICE_K).any(|&i| i == item));
            for (a, row) in only.iter_mut().enumerate() {
                for (b, n) in row.iter_mut().enumerate() {
                    *n += u64::from(found[a] && !found[b]);
                }
            }
        }
        for (m, list) in lists.iter().enumerate() {
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
    let recall10 = |m: usize| methods[m].at_k(CHOICE_K).map_or(0.0, |s| s.all.recall);
    let recall = [recall10(0), recall10(1), recall10(2)];
    let best = choose(&recall, &only);
    let items = rec.popular().len();
    let (runner_up, outcome) = outcome(customers, items, best, &recall, &only);
    let verdict = verdict(customers, items, &recall, best, runner_up, outcome);
    Ok(NextBasketEvaluation {
        holdout: h.label.clone(),
        held_out_customers,
        customers,
        customers_with_repeat: with_repeat,
        customers_with_new: with_new,
        relevant: relevant_total,
        relevant_repeat,
        items: items as u64,
        decay: nb.decay(),
        alpha: nb.alpha(),
        methods,
        best: METHODS[best],
        runner_up: METHODS[runner_up],
        only_found: only,
        outcome,
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

fn verdict(
    customers: u64,
    items: usize,
    recall: &[f64; 3],
    best: usize,
    runner_up: usize,
    outcome: NextOutcome,
) -> String {
    if customers == 0 {
        return "not enough repeat customers to evaluate the next basket: no customer has an order after their first".to_owned();
    }
    let [popular, personal, blended] = recall;
    let detail = format!(
        "recall@10 {blended:.3} for the next-basket list, {personal:.3} for each customer's own most bought items, {popular:.3} for best-sellers; {customers} customers"
    );
    // The list's name and its verb (a list finds, items find).
    let name = |m: usize| match METHODS[m] {
        "next_basket" => ("the next-basket list", "finds"),
        "p_top_freq" => ("each customer's own most bought items", "find"),
        _ => ("best-sellers", "find"),
    };
    let ((best_name, best_verb), (runner_name, runner_verb)) = (name(best), name(runner_up));
    let advice = match METHODS[best] {
        "next_basket" => "use it",
        "p_top_freq" => "use their own items",
        _ => "show best-sellers",
    };
    let mut text = match outcome {
        NextOutcome::Chance => format!(
            "on your data {runner_name} {runner_verb} a little more of what customers buy next than {best_name} ({detail}), a difference chance alone could give: {advice}"
        ),
        NextOutcome::None => format!(
            "on your data no list finds what customers buy next in its top 10 ({detail}): {advice} for now"
        ),
        NextOutcome::Better | NextOutcome::Only => format!(
            "on your data {best_name} {best_verb} the most of what customers buy next ({detail}): {advice}"
        ),
        NextOutcome::Same | NextOutcome::Untested => format!(
            "on your data {best_name} {best_verb} about as much of what customers buy next as {runner_name} ({detail}): {advice}"
        ),
        NextOutcome::AllItems => {
            return format!(
                "the shop has {items} items, so every list's top 10 holds all of them and the lists cannot be told apart ({detail}): {advice}"
            )
        }
    };
    if customers < 30 {
        text.push_str(&format!(
            "; only {customers} customers, so take it as a rough guide"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `only[a][b]` from the pairs given, zero elsewhere.
    fn only(pairs: &[((usize, usize), u64)]) -> [[u64; 3]; 3] {
        let mut m = [[0; 3]; 3];
        for &((a, b), n) in pairs {
            m[a][b] = n;
        }
        m
    }

    /// The choice and its outcome, by hand. Sign-test p-values (two-sided,
    /// `2 P(X <= min)` for `X ~ Bin(a + b, ½)`): 9 vs 1, 2·11/1024 = 0.021;
    /// 8 vs 2, 2·56/1024 = 0.109; 6 vs 0, 2/64 = 0.031; 12 vs 2,
    /// 2·106/16384 = 0.013; 200 vs 42, far below 0.05; 3 vs 1, 0.625;
    /// 2 vs 0, 0.5; 2 vs 2, 1. Lists: 0 best-sellers, 1 own items, 2 next
    /// basket; the choice starts from own items.
    #[test]
    fn the_choice_needs_more_than_chance() {
        type Case = (
            &'static str,
            u64,
            [f64; 3],
            [[u64; 3]; 3],
            usize,
            usize,
            NextOutcome,
        );
        let cases: [Case; 9] = [
            // Small-shop-13's shape: best-sellers ahead by 1.15×, 2 vs 0.
            (
                "best-sellers ahead within chance",
                11,
                [0.712, 0.621, 0.303],
                only(&[((0, 1), 2), ((0, 2), 10), ((1, 2), 8)]),
                1,
                0,
                NextOutcome::Chance,
            ),
            // The sample's shape.
            (
                "best-sellers beyond chance",
                900,
                [0.418, 0.343, 0.353],
                only(&[((0, 1), 200), ((1, 0), 42), ((0, 2), 168), ((2, 0), 50)]),
                0,
                2,
                NextOutcome::Better,
            ),
            (
                "own items ahead by 1.15x within chance",
                40,
                [0.3, 0.345, 0.2],
                only(&[((1, 0), 8), ((0, 1), 2)]),
                1,
                0,
                NextOutcome::Same,
            ),
            (
                "own items ahead beyond chance",
                40,
                [0.3, 0.5, 0.4],
                only(&[((1, 0), 9), ((0, 1), 1), ((1, 2), 6)]),
                1,
                2,
                NextOutcome::Better,
            ),
            (
                "nothing found",
                20,
                [0.0, 0.0, 0.0],
                only(&[]),
                1,
                0,
                NextOutcome::None,
            ),
            (
                "nobody scored",
                0,
                [0.0, 0.0, 0.0],
                only(&[]),
                1,
                0,
                NextOutcome::Untested,
            ),
            (
                "only own items found any",
                20,
                [0.0, 0.2, 0.0],
                only(&[((1, 0), 4), ((1, 2), 4)]),
                1,
                0,
                NextOutcome::Only,
            ),
            (
                "the kept list found none, within chance",
                12,
                [0.0, 0.0, 0.1],
                only(&[((2, 1), 2), ((2, 0), 2)]),
                1,
                2,
                NextOutcome::Chance,
            ),
            (
                "the next basket beats own items, best-sellers not",
                60,
                [0.3, 0.25, 0.5],
                only(&[
                    ((0, 1), 3),
                    ((1, 0), 1),
                    ((2, 0), 2),
                    ((0, 2), 2),
                    ((2, 1), 12),
                    ((1, 2), 2),
                ]),
                2,
                0,
                NextOutcome::Same,
            ),
        ];
        for (name, customers, recall, only, best, runner, want) in cases {
            assert_eq!(choose(&recall, &only), best, "{name}: best");
            assert_eq!(
                outcome(customers, 50, best, &recall, &only),
                (runner, want),
                "{name}"
            );
        }
    }

    /// With at most 10 items every list's top 10 holds them all: equal
    /// recalls, nothing found by one list only, and an outcome that says so
    /// instead of "about the same".
    #[test]
    fn a_shop_of_ten_items_or_fewer_cannot_tell_the_lists_apart() {
        let all = [1.0, 1.0, 1.0];
        let none = [[0u64; 3]; 3];
        for (items, want) in [
            (1, NextOutcome::AllItems),
            (CHOICE_K, NextOutcome::AllItems),
            (CHOICE_K + 1, NextOutcome::Same),
        ] {
            let best = choose(&all, &none);
            assert_eq!(best, 1, "own items kept");
            assert_eq!(
                outcome(29, items, best, &all, &none).1,
                want,
                "{items} items"
            );
        }
        // Untested stays untested, whatever the shop sells.
        assert_eq!(outcome(0, 1, 1, &all, &none).1, NextOutcome::Untested);
    }
}
