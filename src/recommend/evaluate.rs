//! A time-based holdout: do the recommendations find the items customers buy
//! next better than best-sellers do?

use serde::Serialize;

use super::baskets::Baskets;
use super::next_basket::{last_baskets, NextBasketOptions};
use super::next_eval::score_next_basket;
use super::{
    transactions_of, AlsoLikeScratch, NextBasketEvaluation, RecommendOptions, Recommender,
};
use crate::days::parse_iso_day;
use crate::ingest::Dataset;
use crate::transactions::{Transactions, NONE};
use crate::{Error, ErrorCode, Result};

/// Options for [`evaluate`].
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluateOptions {
    /// List length `k` (default 10).
    pub k: usize,
    /// Hold out every order after this ISO date instead of each customer's
    /// last order (default `None`: the last order).
    pub cutoff: Option<String>,
}

impl Default for EvaluateOptions {
    fn default() -> EvaluateOptions {
        EvaluateOptions {
            k: 10,
            cutoff: None,
        }
    }
}

/// Ranking quality at `k`, averaged over the evaluated customers.
///
/// # Formula
///
/// For a customer with relevant set `R` (the new items of the held-out
/// orders) and list `L` of length `k`, with `rel_j = 1` when `L[j] ∈ R`:
///
/// - hit rate: `1` when `|L ∩ R| > 0`;
/// - precision: `|L ∩ R| / k`;
/// - recall: `|L ∩ R| / |R|`;
/// - MAP (average precision): `Σ_j rel_j · precision@j / min(|R|, k)`;
/// - NDCG: `Σ_j rel_j / log₂(j + 1)` over the ideal `Σ_{j ≤ min(|R|, k)} 1 / log₂(j + 1)`
///   (`j` 1-based; Järvelin & Kekäläinen, 2002).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct RankingMetrics {
    /// Share of customers with at least one hit.
    pub hit_rate: f64,
    /// Mean precision@k.
    pub precision: f64,
    /// Mean recall@k.
    pub recall: f64,
    /// Mean average precision@k.
    pub map: f64,
    /// Mean NDCG@k.
    pub ndcg: f64,
    /// Relevant items found, summed over customers.
    pub hits: u64,
}

/// The holdout result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// List length.
    pub k: usize,
    /// `last_order` or `cutoff YYYY-MM-DD`.
    pub holdout: String,
    /// Customers evaluated: with a training history and new items held out.
    pub customers: u64,
    /// New items held out, summed over customers.
    pub relevant: u64,
    /// Held-out customers whose held-out orders held only items they had bought.
    pub no_new_items: u64,
    /// Distinct items in the training orders: at most `k`, both lists hold
    /// every item a customer has not bought ([`Outcome::AllItems`]).
    pub items: u64,
    /// "You might also like" lists (filled with best-sellers when short).
    pub recommender: RankingMetrics,
    /// Best-sellers the customer has not bought.
    pub popular: RankingMetrics,
    /// `recommender.hits / popular.hits`, when best-sellers found any.
    pub ratio: Option<f64>,
    /// Held-out items in the top `k` of the recommendations but not of the
    /// best-sellers, summed over customers.
    pub only_recommender: u64,
    /// Held-out items in the top `k` of the best-sellers but not of the
    /// recommendations.
    pub only_popular: u64,
    /// Whether the difference is beyond chance: the two-sided exact sign
    /// test on the items only one list found (`only_recommender` against
    /// `only_popular`, each equally likely under no difference) gives a
    /// p-value below 0.05 (`BEYOND_CHANCE_P`). Items both lists found say nothing
    /// about which is better. The verdict calls one list better only then.
    pub beyond_chance: bool,
    /// Which list did better, decided once here for the verdict and the
    /// page's own words.
    pub outcome: Outcome,
    /// The result in one sentence.
    pub verdict: String,
}

