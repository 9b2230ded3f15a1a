//! Frequent itemsets by Eclat (Zaki, 2000, "Scalable algorithms for
//! association mining"): depth-first intersection of basket sets (sorted
//! lists, or bitsets when the data is dense). It
//! finds exactly the itemsets and supports FP-growth (Han, Pei & Yin, 2000)
//! finds, as mlxtend's `fpgrowth` and arules' `apriori` do.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::baskets::Baskets;
use super::metrics::{min_count_for_support, RuleMetrics};
use crate::{Error, Result};

/// Options for [`Recommender::itemsets`](super::Recommender::itemsets).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemsetOptions {
    /// Minimum support `count / baskets` of an itemset (default 0.01), as
    /// mlxtend's `min_support`. Must be in `(0, 1]`.
    pub min_support: f64,
    /// Longest itemset (default `None`: no limit), as mlxtend's `max_len`.
    pub max_len: Option<usize>,
    /// Minimum confidence of the rules drawn from the itemsets (default 0.8).
    pub min_confidence: f64,
    /// Stop with an error beyond this many itemsets (default 2,000,000), so a
    /// support set too low cannot exhaust memory.
    pub max_itemsets: usize,
}

impl Default for ItemsetOptions {
    fn default() -> ItemsetOptions {
        ItemsetOptions {
            min_support: 0.01,
            max_len: None,
            min_confidence: 0.8,
            max_itemsets: 2_000_000,
        }
    }
}

/// One frequent itemset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Itemset {
    /// Item indices, ascending.
    pub items: Vec<u32>,
    /// Baskets holding every item.
    pub count: u64,
    /// `count / baskets`.
    pub support: f64,
}

/// A rule from a frequent itemset to one of its items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// Item indices of the antecedent, ascending.
    pub antecedent: Vec<u32>,
    /// Item index of the consequent.
    pub consequent: u32,
    /// The measures, as for pairs.
    #[serde(flatten)]
    pub metrics: RuleMetrics,
}

/// Frequent itemsets and the rules with one-item consequents drawn from them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Itemsets {
    /// Baskets mined.
    pub baskets: u64,
    /// The smallest basket count that met the minimum support.
    pub min_count: u64,
    /// Every frequent itemset (of 1 to `max_len` items), by length, then
    /// count descending, then items.
    pub itemsets: Vec<Itemset>,
    /// Rules `A → c` with `A ∪ {c}` frequent, at least two items and
    /// confidence at least the minimum; by confidence, lift, count descending.
    pub rules: Vec<Rule>,
}

pub(crate) fn mine(baskets: &Baskets, options: &ItemsetOptions) -> Result<Itemsets> {
    mine_as(baskets, options, None)
}

/// [`mine`], with the basket-set representation forced (`Some(true)`: bitsets).
fn mine_as(baskets: &Baskets, options: &ItemsetOptions, dense: Option<bool>) -> Result<Itemsets> {
    if !(options.min_support > 0.0 && options.min_support <= 1.0) {
        return Err(Error::options(format!(
            "minimum support for itemsets must be in (0, 1], got {}",
            options.min_support
        )));
    }
    if !(0.0..=1.0).contains(&options.min_confidence) {
        return Err(Error::options(format!(
            "minimum confidence must be in [0, 1], got {}",
            options.min_confidence
        )));
    }
    if options.max_len == Some(0) {
        return Err(Error::options("maximum itemset length must be at least 1"));
    }
    let n = baskets.len() as u64;
    let min_count = min_count_for_support(options.min_support, n).max(1);
    let max_len = options.max_len.unwrap_or(usize::MAX);
    let (inv_offsets, inv) = baskets.inverted();
    // Rarest first keeps the intersections of the deep classes short.
    let mut roots: Vec<(u32, &[u32])> = (0..baskets.n_items)
        .map(|i| (i as u32, &inv[inv_offsets[i]..inv_offsets[i + 1]]))
        .filter(|(_, t)| t.len() as u64 >= min_count)
        .collect();
    roots.sort_by_key(|&(i, t)| (t.len(), i));
    let partners = if max_len > 1 {
        frequent_partners(baskets, &roots, min_count)
    } else {
        FxHashMap::default()
    };
    let mut miner = Miner {
        min_count,
        max_len,
        max_itemsets: options.max_itemsets,
        prefix: Vec::new(),
        found: Vec::new(),
        partners,
    };
    // Dense data (each frequent item in more than 1 of 64 baskets on
    // average) intersects bitsets, sparse data sorted lists.
    let mean = roots.iter().map(|(_, t)| t.len()).sum::<usize>() / roots.len().max(1);
    if dense.unwrap_or(mean * 64 > baskets.len()) {
        let words = baskets.len().div_ceil(64);
        let roots: Vec<(u32, Bitset)> = roots
            .iter()
            .map(|&(i, t)| (i, Bitset::from_sorted(t, words)))
            .collect();
        miner.level_one(&roots)?;
    } else {
        let roots: Vec<(u32, Vec<u32>)> = roots.iter().map(|&(i, t)| (i, t.to_vec())).collect();
        miner.level_one(&roots)?;
    }
    let mut found = miner.found;
    found.sort_unstable_by(|(x, cx), (y, cy)| {
        x.len()
            .cmp(&y.len())
            .then(cy.cmp(cx))
            .then_with(|| x.cmp(y))
    });
    let rules = rules(&found, n, options.min_confidence);
    let itemsets = found
        .into_iter()
        .map(|(items, count)| Itemset {
            items,
            count,
            support: count as f64 / n as f64,
        })
        .collect();
    Ok(Itemsets {
        baskets: n,
        min_count,
        itemsets,
        rules,
    })
}

