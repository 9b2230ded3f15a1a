//! Properties of pair measures and itemsets on random small baskets, checked
//! against brute-force counts; and of the report's next baskets and due-soon
//! lists on random small order files.

use ltvlab::ingest::Dataset;
use ltvlab::recommend::{
    IntervalSource, ItemsetOptions, RecommendOptions, Recommender, MIN_ITEM_INTERVAL_CUSTOMERS,
};
use ltvlab::report::{recommendations, ListOptions, NextBasketMethod, Why};
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

/// Orders of a few customers on a few days: (customer, day, items).
type Orders = Vec<(u32, i32, Vec<u32>)>;

fn orders() -> impl Strategy<Value = Orders> {
    prop::collection::vec(
        (0u32..6, 0i32..120, prop::collection::vec(0..ITEMS, 1..5)),
        1..40,
    )
}

fn order_dataset(orders: &Orders) -> Dataset {
    let mut b = TransactionsBuilder::new();
    for (k, (customer, day, items)) in orders.iter().enumerate() {
        let (order, customer) = (format!("o{k}"), format!("c{customer}"));
        for i in items {
            let item = format!("i{i}");
            b.push(&Line {
                customer: Some(&customer),
                order: &order,
                day: *day,
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
    Dataset::Transactions(b.finish())
}

fn iso_days(from: &str, to: &str) -> i64 {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    (day(to) - day(from)).num_days()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The report's next baskets and due-soon list on any small order file:
    /// lists of distinct items, full up to `k` while the shop has items, each
    /// repeat bought before and each new item not; due rows in their window
    /// with due = last + interval, nearest the last order day first, at most
    /// the limit.
    #[test]
    fn next_baskets_and_due_soon_lists_hold_their_rules(orders in orders(), k in 1usize..6, limit in 1usize..8) {
        let data = order_dataset(&orders);
        let t = match &data {
            Dataset::Transactions(t) => t,
            _ => unreachable!(),
        };
        let ids: Vec<&str> = (0..t.customers().len() as u32).map(|c| t.customers().name(c)).collect();
        let options = ListOptions { k, due_soon: limit, ..ListOptions::default() };
        let mut notes = Vec::new();
        let r = recommendations(&data, &ids, &options, &mut notes, &mut |_| {}).unwrap();
        let shop_items = orders.iter().flat_map(|o| o.2.iter()).collect::<std::collections::BTreeSet<_>>().len();
        prop_assert_eq!(r.customers.len(), ids.len());
        prop_assert_eq!(r.next_basket_method, NextBasketMethod::chosen_by(r.next_basket_evaluation.as_ref()));
        for c in &r.customers {
            let list = &c.next_basket;
            prop_assert_eq!(list.len(), k.min(shop_items), "{}", c.customer_id);
            let mut items: Vec<&str> = list.iter().map(|x| x.item.id.as_str()).collect();
            items.sort_unstable();
            items.dedup();
            prop_assert_eq!(items.len(), list.len());
            let n: u32 = c.customer_id[1..].parse().unwrap();
            let bought = |item: &str| {
                let i: u32 = item[1..].parse().unwrap();
                orders.iter().any(|o| o.0 == n && o.2.contains(&i))
            };
            for x in list {
                match x.reason {
                    Why::BuyAgain { .. } => prop_assert!(bought(&x.item.id)),
                    Why::Neighbours { .. } => prop_assert!(!bought(&x.item.id)),
                    Why::Popular { .. } => {}
                    Why::BoughtWith { .. } => prop_assert!(false, "a pair reason in a next basket"),
                }
            }
        }
        let due = r.due_soon.unwrap();
        prop_assert!(due.rows.len() as u64 == due.total.min(limit as u64));
        for row in &due.rows {
            prop_assert_eq!(iso_days(&row.last_date, &row.due_date), row.interval_days.round() as i64);
            let ahead = iso_days(&due.as_of, &row.due_date);
            prop_assert!(ahead <= i64::from(due.within_days));
            prop_assert!(-ahead as f64 <= row.interval_days);
            prop_assert!(row.interval_from == IntervalSource::Item || row.purchase_days >= 2);
            // One customer's own habit, or an item's interval from at least
            // MIN_ITEM_INTERVAL_CUSTOMERS customers who bought it twice.
            let enough = match row.interval_from {
                IntervalSource::Own => row.interval_customers == 1,
                IntervalSource::Item => row.interval_customers >= MIN_ITEM_INTERVAL_CUSTOMERS,
            };
            prop_assert!(enough, "{:?}", row);
        }
        // Nearest `as_of` first either way, then the earlier date.
        for w in due.rows.windows(2) {
            let key = |date: &str| (iso_days(&due.as_of, date).abs(), date.to_string());
            prop_assert!(key(&w[0].due_date) <= key(&w[1].due_date), "{:?}", w);
        }
    }
}