/// Which list found more of the next purchases ([`Evaluation::outcome`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// No customer could be evaluated.
    Untested,
    /// Neither list found any.
    Neither,
    /// The recommendations found some, best-sellers none.
    OnlyRecommender,
    /// The recommendations found at least 5% more, beyond chance.
    Better,
    /// Best-sellers found at least 5% more, beyond chance.
    Worse,
    /// Within 5% of each other.
    Same,
    /// 5% or more apart, but a split chance alone could give.
    Chance,
    /// The shop has at most `k` items, so both lists hold every item a
    /// customer has not bought: they cannot be told apart.
    AllItems,
}

impl Outcome {
    /// The outcome of `customers` evaluated, the two lists' hits and whether
    /// the items only one found split beyond chance.
    /// `all_items`: the shop has at most `k` items.
    fn of(
        customers: u64,
        ours: u64,
        popular: u64,
        beyond_chance: bool,
        all_items: bool,
    ) -> Outcome {
        let ratio = ours as f64 / popular as f64;
        match () {
            _ if customers == 0 => Outcome::Untested,
            _ if all_items => Outcome::AllItems,
            _ if popular == 0 && ours == 0 => Outcome::Neither,
            _ if popular == 0 => Outcome::OnlyRecommender,
            _ if ratio > 1.0 / 1.05 && ratio < 1.05 => Outcome::Same,
            _ if !beyond_chance => Outcome::Chance,
            _ if ratio >= 1.05 => Outcome::Better,
            _ => Outcome::Worse,
        }
    }
}

/// Trains on the earlier orders and scores both lists on the later ones.
///
/// Held out is each customer's last order (customers with one order stay in
/// training and are not evaluated), or with a cutoff every order after it.
/// Guests and basket files have no customers and cannot be evaluated. Items
/// a customer bought in training are not counted as relevant: both lists
/// leave them out.
///
/// # Errors
/// An options error for invalid options or a cutoff that is not an ISO date;
/// a no-usable-column error for data without customers or items.
pub fn evaluate(
    data: &Dataset,
    options: &RecommendOptions,
    eval: &EvaluateOptions,
) -> Result<Evaluation> {
    let t = transactions_of(data)?;
    options.validate()?;
    if eval.k == 0 {
        return Err(Error::options("k must be at least 1"));
    }
    // A bad cutoff is reported before data without customers, as always.
    if let Some(date) = &eval.cutoff {
        cutoff_day(date)?;
    }
    Ok(score_also_bought(
        &Holdout::new(t, options, eval.cutoff.as_deref())?,
        eval.k,
    ))
}

/// [`evaluate`] and [`evaluate_next_basket`](super::evaluate_next_basket)
/// with `eval`'s cutoff, their results identical to the two calls', with
/// one training recommender for both: the two hold out the same orders,
/// and building it (baskets, pair counts, histories) was a sixth of their
/// time.
///
/// # Errors
/// Each result's, as the separate calls give them.
pub fn evaluate_both(
    data: &Dataset,
    options: &RecommendOptions,
    eval: &EvaluateOptions,
    next: &NextBasketOptions,
) -> (Result<Evaluation>, Result<NextBasketEvaluation>) {
    let shared = transactions_of(data).and_then(|t| {
        options.validate()?;
        if eval.k == 0 {
            return Err(Error::options("k must be at least 1"));
        }
        Holdout::new(t, options, eval.cutoff.as_deref())
    });
    match shared {
        Ok(h) => (
            Ok(score_also_bought(&h, eval.k)),
            score_next_basket(&h, next),
        ),
        // Whichever failed, each call gives its own error in its own order.
        Err(_) => (
            evaluate(data, options, eval),
            super::evaluate_next_basket(data, options, next, eval.cutoff.as_deref()),
        ),
    }
}

/// A holdout's two sides: the recommender trained on the orders kept, and
/// the held-out (customer, item) pairs.
pub(super) struct Holdout<'t> {
    /// Trained on the orders kept, after the basket cap.
    pub rec: Recommender<'t>,
    /// Held-out (customer, item) pairs, ascending and distinct.
    pub test: Vec<(u32, u32)>,
    /// `last_order` or `cutoff YYYY-MM-DD`.
    pub label: String,
}