struct Miner {
    min_count: u64,
    max_len: usize,
    max_itemsets: usize,
    prefix: Vec<u32>,
    found: Vec<(Vec<u32>, u64)>,
    /// Per item, its partners in frequent pairs, ascending.
    partners: FxHashMap<u32, Vec<u32>>,
}

impl Miner {
    /// Level 1, then level 2 only for the frequent pairs found by counting.
    fn level_one<T: Tids>(&mut self, roots: &[(u32, T)]) -> Result<()> {
        for (k, (item, tids)) in roots.iter().enumerate() {
            self.prefix.push(*item);
            self.report(tids.count())?;
            if self.max_len > 1 {
                let next: Vec<(u32, T)> = roots[k + 1..]
                    .iter()
                    .filter(|(other, _)| self.is_frequent_pair(*item, *other))
                    .map(|(other, other_tids)| (*other, tids.and(other_tids)))
                    .collect();
                self.extend(&next)?;
            }
            self.prefix.pop();
        }
        Ok(())
    }

    fn is_frequent_pair(&self, a: u32, b: u32) -> bool {
        self.partners
            .get(&a)
            .is_some_and(|p| p.binary_search(&b).is_ok())
    }

    /// Records the prefix as a frequent itemset.
    fn report(&mut self, count: u64) -> Result<()> {
        let mut set = self.prefix.clone();
        set.sort_unstable();
        self.found.push((set, count));
        if self.found.len() > self.max_itemsets {
            return Err(Error::options(format!(
                "more than {} frequent itemsets: raise the minimum support or set a maximum length",
                self.max_itemsets
            )));
        }
        Ok(())
    }

    /// Reports `prefix ∪ {i}` for every member of the class (each already
    /// known to be frequent) and recurses into the class of each member's
    /// extensions. Only members whose pair with the new item is frequent can
    /// extend it (every subset of a frequent itemset is frequent).
    fn extend<T: Tids>(&mut self, class: &[(u32, T)]) -> Result<()> {
        for (k, (item, tids)) in class.iter().enumerate() {
            self.prefix.push(*item);
            self.report(tids.count())?;
            if self.prefix.len() < self.max_len {
                let next: Vec<(u32, T)> = class[k + 1..]
                    .iter()
                    .filter(|(other, _)| self.is_frequent_pair(*item, *other))
                    .filter_map(|(other, other_tids)| {
                        let both = tids.and(other_tids);
                        (both.count() >= self.min_count).then_some((*other, both))
                    })
                    .collect();
                if !next.is_empty() {
                    self.extend(&next)?;
                }
            }
            self.prefix.pop();
        }
        Ok(())
    }
}

/// The frequent pairs among the frequent items, counted as in
/// [`count_pairs`](super::pairs::count_pairs) over the baskets cut down to
/// their frequent items, each pair once: `Σ k²/2` work over those baskets
/// instead of one list intersection per pair of frequent items.
fn frequent_partners(
    baskets: &Baskets,
    roots: &[(u32, &[u32])],
    min_count: u64,
) -> FxHashMap<u32, Vec<u32>> {
    let mut frequent = vec![false; baskets.n_items];
    for &(i, _) in roots {
        frequent[i as usize] = true;
    }
    let mut offsets = Vec::with_capacity(baskets.len() + 1);
    offsets.push(0);
    let mut items = Vec::new();
    for b in 0..baskets.len() {
        items.extend(baskets.basket(b).iter().filter(|&&i| frequent[i as usize]));
        offsets.push(items.len());
    }
    let mut counter = vec![0u32; baskets.n_items];
    let mut touched = Vec::new();
    let mut partners: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for &(a, tids) in roots {
        for &b in tids {
            let basket = &items[offsets[b as usize]..offsets[b as usize + 1]];
            // Items are ascending: count only the partners above `a`.
            let above = basket.partition_point(|&x| x <= a);
            for &x in &basket[above..] {
                if counter[x as usize] == 0 {
                    touched.push(x);
                }
                counter[x as usize] += 1;
            }
        }
        for x in touched.drain(..) {
            if u64::from(std::mem::take(&mut counter[x as usize])) >= min_count {
                partners.entry(a).or_default().push(x);
                partners.entry(x).or_default().push(a);
            }
        }
    }
    for list in partners.values_mut() {
        list.sort_unstable();
    }
    partners
}

