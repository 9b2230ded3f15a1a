//! Properties of pair measures and itemsets on random small baskets, checked
//! against brute-force counts.

use ltvlab::ingest::Dataset;
use ltvlab::recommend::{ItemsetOptions, RecommendOptions, Recommender};
use ltvlab::transactions::{Line, LineKind, TransactionsBuilder};
use proptest::prelude::*;

const ITEMS: u32 = 8;

fn dataset(baskets: &[Vec<u32>]) -> Dataset {
    let mut b = TransactionsBuilder::new();
    for (k, items) in baskets.iter().enumerate() {
        let order = format!("o{k}");
        for i in items {
            let item = format!("i{i}");
            b.push(&Line {
                customer: None,
                order: &order,
                day: 0,
                amount: 1.0,
                item: Some(&item),
                item_name: None,
                kind: LineKind::Sale,
                nps: None,
                group: None,
                subscription: None,
            });
        }
    }
    Dataset::Baskets(b.finish())
}

fn baskets() -> impl Strategy<Value = Vec<Vec<u32>>> {
    // Repeated items inside a basket are allowed: they must count once.
    prop::collection::vec(prop::collection::vec(0..ITEMS, 1..7), 1..40)
}

/// Baskets holding every item of `set` (by name).
fn brute_count(baskets: &[Vec<u32>], set: &[u32]) -> u64 {
    baskets
        .iter()
        .filter(|b| set.iter().all(|i| b.contains(i)))
        .count() as u64
}

fn everything() -> RecommendOptions {
    RecommendOptions {
        max_basket: None,
        min_count: 1,
        neighbours: 64,
        max_rules: None,
        ..RecommendOptions::default()
    }
}

proptest! {
    #[test]
    fn pair_measures_are_consistent(baskets in baskets()) {
        let data = dataset(&baskets);
        let rec = Recommender::new(&data, &everything()).unwrap();
        let t = rec.transactions();
        let id = |i: u32| t.items().name(i)[1..].parse::<u32>().unwrap();
        let n = baskets.len() as u64;
        for r in rec.rules() {
            let m = &r.metrics;
            let (a, c) = (id(r.antecedent), id(r.consequent));
            prop_assert_eq!(m.count, brute_count(&baskets, &[a, c]));
            prop_assert_eq!(rec.item_count(r.antecedent), brute_count(&baskets, &[a]));
            let back = rec.bought_together(r.consequent).iter().find(|x| x.consequent == r.antecedent);
            let back = back.expect("every rule has its reverse").metrics;
            prop_assert_eq!(back.count, m.count);
            prop_assert!((back.lift - m.lift).abs() <= 1e-12 * m.lift);
            prop_assert!((back.jaccard - m.jaccard).abs() <= 1e-15);
            prop_assert!(m.support > 0.0 && m.support <= 1.0);
            prop_assert!(m.confidence > 0.0 && m.confidence <= 1.0);
            prop_assert!(m.support <= m.confidence);
            prop_assert!(m.lift > 0.0);
            prop_assert!((-0.25..=0.25).contains(&m.leverage));
            prop_assert!(m.jaccard <= m.confidence.min(back.confidence) + 1e-15);
            prop_assert!(m.jaccard <= m.cosine + 1e-15 && m.cosine <= 1.0 + 1e-15);
            prop_assert_eq!(m.conviction.is_none(), m.count == rec.item_count(r.antecedent));
            if let Some(c) = m.conviction {
                prop_assert!(c > 0.0 && c.is_finite());
            }
            // Lift above 1 exactly when leverage is positive.
            prop_assert_eq!(m.lift > 1.0 + 1e-12, m.leverage > 1e-15);
            prop_assert!(m.count <= n);
        }
        // Every co-occurring pair is reported.
        let mut pairs = 0;
        for a in 0..ITEMS {
            for c in 0..ITEMS {
                if a != c && brute_count(&baskets, &[a, c]) > 0 {
                    pairs += 1;
                }
            }
        }
        prop_assert_eq!(rec.rules().len(), pairs);
    }

    #[test]
    fn itemsets_equal_brute_force(baskets in baskets(), min_count in 1u64..5) {
        let data = dataset(&baskets);
        let rec = Recommender::new(&data, &everything()).unwrap();
        let t = rec.transactions();
        let n = baskets.len() as f64;
        let min_support = (min_count as f64 / n).min(1.0);
        let sets = rec.itemsets(&ItemsetOptions { min_support, min_confidence: 0.0, ..ItemsetOptions::default() }).unwrap();
        let mut ours: Vec<(Vec<u32>, u64)> = sets.itemsets.iter().map(|s| {
            let mut ids: Vec<u32> = s.items.iter().map(|&i| t.items().name(i)[1..].parse().unwrap()).collect();
            ids.sort_unstable();
            (ids, s.count)
        }).collect();
        ours.sort();
        let mut brute = Vec::new();
        for mask in 1u32..(1 << ITEMS) {
            let set: Vec<u32> = (0..ITEMS).filter(|i| mask & (1 << i) != 0).collect();
            let c = brute_count(&baskets, &set);
            if c > 0 && c as f64 / n >= min_support {
                brute.push((set, c));
            }
        }
        brute.sort();
        prop_assert_eq!(ours, brute);
        for r in &sets.rules {
            prop_assert!(r.antecedent.len() + 1 >= 2);
            prop_assert!(!r.antecedent.contains(&r.consequent));
            prop_assert!(r.metrics.confidence <= 1.0 && r.metrics.lift > 0.0);
        }
    }

    #[test]
    fn the_cap_bounds_every_basket(baskets in baskets(), cap in 1usize..5) {
        let data = dataset(&baskets);
        let options = RecommendOptions { max_basket: Some(cap), ..everything() };
        let rec = Recommender::new(&data, &options).unwrap();
        let s = rec.stats();
        prop_assert!(s.largest_basket as usize <= cap);
        let big = baskets.iter().filter(|b| {
            let mut d = (*b).clone();
            d.sort_unstable();
            d.dedup();
            d.len() > cap
        }).count() as u64;
        prop_assert_eq!(s.capped_baskets, big);
        for r in rec.rules() {
            prop_assert!(r.metrics.count <= rec.item_count(r.antecedent).min(rec.item_count(r.consequent)));
        }
    }
}