impl<'t> Holdout<'t> {
    /// Holds out each customer's last order among customers with two or
    /// more (latest day, then last in the file), or with a cutoff every
    /// customer's order after it.
    ///
    /// # Errors
    /// A no-usable-column error for data without customers (checked
    /// first), a not-a-date error for a bad cutoff, an options error when
    /// no order is left for training.
    pub(super) fn new(
        t: &'t Transactions,
        options: &RecommendOptions,
        cutoff: Option<&str>,
    ) -> Result<Holdout<'t>> {
        let all = Baskets::from_transactions(t);
        if !all.customer.iter().any(|&c| c != NONE) {
            return Err(Error::no_usable_column(
                "evaluation needs customer ids; this data has none",
            )
            .with_code(ErrorCode::NoCustomerIds));
        }
        let (held, label) = match cutoff {
            Some(date) => {
                let day = cutoff_day(date)?;
                let held: Vec<bool> = (0..all.len())
                    .map(|b| all.customer[b] != NONE && all.day[b] > day)
                    .collect();
                (held, format!("cutoff {date}"))
            }
            None => (
                last_baskets(&all, t.customers().len()),
                "last_order".to_owned(),
            ),
        };
        let mut test: Vec<(u32, u32)> = Vec::new();
        for b in (0..all.len()).filter(|&b| held[b]) {
            test.extend(all.basket(b).iter().map(|&i| (all.customer[b], i)));
        }
        test.sort_unstable();
        test.dedup();
        let keep: Vec<bool> = held.iter().map(|&h| !h).collect();
        drop(held);
        // Only the training baskets are needed from here: kept in place, so
        // the full baskets and a training copy are never held at once.
        let mut train = all;
        train.keep_only(&keep);
        drop(keep);
        if train.len() == 0 {
            return Err(
                Error::options("no orders are left for training before the cutoff")
                    .with_code(ErrorCode::NoTrainingOrders),
            );
        }
        train.cap(options.basket_cap());
        Ok(Holdout {
            rec: Recommender::from_baskets(t, train, options),
            test,
            label,
        })
    }

    /// Each held-out customer with their held-out items, in index order.
    pub(super) fn customers(&self) -> impl Iterator<Item = (u32, &[(u32, u32)])> {
        self.test
            .chunk_by(|x, y| x.0 == y.0)
            .map(|run| (run[0].0, run))
    }
}

/// The day of an ISO cutoff date.
fn cutoff_day(date: &str) -> Result<i32> {
    parse_iso_day(date).ok_or_else(|| {
        crate::error::not_a_date("cutoff", date, format!("cutoff \"{date}\" is not a date"))
    })
}

/// The "also bought" holdout's scores at `k` on a holdout.
fn score_also_bought(h: &Holdout<'_>, k: usize) -> Evaluation {
    let rec = &h.rec;
    let mut sums = [Sums::default(), Sums::default()];
    let (mut customers, mut relevant_total, mut no_new_items) = (0u64, 0u64, 0u64);
    let (mut only_recommender, mut only_popular) = (0u64, 0u64);
    // Buffers reused across customers.
    let mut scratch = AlsoLikeScratch::default();
    let (mut relevant, mut ours, mut best_sellers) = (Vec::new(), Vec::new(), Vec::new());
    for (c, held) in h.customers() {
        let history = rec.history_of(c);
        if history.is_empty() {
            continue;
        }
        let bought = |i: u32| history.binary_search_by_key(&i, |p| p.item).is_ok();
        relevant.clear();
        relevant.extend(held.iter().map(|&(_, i)| i).filter(|&i| !bought(i)));
        if relevant.is_empty() {
            no_new_items += 1;
            continue;
        }
        customers += 1;
        relevant_total += relevant.len() as u64;
        rec.also_like_items(c, k, &mut scratch, &mut ours);
        best_sellers.clear();
        best_sellers.extend(
            rec.popular()
                .iter()
                .copied()
                .filter(|&i| !bought(i))
                .take(k),
        );
        sums[0].add(&ours, &relevant, k);
        sums[1].add(&best_sellers, &relevant, k);
        for item in &relevant {
            let in_ours = ours.iter().take(k).any(|i| i == item);
            let in_popular = best_sellers.iter().take(k).any(|i| i == item);
            only_recommender += u64::from(in_ours && !in_popular);
            only_popular += u64::from(in_popular && !in_ours);
        }
    }
    Counts {
        sums,
        customers,
        relevant: relevant_total,
        no_new_items,
        only_recommender,
        only_popular,
    }
    .evaluation(h, k)
}