/// The baskets holding an itemset.
trait Tids: Sized {
    /// The baskets holding both.
    fn and(&self, other: &Self) -> Self;
    /// How many baskets.
    fn count(&self) -> u64;
}

impl Tids for Vec<u32> {
    fn and(&self, other: &Self) -> Self {
        intersect(self, other)
    }

    fn count(&self) -> u64 {
        self.len() as u64
    }
}

/// One bit per basket, with the number of bits set.
struct Bitset {
    words: Vec<u64>,
    count: u64,
}

impl Bitset {
    fn from_sorted(baskets: &[u32], words: usize) -> Bitset {
        let mut w = vec![0u64; words];
        for &b in baskets {
            w[b as usize / 64] |= 1 << (b % 64);
        }
        Bitset {
            words: w,
            count: baskets.len() as u64,
        }
    }
}

impl Tids for Bitset {
    fn and(&self, other: &Self) -> Self {
        let words: Vec<u64> = self
            .words
            .iter()
            .zip(&other.words)
            .map(|(a, b)| a & b)
            .collect();
        let count = words.iter().map(|w| u64::from(w.count_ones())).sum();
        Bitset { words, count }
    }

    fn count(&self) -> u64 {
        self.count
    }
}

/// The common elements of two ascending lists.
fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

fn rules(found: &[(Vec<u32>, u64)], n: u64, min_confidence: f64) -> Vec<Rule> {
    let counts: FxHashMap<&[u32], u64> = found.iter().map(|(s, c)| (&s[..], *c)).collect();
    let mut rules = Vec::new();
    let mut antecedent = Vec::new();
    for (set, count) in found.iter().filter(|(s, _)| s.len() >= 2) {
        for (j, &consequent) in set.iter().enumerate() {
            antecedent.clear();
            antecedent.extend(
                set.iter()
                    .enumerate()
                    .filter(|&(k, _)| k != j)
                    .map(|(_, &x)| x),
            );
            // Every subset of a frequent itemset is frequent, so both are found.
            let (Some(&n_a), Some(&n_c)) =
                (counts.get(&antecedent[..]), counts.get(&[consequent][..]))
            else {
                continue;
            };
            let metrics = RuleMetrics::new(*count, n_a, n_c, n);
            if metrics.confidence >= min_confidence {
                rules.push(Rule {
                    antecedent: antecedent.clone(),
                    consequent,
                    metrics,
                });
            }
        }
    }
    rules.sort_by(|x, y| {
        y.metrics
            .confidence
            .total_cmp(&x.metrics.confidence)
            .then(y.metrics.lift.total_cmp(&x.metrics.lift))
            .then(y.metrics.count.cmp(&x.metrics.count))
            .then_with(|| x.antecedent.cmp(&y.antecedent))
            .then(x.consequent.cmp(&y.consequent))
    });
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_bitsets_find_the_same_itemsets() {
        // 70 baskets, so bitsets span two words.
        let mut b = Baskets {
            n_items: 6,
            offsets: vec![0],
            ..Baskets::default()
        };
        for k in 0..70u32 {
            let basket: Vec<u32> = (0..6).filter(|i| (k * 7 + i * 3) % (i + 2) != 0).collect();
            b.items.extend(&basket);
            b.offsets.push(b.items.len());
            b.customer.push(crate::transactions::NONE);
            b.day.push(0);
        }
        let options = ItemsetOptions {
            min_support: 0.05,
            min_confidence: 0.0,
            ..ItemsetOptions::default()
        };
        let lists = mine_as(&b, &options, Some(false)).unwrap();
        let bits = mine_as(&b, &options, Some(true)).unwrap();
        assert!(lists.itemsets.iter().any(|s| s.items.len() >= 4));
        assert_eq!(lists, bits);
    }
}
