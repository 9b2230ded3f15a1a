//! Decile analysis (デシル分析): customers ranked by what they spent and cut
//! into ten groups of (nearly) equal size, to see how much of the revenue the
//! best tenth brings.
//!
//! # Definitions
//!
//! - A customer's **revenue** is the sum of their purchases' net values (as
//!   in [`crate::cohorts`]: floored at 0 per order) up to the observation
//!   end; **orders** their number of purchases. Both come from the same
//!   [`Histories`] as cohorts and segments.
//! - Customers are ranked by revenue, highest first (ties in the order the
//!   customers first appear in the file), and the customer at rank `i`
//!   (0-based) of `n` is in **decile** `1 + ⌊10 i / n⌋`: decile 1 is the top
//!   tenth. Groups differ in size by at most one customer, and customers who
//!   spent the same may fall on both sides of a cut (the usual practice: each
//!   decile holds a tenth of the customers). With fewer than ten customers
//!   some deciles are empty.
//! - Per decile: customers, revenue, orders, their **shares** of the shop's
//!   totals and the **cumulative shares** of deciles 1 to this one
//!   (累積構成比), and the mean, lowest and highest revenue per customer.
//!   A share is 0 when the shop's total is 0.

use serde::Serialize;

use crate::cohorts::Histories;

/// The number of groups.
pub const DECILES: usize = 10;

/// The ten spend groups of a shop's customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecileReport {
    /// Customers with a purchase.
    pub customers: u64,
    /// Their revenue.
    pub revenue: f64,
    /// Their purchases.
    pub orders: u64,
    /// Deciles 1 (the highest spenders) to 10.
    pub deciles: Vec<Decile>,
}

/// One tenth of the customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decile {
    /// 1 (the highest spenders) to 10.
    pub decile: u32,
    /// Customers in the decile.
    pub customers: u64,
    /// Their revenue.
    pub revenue: f64,
    /// Their purchases.
    pub orders: u64,
    /// Revenue per customer; `None` for an empty decile.
    pub mean_revenue: Option<f64>,
    /// The lowest revenue of a customer in the decile; `None` if empty.
    pub min_revenue: Option<f64>,
    /// The highest revenue of a customer in the decile; `None` if empty.
    pub max_revenue: Option<f64>,
    /// Share of the shop's customers.
    pub customer_share: f64,
    /// Share of the shop's revenue (売上構成比).
    pub revenue_share: f64,
    /// Share of the shop's orders.
    pub order_share: f64,
    /// Share of the customers in deciles 1 to this one.
    pub cumulative_customer_share: f64,
    /// Share of the revenue of deciles 1 to this one (累積売上構成比).
    pub cumulative_revenue_share: f64,
    /// Share of the orders of deciles 1 to this one.
    pub cumulative_order_share: f64,
}