/// What the holdout loop counts: both lists' metric sums and the customers,
/// items and one-list-only finds behind them.
struct Counts {
    sums: [Sums; 2],
    customers: u64,
    relevant: u64,
    no_new_items: u64,
    only_recommender: u64,
    only_popular: u64,
}

impl Counts {
    /// The means, the sign test, the outcome and the verdict of the counts
    /// of `h`'s holdout at list length `k`.
    fn evaluation(self, h: &Holdout<'_>, k: usize) -> Evaluation {
        let Counts {
            sums,
            customers,
            relevant,
            no_new_items,
            only_recommender,
            only_popular,
        } = self;
        let recommender = sums[0].mean(customers);
        let popular = sums[1].mean(customers);
        let ratio = (popular.hits > 0).then(|| recommender.hits as f64 / popular.hits as f64);
        let beyond_chance = sign_test_p(only_recommender, only_popular) < BEYOND_CHANCE_P;
        let items = h.rec.popular().len();
        let outcome = Outcome::of(
            customers,
            recommender.hits,
            popular.hits,
            beyond_chance,
            items <= k,
        );
        Evaluation {
            k,
            holdout: h.label.clone(),
            customers,
            relevant,
            no_new_items,
            items: items as u64,
            recommender,
            popular,
            ratio,
            only_recommender,
            only_popular,
            beyond_chance,
            outcome,
            verdict: verdict(customers, relevant, k, &recommender, &popular, outcome),
        }
    }
}

/// The p-value below which [`Evaluation::beyond_chance`] holds.
pub const BEYOND_CHANCE_P: f64 = 0.05;

/// The two-sided exact sign test: `2 P(X <= min(a, b))`, at most 1, for `X`
/// binomial with `a + b` trials and probability ½; 1 when `a + b = 0`.
pub fn sign_test_p(a: u64, b: u64) -> f64 {
    let n = a + b;
    if n == 0 {
        return 1.0;
    }
    let low = a.min(b);
    // P(X = j) = C(n, j) / 2^n, in logs to stay finite for large n.
    let ln_half_n = n as f64 * std::f64::consts::LN_2;
    let mut ln_c = 0.0; // ln C(n, 0)
    let mut tail = 0.0;
    for j in 0..=low {
        if j > 0 {
            ln_c += ((n - j + 1) as f64).ln() - (j as f64).ln();
        }
        tail += (ln_c - ln_half_n).exp();
    }
    (2.0 * tail).min(1.0)
}

#[derive(Debug, Default)]
pub(super) struct Sums {
    hit: f64,
    precision: f64,
    recall: f64,
    map: f64,
    ndcg: f64,
    hits: u64,
}

