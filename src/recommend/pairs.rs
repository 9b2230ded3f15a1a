//! Exact pair counting: item by item over an inverted index, with one dense
//! counter array, so memory is the baskets plus the kept results.

use std::cmp::Ordering;

use serde::Serialize;

use super::baskets::Baskets;
use super::metrics::{min_count_for_support, Ranking, RuleMetrics};

/// The rule `antecedent → consequent` between two items, with its measures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairRule {
    /// Item index of the antecedent.
    pub antecedent: u32,
    /// Item index of the consequent.
    pub consequent: u32,
    /// The measures of the rule.
    #[serde(flatten)]
    pub metrics: RuleMetrics,
}

/// Which pairs count, how they are ranked and how many are kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PairFilter {
    pub min_count: u64,
    pub min_support: f64,
    pub min_confidence: f64,
    pub ranking: Ranking,
    /// Ranking of the second neighbour list, for per-customer scores.
    pub personal: Ranking,
    pub neighbours: usize,
    pub max_rules: Option<usize>,
}

/// The counted pairs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pairs {
    /// Baskets per item.
    pub item_counts: Vec<u64>,
    /// Item `i`'s best rules `i → j` are `neighbours[offsets[i]..offsets[i + 1]]`, best first.
    pub offsets: Vec<usize>,
    pub neighbours: Vec<PairRule>,
    /// The same by the personal ranking (empty when it is the same ranking).
    pub personal_offsets: Vec<usize>,
    pub personal: Vec<PairRule>,
    /// The best rules overall, best first (at most `max_rules`).
    pub rules: Vec<PairRule>,
    /// Rules that passed the filters, before `max_rules`.
    pub rules_total: u64,
}

/// Best first: higher score, then higher count, then lower antecedent and consequent.
pub(crate) fn better(ranking: Ranking, x: &PairRule, y: &PairRule) -> Ordering {
    ranking
        .score(&y.metrics)
        .total_cmp(&ranking.score(&x.metrics))
        .then(y.metrics.count.cmp(&x.metrics.count))
        .then(x.antecedent.cmp(&y.antecedent))
        .then(x.consequent.cmp(&y.consequent))
}

/// Keeps the `k` best of `v`, sorted best first.
fn keep_best(v: &mut Vec<PairRule>, k: usize, ranking: Ranking) {
    if v.len() > k {
        if k == 0 {
            v.clear();
            return;
        }
        v.select_nth_unstable_by(k - 1, |x, y| better(ranking, x, y));
        v.truncate(k);
    }
    v.sort_unstable_by(|x, y| better(ranking, x, y));
}

/// Counts every pair of distinct items that share a basket.
///
/// For each item `a`, the baskets holding `a` are walked and every other
/// item `b` in them is counted in a dense array; the touched entries are then
/// turned into rules `a → b`. Work is `Σ k(k − 1)` over baskets of `k` items,
/// memory is the inverted index, one `u32` per item and the kept rules.
pub(crate) fn count_pairs(baskets: &Baskets, filter: &PairFilter) -> Pairs {
    let n = baskets.len() as u64;
    let item_counts = baskets.item_counts();
    let (inv_offsets, inv) = baskets.inverted();
    let min_count = filter
        .min_count
        .max(min_count_for_support(filter.min_support, n))
        .max(1);
    let mut counter = vec![0u32; baskets.n_items];
    let mut touched: Vec<u32> = Vec::new();
    let mut candidates: Vec<PairRule> = Vec::new();
    let mut pairs = Pairs {
        offsets: vec![0],
        personal_offsets: vec![0],
        ..Pairs::default()
    };
    let second = filter.personal != filter.ranking;
    let mut personal: Vec<PairRule> = Vec::new();
    let max_rules = filter.max_rules.unwrap_or(usize::MAX);
    for a in 0..baskets.n_items {
        if item_counts[a] >= min_count {
            for &b in &inv[inv_offsets[a]..inv_offsets[a + 1]] {
                for &x in baskets.basket(b as usize) {
                    if x as usize == a {
                        continue;
                    }
                    let c = &mut counter[x as usize];
                    if *c == 0 {
                        touched.push(x);
                    }
                    *c += 1;
                }
            }
        }
        candidates.clear();
        for &x in &touched {
            let count = u64::from(std::mem::take(&mut counter[x as usize]));
            if count < min_count {
                continue;
            }
            let metrics = RuleMetrics::new(count, item_counts[a], item_counts[x as usize], n);
            if metrics.support < filter.min_support || metrics.confidence < filter.min_confidence {
                continue;
            }
            candidates.push(PairRule {
                antecedent: a as u32,
                consequent: x,
                metrics,
            });
        }
        touched.clear();
        pairs.rules_total += candidates.len() as u64;
        if max_rules > 0 {
            pairs.rules.extend_from_slice(&candidates);
            if pairs.rules.len() > max_rules.saturating_mul(2).max(1 << 16) {
                keep_best(&mut pairs.rules, max_rules, filter.ranking);
            }
        }
        if second {
            personal.clone_from(&candidates);
            keep_best(&mut personal, filter.neighbours, filter.personal);
            pairs.personal.extend_from_slice(&personal);
            pairs.personal_offsets.push(pairs.personal.len());
        }
        keep_best(&mut candidates, filter.neighbours, filter.ranking);
        pairs.neighbours.extend_from_slice(&candidates);
        pairs.offsets.push(pairs.neighbours.len());
    }
    keep_best(&mut pairs.rules, max_rules, filter.ranking);
    pairs.item_counts = item_counts;
    pairs
}

impl Pairs {
    /// The kept rules `item → j`, best first.
    pub fn of(&self, item: u32) -> &[PairRule] {
        slice(&self.offsets, &self.neighbours, item)
    }

    /// The kept rules `item → j` by the personal ranking, best first.
    pub fn personal_of(&self, item: u32) -> &[PairRule] {
        if self.personal_offsets.len() > 1 {
            slice(&self.personal_offsets, &self.personal, item)
        } else {
            self.of(item)
        }
    }
}

fn slice<'a>(offsets: &[usize], rules: &'a [PairRule], item: u32) -> &'a [PairRule] {
    let i = item as usize;
    match (offsets.get(i), offsets.get(i + 1)) {
        (Some(&s), Some(&e)) => &rules[s..e],
        _ => &[],
    }
}