/// The deciles of `histories`, as in the module doc.
pub fn deciles(histories: &Histories<'_>) -> DecileReport {
    // (revenue, orders) per customer, in the order customers first appear.
    let mut spend: Vec<(f64, u64)> = histories
        .iter()
        .map(|(_, orders)| (orders.iter().map(|o| o.amount).sum(), orders.len() as u64))
        .collect();
    // A stable sort keeps ties in the order of first appearance.
    spend.sort_by(|a, b| b.0.total_cmp(&a.0));
    let n = spend.len();
    let total_revenue: f64 = spend.iter().map(|s| s.0).sum();
    let total_orders: u64 = spend.iter().map(|s| s.1).sum();
    let share = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 0.0 };
    let mut groups = vec![Vec::new(); DECILES];
    for (rank, s) in spend.iter().enumerate() {
        groups[rank * DECILES / n.max(1)].push(*s);
    }
    let (mut cum_customers, mut cum_revenue, mut cum_orders) = (0u64, 0.0, 0u64);
    let deciles = groups
        .iter()
        .enumerate()
        .map(|(d, group)| {
            let customers = group.len() as u64;
            // `+ 0.0`: the sum of an empty decile is −0.0 in Rust, which
            // the JSON, the CSV and the page would show as −0.
            let revenue: f64 = group.iter().map(|s| s.0).sum::<f64>() + 0.0;
            let orders: u64 = group.iter().map(|s| s.1).sum();
            cum_customers += customers;
            cum_revenue += revenue;
            cum_orders += orders;
            Decile {
                decile: d as u32 + 1,
                customers,
                revenue,
                orders,
                mean_revenue: (customers > 0).then(|| revenue / customers as f64),
                // Ranked highest first: the last is the lowest.
                min_revenue: group.last().map(|s| s.0),
                max_revenue: group.first().map(|s| s.0),
                customer_share: share(customers as f64, n as f64),
                revenue_share: share(revenue, total_revenue),
                order_share: share(orders as f64, total_orders as f64),
                cumulative_customer_share: share(cum_customers as f64, n as f64),
                cumulative_revenue_share: share(cum_revenue, total_revenue),
                cumulative_order_share: share(cum_orders as f64, total_orders as f64),
            }
        })
        .collect();
    DecileReport {
        customers: n as u64,
        revenue: total_revenue,
        orders: total_orders,
        deciles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest, Dataset, IngestOptions};

    /// Absolute tolerance for sums and shares of small round amounts.
    const TOL: f64 = 1e-9;

    /// Twelve customers `c1`…`c12`: `ck` has `k` orders of 100 each for
    /// k = 1 to 11, and c12 one order of 5,000.
    fn report() -> DecileReport {
        let mut csv = String::from("order_id,customer_id,order_date,amount\n");
        for k in 1..=11 {
            for j in 0..k {
                csv.push_str(&format!("o{k}-{j},c{k},2024-01-{:02},100\n", j + 1));
            }
        }
        csv.push_str("o12,c12,2024-02-01,5000\n");
        let Ok(ingested) = ingest(csv.as_bytes(), &IngestOptions::default()) else {
            panic!("the shop does not read")
        };
        let Dataset::Transactions(t) = ingested.data else {
            panic!("not an order file")
        };
        match Histories::new(&t) {
            Ok(h) => deciles(&h),
            Err(err) => panic!("{err}"),
        }
    }

    /// Hand-computed: revenues ranked are c12 5,000, c11 1,100, c10 1,000,
    /// …, c1 100. Ranks i = 0…11 of n = 12 fall in deciles
    /// 1 + ⌊10 i / 12⌋ = 1,1,2,3,4,5,6,6,7,8,9,10.
    #[test]
    fn deciles_split_the_ranked_customers() {
        let r = report();
        // Total: 5,000 + 100 × (1 + … + 11) = 5,000 + 6,600 = 11,600;
        // orders 1 + (1 + … + 11) = 67.
        assert_eq!((r.customers, r.orders), (12, 67));
        assert!((r.revenue - 11_600.0).abs() < TOL, "{}", r.revenue);
        // decile, customers, revenue, orders, cumulative revenue.
        let table: [(u32, u64, f64, u64, f64); 10] = [
            (1, 2, 6_100.0, 12, 6_100.0),  // c12, c11
            (2, 1, 1_000.0, 10, 7_100.0),  // c10
            (3, 1, 900.0, 9, 8_000.0),     // c9
            (4, 1, 800.0, 8, 8_800.0),     // c8
            (5, 1, 700.0, 7, 9_500.0),     // c7
            (6, 2, 1_100.0, 11, 10_600.0), // c6, c5
            (7, 1, 400.0, 4, 11_000.0),    // c4
            (8, 1, 300.0, 3, 11_300.0),    // c3
            (9, 1, 200.0, 2, 11_500.0),    // c2
            (10, 1, 100.0, 1, 11_600.0),   // c1
        ];
        assert_eq!(r.deciles.len(), 10);
        for (d, (decile, customers, revenue, orders, cumulative)) in r.deciles.iter().zip(table) {
            assert_eq!(
                (d.decile, d.customers, d.orders),
                (decile, customers, orders)
            );
            assert!(
                (d.revenue - revenue).abs() < TOL,
                "decile {decile}: {}",
                d.revenue
            );
            assert!(
                (d.revenue_share - revenue / 11_600.0).abs() < TOL,
                "decile {decile}"
            );
            assert!(
                (d.cumulative_revenue_share - cumulative / 11_600.0).abs() < TOL,
                "decile {decile}: {}",
                d.cumulative_revenue_share
            );
        }
        let top = &r.deciles[0];
        // Mean 6,100 / 2; range 1,100 to 5,000; 2 of 12 customers, 12 of
        // 67 orders.
        assert_eq!(top.mean_revenue, Some(3_050.0));
        assert_eq!(
            (top.min_revenue, top.max_revenue),
            (Some(1_100.0), Some(5_000.0))
        );
        assert!((top.customer_share - 2.0 / 12.0).abs() < TOL);
        assert!((top.order_share - 12.0 / 67.0).abs() < TOL);
        // Deciles 1 to 5: 2 + 1 + 1 + 1 + 1 = 6 customers, 12 + 10 + 9 + 8
        // + 7 = 46 orders.
        assert!((r.deciles[4].cumulative_customer_share - 6.0 / 12.0).abs() < TOL);
        assert!((r.deciles[4].cumulative_order_share - 46.0 / 67.0).abs() < TOL);
        assert!((r.deciles[9].cumulative_customer_share - 1.0).abs() < TOL);
    }

    /// Three customers fill deciles 1, 4 and 7 (1 + ⌊10 i / 3⌋); the others
    /// are empty, with a revenue and a share of +0, never −0.
    #[test]
    fn empty_deciles_have_zero_revenue_without_a_sign() {
        let csv = "order_id,customer_id,order_date,amount\n1,a,2024-01-01,300\n\
                   2,b,2024-01-02,200\n3,c,2024-01-03,100\n";
        let Ok(ingested) = ingest(csv.as_bytes(), &IngestOptions::default()) else {
            panic!("the shop does not read")
        };
        let Dataset::Transactions(t) = ingested.data else {
            panic!("not an order file")
        };
        let r = match Histories::new(&t) {
            Ok(h) => deciles(&h),
            Err(err) => panic!("{err}"),
        };
        let filled: Vec<u32> = r
            .deciles
            .iter()
            .filter(|d| d.customers > 0)
            .map(|d| d.decile)
            .collect();
        assert_eq!(filled, [1, 4, 7]);
        for d in r.deciles.iter().filter(|d| d.customers == 0) {
            assert!(d.revenue == 0.0 && d.revenue.is_sign_positive(), "{d:?}");
            assert!(d.revenue_share.is_sign_positive(), "{d:?}");
        }
    }
}