impl Sums {
    /// Adds one customer's list; `relevant` is ascending.
    pub(super) fn add(&mut self, list: &[u32], relevant: &[u32], k: usize) {
        let (mut hits, mut ap, mut dcg) = (0usize, 0.0, 0.0);
        for (j, item) in list.iter().take(k).enumerate() {
            if relevant.binary_search(item).is_ok() {
                hits += 1;
                ap += hits as f64 / (j + 1) as f64;
                dcg += 1.0 / ((j + 2) as f64).log2();
            }
        }
        let ideal_n = relevant.len().min(k);
        let idcg: f64 = (0..ideal_n).map(|j| 1.0 / ((j + 2) as f64).log2()).sum();
        self.hit += f64::from(u8::from(hits > 0));
        self.precision += hits as f64 / k as f64;
        self.recall += hits as f64 / relevant.len() as f64;
        self.map += ap / ideal_n as f64;
        self.ndcg += dcg / idcg;
        self.hits += hits as u64;
    }

    pub(super) fn mean(&self, n: u64) -> RankingMetrics {
        let n = n.max(1) as f64;
        RankingMetrics {
            hit_rate: self.hit / n,
            precision: self.precision / n,
            recall: self.recall / n,
            map: self.map / n,
            ndcg: self.ndcg / n,
            hits: self.hits,
        }
    }
}

