//! The groups by channel and by first product on random small shops: every
//! customer is counted once, so each breakdown's rows add up to the shop's
//! total (customers, repeat customers, purchases, F2 counts, revenue and the
//! model values), whatever is pooled as "other" or has no value.

use ltvlab::cohorts::Histories;
use ltvlab::customers::CustomerValue;
use ltvlab::groups::{groups, GroupKind, GroupOptions, GroupReport, GroupRow};
use ltvlab::ingest::{ingest, Dataset, IngestOptions};
use ltvlab::summary::{summarize, Period, SummaryOptions};
use proptest::prelude::*;

/// Relative tolerance for sums of amounts (summed in another order).
const SUM_TOL: f64 = 1e-9;

/// One order: (month 1–12, day 1–28, channel 0–3 or none, lines as
/// (item 0–5 or none, amount)).
type Order = (u32, u32, Option<u8>, Vec<(Option<u8>, u32)>);

fn order() -> impl Strategy<Value = Order> {
    (
        1u32..=12,
        1u32..=28,
        prop::option::weighted(0.8, 0u8..4),
        prop::collection::vec((prop::option::weighted(0.9, 0u8..6), 1u32..500), 1..4),
    )
}

/// Customers, each with one to four orders.
fn shop() -> impl Strategy<Value = Vec<Vec<Order>>> {
    prop::collection::vec(prop::collection::vec(order(), 1..5), 1..30)
}

fn csv(shop: &[Vec<Order>]) -> String {
    let mut csv = String::from("order_id,customer_id,order_date,amount,item_id,channel\n");
    for (c, orders) in shop.iter().enumerate() {
        for (k, (month, day, channel, lines)) in orders.iter().enumerate() {
            let channel = channel.map_or(String::new(), |g| format!("ch{g}"));
            for (item, amount) in lines {
                let item = item.map_or(String::new(), |i| format!("p{i}"));
                csv.push_str(&format!(
                    "o{c}-{k},c{c},2024-{month:02}-{day:02},{amount},{item},{channel}\n"
                ));
            }
        }
    }
    csv
}

fn report(shop: &[Vec<Order>], max_groups: usize) -> GroupReport {
    let mut options = IngestOptions::default();
    options.mapping.insert("group".into(), "channel".into());
    options.mapping.insert("item".into(), "item_id".into());
    let data = ingest(csv(shop).as_bytes(), &options).unwrap().data;
    let Dataset::Transactions(t) = &data else {
        panic!("not an order file")
    };
    let summary = summarize(
        &data,
        &SummaryOptions {
            period: Period::Day,
            observation_end: None,
            calibration_end: None,
        },
    )
    .unwrap();
    // Made-up model values, different for every customer.
    let values = (0..summary.customers.len())
        .map(|i| CustomerValue {
            p_alive: 0.5,
            expected_spend: 0.0,
            expected_purchases: 0.0,
            clv: 1.0 + (i * 7 % 13) as f64,
            value_if_alive: 0.0,
            days_between_orders: 0.0,
        })
        .collect();
    let options = GroupOptions {
        max_groups,
        min_customers: 3,
        ..GroupOptions::default()
    };
    let h = Histories::new(t).unwrap();
    groups(&h, &summary, Some(values), 0.5, &options).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= SUM_TOL * a.abs().max(b.abs()).max(1.0)
}

/// Each row's total, model value times customers.
fn model_sum(rows: &[GroupRow]) -> f64 {
    rows.iter()
        .map(|r| r.model_ltv.unwrap_or(0.0) * r.customers as f64)
        .sum()
}

proptest! {
    #[test]
    fn every_breakdown_adds_up_to_the_shop(shop in shop(), max_groups in 1usize..5) {
        let r = report(&shop, max_groups);
        let total = &r.total;
        // Every customer has a purchase (amounts are positive).
        prop_assert_eq!(total.customers, shop.len() as u64);
        let orders: u64 = shop.iter().map(|o| o.len() as u64).sum();
        prop_assert_eq!(total.orders, orders);
        let revenue: f64 = shop.iter().flatten().flat_map(|o| &o.3).map(|l| f64::from(l.1)).sum();
        prop_assert!(close(total.revenue, revenue), "{} vs {revenue}", total.revenue);
        // The channels are there when some line has one (an empty group
        // column is no group column).
        let any_channel = shop.iter().flatten().any(|o| o.2.is_some());
        prop_assert_eq!(r.by_channel.is_some(), any_channel);
        let breakdowns = [&r.by_channel, &r.by_first_product];
        for b in breakdowns.into_iter().flatten() {
            let rows = &b.groups;
            let sum = |f: fn(&GroupRow) -> u64| rows.iter().map(f).sum::<u64>();
            prop_assert_eq!(sum(|g| g.customers), total.customers);
            prop_assert_eq!(sum(|g| g.repeat_customers), total.repeat_customers);
            prop_assert_eq!(sum(|g| g.orders), total.orders);
            prop_assert_eq!(sum(|g| g.f2_customers), total.f2_customers);
            prop_assert_eq!(sum(|g| g.f2_converted), total.f2_converted);
            let revenue: f64 = rows.iter().map(|g| g.revenue).sum();
            prop_assert!(close(revenue, total.revenue));
            let share: f64 = rows.iter().map(|g| g.share).sum();
            prop_assert!(close(share, 1.0), "shares sum to {share}");
            prop_assert!(close(model_sum(rows), model_sum(std::slice::from_ref(total))));
            // At most max_groups named rows, then other, then missing.
            let named = rows.iter().filter(|g| g.kind == GroupKind::Value).count();
            prop_assert!(named <= max_groups);
            let kinds: Vec<GroupKind> = rows.iter().map(|g| g.kind).collect();
            let mut sorted = kinds.clone();
            sorted.sort_by_key(|k| match k {
                GroupKind::Value => 0,
                GroupKind::Other => 1,
                _ => 2,
            });
            prop_assert_eq!(&kinds, &sorted);
            prop_assert!(rows.iter().all(|g| g.customers > 0));
            // Named rows, largest first.
            let sizes: Vec<u64> = rows.iter().filter(|g| g.kind == GroupKind::Value).map(|g| g.customers).collect();
            prop_assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
        }
    }
}