fn verdict(
    customers: u64,
    relevant: u64,
    k: usize,
    ours: &RankingMetrics,
    popular: &RankingMetrics,
    outcome: Outcome,
) -> String {
    let detail = format!(
        "{} vs {} of {relevant} items bought next by {customers} customers, top {k}",
        ours.hits, popular.hits
    );
    let ratio = ours.hits as f64 / popular.hits as f64;
    let mut text = match outcome {
        Outcome::Untested => {
            return "not enough repeat customers to evaluate: no customer bought new items in a later order"
                .to_owned();
        }
        Outcome::Neither => {
            format!("on your data neither the recommendations nor best-sellers find next purchases ({detail})")
        }
        Outcome::OnlyRecommender => format!(
            "on your data the recommendations find {} next purchases and best-sellers none ({detail})",
            ours.hits
        ),
        Outcome::Chance => format!(
            "on your data the recommendations and best-sellers find {} and {} next purchases, \
             a difference within chance ({detail})",
            ours.hits, popular.hits
        ),
        Outcome::Better => format!(
            "on your data the recommendations find {ratio:.1}× more next purchases than best-sellers ({detail})"
        ),
        Outcome::Worse => format!(
            "on your data best-sellers find {:.1}× more next purchases than the recommendations ({detail}): show best-sellers",
            1.0 / ratio.max(f64::MIN_POSITIVE)
        ),
        Outcome::Same => format!(
            "on your data the recommendations find about as many next purchases as best-sellers ({detail})"
        ),
        Outcome::AllItems => {
            return format!(
                "the shop has {k} items or fewer, so both lists hold every item a customer has not bought and cannot be told apart ({detail})"
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

    /// The "also bought" loop as first written, from the full lists
    /// (`for_customer_index`, sorting every candidate) and `popular_except`:
    /// the definition `score_also_bought`'s reused buffers and top-k
    /// selection are tested against.
    fn reference_also_bought(h: &Holdout<'_>, k: usize) -> Evaluation {
        let rec = &h.rec;
        let mut sums = [Sums::default(), Sums::default()];
        let (mut customers, mut relevant_total, mut no_new_items) = (0u64, 0u64, 0u64);
        let (mut only_recommender, mut only_popular) = (0u64, 0u64);
        for (c, held) in h.customers() {
            let history: Vec<u32> = rec.history_of(c).iter().map(|p| p.item).collect();
            if history.is_empty() {
                continue;
            }
            let relevant: Vec<u32> = held
                .iter()
                .map(|&(_, i)| i)
                .filter(|i| history.binary_search(i).is_err())
                .collect();
            if relevant.is_empty() {
                no_new_items += 1;
                continue;
            }
            customers += 1;
            relevant_total += relevant.len() as u64;
            let ours: Vec<u32> = rec
                .for_customer_index(c, k)
                .also_like
                .iter()
                .map(|r| r.item)
                .collect();
            let best_sellers: Vec<u32> = rec
                .popular_except(&history, k)
                .iter()
                .map(|r| r.item)
                .collect();
            sums[0].add(&ours, &relevant, k);
            sums[1].add(&best_sellers, &relevant, k);
            for item in &relevant {
                let in_ours = ours.iter().take(k).any(|i| i == item);
                let in_popular = best_sellers.iter().take(k).any(|i| i == item);
                only_recommender += u64::from(in_ours && !in_popular);
                only_popular += u64::from(in_popular && !in_ours);
            }
        }
        Counts {
            sums,
            customers,
            relevant: relevant_total,
            no_new_items,
            only_recommender,
            only_popular,
        }
        .evaluation(h, k)
    }

    fn generated(seed: u64, lines: usize, items: usize) -> Dataset {
        let config = crate::generate::GeneratorConfig {
            seed,
            items,
            groups: items.min(20),
            guest_share: 0.1,
            ..crate::generate::GeneratorConfig::default()
        };
        crate::generate::ingested(&config, lines)
    }

    /// The day half way through the orders, as an ISO cutoff.
    fn middle_cutoff(data: &Dataset) -> String {
        let t = transactions_of(data).unwrap();
        let (lo, hi) = (t.day_col().iter().min(), t.day_col().iter().max());
        crate::days::format_day((lo.unwrap() + hi.unwrap()) / 2)
    }

    /// The reused buffers and top-k selection give the holdout of the full
    /// lists to the bit, and `evaluate_both` the two separate calls':
    /// generated shops of several seeds and sizes (guests, one-order
    /// customers, few items so that scores tie), both holdouts, list
    /// lengths from 1 to longer than most candidate lists, and options that
    /// cap baskets, keep one neighbour or count every pair.
    #[test]
    fn holdout_scores_equal_those_of_the_full_lists_and_the_separate_calls() {
        let options = [
            RecommendOptions::default(),
            RecommendOptions {
                max_basket: Some(2),
                neighbours: 1,
                personal_ranking: crate::recommend::Ranking::Jaccard,
                ..RecommendOptions::default()
            },
            RecommendOptions {
                min_count: 1,
                half_life_days: 7.0,
                ..RecommendOptions::default()
            },
        ];
        let next = NextBasketOptions {
            max_evaluated_customers: 40,
            ..NextBasketOptions::default()
        };
        for (seed, lines, items) in [(1, 5_000, 500), (4, 1_500, 12), (8, 200, 30)] {
            let data = generated(seed, lines, items);
            let t = transactions_of(&data).unwrap();
            let guests = t.customer_col().iter().filter(|&&c| c == NONE).count();
            let mut orders = vec![0u32; t.customers().len()];
            let baskets = Baskets::from_transactions(t);
            for &c in baskets.customer.iter().filter(|&&c| c != NONE) {
                orders[c as usize] += 1;
            }
            assert!(guests > 0, "seed {seed}: guests");
            assert!(orders.contains(&1), "seed {seed}: one-order customers");
            for cutoff in [None, Some(middle_cutoff(&data))] {
                for o in &options {
                    let h = Holdout::new(t, o, cutoff.as_deref()).unwrap();
                    for k in [1, 3, 10, 25] {
                        let case = format!("seed {seed}, {lines} lines, {cutoff:?}, k {k}, {o:?}");
                        let got = score_also_bought(&h, k);
                        assert!(got.customers > 0, "{case}");
                        assert_eq!(got, reference_also_bought(&h, k), "{case}");
                        let eval = EvaluateOptions {
                            k,
                            cutoff: cutoff.clone(),
                        };
                        let (e, n) = evaluate_both(&data, o, &eval, &next);
                        assert_eq!(e, Ok(got), "{case}");
                        let separate =
                            super::super::evaluate_next_basket(&data, o, &next, cutoff.as_deref());
                        assert_eq!(n, separate, "{case}");
                    }
                }
            }
        }
    }

    /// When a holdout cannot be built, `evaluate_both` gives each call's own
    /// result: a bad cutoff before data without customers for `evaluate`,
    /// after it for the next basket; a zero `k` fails `evaluate` only; a
    /// cutoff before every order leaves only the guests' for training.
    #[test]
    fn both_fail_as_the_separate_calls_do() {
        let orders = generated(2, 300, 50);
        let baskets = crate::ingest::ingest(
            "bread,milk\nbread,milk,eggs\n".as_bytes(),
            &crate::ingest::IngestOptions::default(),
        )
        .unwrap()
        .data;
        let next = NextBasketOptions::default();
        // Whether `evaluate` fails.
        for (data, k, cutoff, fails) in [
            (&orders, 0, None, true),
            (&orders, 10, Some("not a date"), true),
            (&orders, 10, Some("1900-01-01"), false),
            (&baskets, 10, None, true),
            (&baskets, 10, Some("not a date"), true),
        ] {
            let o = RecommendOptions::default();
            let eval = EvaluateOptions {
                k,
                cutoff: cutoff.map(str::to_owned),
            };
            let (e, n) = evaluate_both(data, &o, &eval, &next);
            let want_e = evaluate(data, &o, &eval);
            let want_n = super::super::evaluate_next_basket(data, &o, &next, cutoff);
            assert_eq!(e.is_err(), fails, "{k} {cutoff:?}");
            assert_eq!(e, want_e, "{k} {cutoff:?}");
            assert_eq!(n, want_n, "{k} {cutoff:?}");
        }
    }

    /// Exact two-sided sign-test p-values, by hand from binomial
    /// coefficients over 2^n (they equal `scipy.stats.binomtest(a, a + b)`'s).
    #[test]
    fn sign_test_p_values_by_hand() {
        const TOLERANCE: f64 = 1e-12;
        for (a, b, p) in [
            (0, 0, 1.0),
            (5, 4, 1.0),                 // 2 × 256/512, capped at 1
            (9, 1, 2.0 * 11.0 / 1024.0), // C(10,0) + C(10,1) = 11
            (1, 9, 2.0 * 11.0 / 1024.0), // symmetric
            (0, 6, 2.0 / 64.0),          // C(6,0) = 1
            (8, 2, 2.0 * 56.0 / 1024.0), // 1 + 10 + 45
            (3, 3, 1.0),
        ] {
            let got = sign_test_p(a, b);
            assert!(
                (got - p).abs() <= TOLERANCE,
                "({a}, {b}): {got} against {p}"
            );
        }
        // Large counts stay finite: 600 against 400 is far beyond chance.
        let large = sign_test_p(600, 400);
        assert!(large > 0.0 && large < 1e-9, "{large}");
    }

    /// Which list did better, by the rule the verdict states: within 5% is
    /// the same (strictly inside 1/1.05..1.05), further apart a winner only
    /// beyond chance.
    #[test]
    fn outcomes_by_rule() {
        for (customers, ours, popular, beyond, want) in [
            (0, 0, 0, false, Outcome::Untested),
            (5, 0, 0, false, Outcome::Neither),
            (5, 3, 0, false, Outcome::OnlyRecommender),
            (30, 100, 100, true, Outcome::Same),
            (30, 104, 100, true, Outcome::Same),
            (30, 105, 100, true, Outcome::Better),
            (30, 105, 100, false, Outcome::Chance),
            (30, 100, 105, true, Outcome::Worse), // 100/105 = 1/1.05 exactly
            (30, 0, 12, true, Outcome::Worse),
            (6, 5, 4, false, Outcome::Chance),
        ] {
            assert_eq!(
                Outcome::of(customers, ours, popular, beyond, false),
                want,
                "{customers} {ours} {popular} {beyond}"
            );
        }
        // A shop of at most k items: both lists hold every item not bought
        // yet, whatever they found; untested stays untested.
        assert_eq!(Outcome::of(10, 11, 11, false, true), Outcome::AllItems);
        assert_eq!(Outcome::of(0, 0, 0, false, true), Outcome::Untested);
    }
}
