//! Orders far above the shop's usual order: a company's bulk order of
//! お歳暮 or お中元 gifts, a wholesale buyer, a 法人 order among private
//! customers. A few such orders can hold a third of a small shop's revenue,
//! and then the average order value, the LTVs, the top decile's share and
//! the 12-month forecast lean on one or two customers; a customer who bought
//! in bulk twice is forecast as a repeat buyer of bulk orders. The report says
//! so ([`super::NoteCode::LargeOrders`]) with the share of revenue and, after
//! the models phase, the share of the predicted value (the summed CLV over
//! the forecast's horizon) those customers hold.
//!
//! An order is large when its net value is at least [`LARGE_ORDER_MULTIPLE`]
//! times the median order's; the orders are reported when together they
//! make at least [`MIN_LARGE_SHARE`] of the revenue ([`crate::large_orders`],
//! the rule ingest's option to leave them out follows too).

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::cohorts::{cohorts_of, CohortPeriod, Histories};
pub use crate::large_orders::{LARGE_ORDER_MULTIPLE, MIN_LARGE_SHARE};
use crate::predict::Predictions;
use crate::summary::Summary;
use crate::transactions::{Transactions, NONE};

/// At most this many customers are named, the largest first.
pub const MAX_NAMED_CUSTOMERS: usize = 5;

/// The orders of [`LARGE_ORDER_MULTIPLE`] times the median order or more,
/// when they make [`MIN_LARGE_SHARE`] of the revenue or more.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LargeOrders {
    /// The large orders, guests' included.
    pub orders: u64,
    /// Customers with a large order (guests not counted).
    pub customers: u64,
    /// The median purchase order's net value.
    pub median_order: f64,
    /// [`LARGE_ORDER_MULTIPLE`]: an order of this many times the median or
    /// more is large.
    pub multiple: f64,
    /// The large orders' net value.
    pub revenue: f64,
    /// Their share of all purchase orders' net value.
    pub revenue_share: f64,
    /// The share of the predicted value (the predictions' summed CLV) held
    /// by the customers with a large order; `None` until the models phase,
    /// and without predictions.
    pub clv_share: Option<f64>,
    /// The customers with the most value in large orders, at most
    /// [`MAX_NAMED_CUSTOMERS`], the largest first.
    pub named: Vec<LargeCustomer>,
    /// The acquisition cohorts (labels of the cohort report's) that hold a
    /// customer with a large order: their revenue per customer leans on it.
    /// Empty until [`super::describe`] adds them, and without cohorts.
    pub cohorts: Vec<String>,
    /// Every customer with a large order, for [`with_forecast`].
    #[serde(skip)]
    customer_ids: Vec<String>,
    /// The same customers' indices in the store, for [`in_cohorts`].
    #[serde(skip)]
    customer_index: Vec<u32>,
}

/// One customer with large orders.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LargeCustomer {
    /// The customer id as in the file.
    pub customer_id: String,
    /// Their large orders.
    pub orders: u32,
    /// Those orders' net value.
    pub value: f64,
    /// Their CLV over the forecast's horizon; `None` until the models phase, and without
    /// predictions.
    pub clv: Option<f64>,
}

/// The large orders of `t`, when they make enough of the revenue to report:
/// [`crate::large_orders::find`]'s rule, with the customers named.
pub fn large_orders(t: &Transactions) -> Option<LargeOrders> {
    let set = crate::large_orders::find(t)?;
    let mut by_customer: FxHashMap<u32, (u32, f64)> = FxHashMap::default();
    for (o, _) in set.large.iter().enumerate().filter(|(_, &l)| l) {
        if set.customer[o] != NONE {
            let entry = by_customer.entry(set.customer[o]).or_default();
            entry.0 += 1;
            entry.1 += set.value[o];
        }
    }
    let mut customer_index: Vec<u32> = by_customer.keys().copied().collect();
    customer_index.sort_unstable();
    let customer_ids = customer_index
        .iter()
        .map(|&c| t.customers().name(c).to_owned())
        .collect();
    let mut named: Vec<LargeCustomer> = by_customer
        .iter()
        .map(|(&c, &(orders, value))| LargeCustomer {
            customer_id: t.customers().name(c).to_owned(),
            orders,
            value,
            clv: None,
        })
        .collect();
    // The largest first; ties by id, so that the list does not depend on
    // the hash map's order.
    named.sort_by(|a, b| {
        b.value
            .total_cmp(&a.value)
            .then_with(|| a.customer_id.cmp(&b.customer_id))
    });
    named.truncate(MAX_NAMED_CUSTOMERS);
    Some(LargeOrders {
        orders: set.orders,
        customers: by_customer.len() as u64,
        median_order: set.median,
        multiple: LARGE_ORDER_MULTIPLE,
        revenue: set.revenue,
        revenue_share: set.share,
        clv_share: None,
        named,
        cohorts: Vec::new(),
        customer_ids,
        customer_index,
    })
}

/// `large` with the acquisition cohorts that hold its customers
/// ([`crate::cohorts::cohorts_of`], by `period`, as the cohort report
/// labels them).
pub fn in_cohorts(
    large: LargeOrders,
    histories: &Histories<'_>,
    period: CohortPeriod,
) -> LargeOrders {
    let cohorts = cohorts_of(histories, period, &large.customer_index);
    LargeOrders { cohorts, ..large }
}

/// `large` with the models phase's figures: each named customer's CLV and
/// the share of the forecast held by every customer with a large order (the
/// predictions' rows in `summary`'s order).
pub fn with_forecast(
    large: LargeOrders,
    summary: &Summary,
    predictions: &Predictions,
) -> LargeOrders {
    let ids: FxHashSet<&str> = large.customer_ids.iter().map(String::as_str).collect();
    let mut held = 0.0;
    let mut total = 0.0;
    let mut clv_of: FxHashMap<&str, f64> = FxHashMap::default();
    for (c, p) in summary.customers.iter().zip(&predictions.customers) {
        total += p.clv;
        if ids.contains(c.customer_id.as_str()) {
            held += p.clv;
            clv_of.insert(&c.customer_id, p.clv);
        }
    }
    let named = large
        .named
        .iter()
        .map(|n| LargeCustomer {
            clv: clv_of.get(n.customer_id.as_str()).copied(),
            ..n.clone()
        })
        .collect();
    LargeOrders {
        clv_share: (total > 0.0).then(|| held / total),
        named,
        ..large
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest, Dataset, IngestOptions};

    /// A shop of `usual` orders of 3,000 by customers `c0`, `c1`, … (a few
    /// days apart), then the extra lines `(customer, order, amount)` (an
    /// empty customer is a guest).
    fn shop(usual: usize, extra: &[(&str, &str, f64)]) -> Transactions {
        let mut csv = String::from("order_id,customer_id,order_date,amount\n");
        for i in 0..usual {
            let day = 1 + i % 28;
            csv += &format!("u{i},c{},2024-03-{day:02},3000\n", i % 37);
        }
        for (customer, order, amount) in extra {
            csv += &format!("{order},{customer},2024-04-02,{amount}\n");
        }
        match ingest(csv.as_bytes(), &IngestOptions::default()).map(|i| i.data) {
            Ok(Dataset::Transactions(t)) => t,
            Ok(_) => panic!("not an order file"),
            Err(err) => panic!("{err}"),
        }
    }

    /// Tolerance of a share worked out by hand.
    const SHARE_TOL: f64 = 1e-12;

    /// (what, usual orders, extra lines, expected (orders, customers,
    /// revenue share) or none). The median of `usual` 3,000 orders and a
    /// few more is 3,000; the shares are the large orders' value over all
    /// purchase orders' value, worked out by hand.
    #[test]
    fn reports_large_orders_that_carry_revenue() {
        type Case<'a> = (
            &'a str,
            usize,
            &'a [(&'a str, &'a str, f64)],
            Option<(u64, u64, f64)>,
        );
        let cases: &[Case<'_>] = &[
            (
                "one company order",
                40,
                &[("corp", "b1", 100_000.0)],
                Some((1, 1, 100_000.0 / 220_000.0)),
            ),
            (
                "exactly 20 times",
                40,
                &[("corp", "b1", 60_000.0)],
                Some((1, 1, 60_000.0 / 180_000.0)),
            ),
            ("just under 20 times", 40, &[("corp", "b1", 59_999.0)], None),
            (
                "two orders of one customer and a guest's",
                40,
                &[
                    ("corp", "b1", 70_000.0),
                    ("corp", "b2", 80_000.0),
                    ("", "b3", 90_000.0),
                ],
                Some((3, 1, 240_000.0 / 360_000.0)),
            ),
            // 60,000 of 3,060,000 is 1.96%: under the 5% that moves the averages.
            (
                "a small share of a large shop",
                1000,
                &[("corp", "b1", 60_000.0)],
                None,
            ),
            // The order's return nets it to zero: not a purchase at all.
            (
                "returned in full",
                40,
                &[("corp", "b1", 100_000.0), ("corp", "b1", -100_000.0)],
                None,
            ),
            ("no orders beyond the usual", 40, &[], None),
        ];
        for &(what, usual, extra, expected) in cases {
            let got = large_orders(&shop(usual, extra));
            match (got, expected) {
                (None, None) => {}
                (Some(g), Some((orders, customers, share))) => {
                    assert_eq!((g.orders, g.customers), (orders, customers), "{what}");
                    assert!(
                        (g.revenue_share - share).abs() < SHARE_TOL,
                        "{what}: share {}",
                        g.revenue_share
                    );
                    assert_eq!(g.median_order, 3000.0, "{what}");
                    assert_eq!(g.clv_share, None, "{what}");
                }
                (got, expected) => panic!("{what}: got {got:?}, expected {expected:?}"),
            }
        }
    }

    /// The cohorts that hold a customer with a large order: a company new in
    /// April, a customer of March's who later ordered in bulk; a guest's
    /// large order is in no cohort.
    #[test]
    fn names_the_cohorts_of_the_customers_with_large_orders() {
        let t = shop(
            40,
            &[
                ("corp", "b1", 100_000.0),
                ("c1", "b2", 90_000.0),
                ("", "b3", 80_000.0),
            ],
        );
        let large = large_orders(&t).unwrap();
        assert_eq!((large.orders, large.customers), (3, 2));
        assert!(large.cohorts.is_empty(), "added by describe");
        let h = Histories::new(&t).unwrap();
        let month = in_cohorts(large.clone(), &h, CohortPeriod::Month);
        assert_eq!(month.cohorts, ["2024-03", "2024-04"]);
        // By week: c1's first order, 2024-03-02 (shop(): customer i % 37
        // orders on day 1 + i % 28), is in the week of Monday 2024-02-26;
        // corp's, 2024-04-02, in the week of Monday 2024-04-01.
        let week = in_cohorts(large, &h, CohortPeriod::Week);
        assert_eq!(week.cohorts, ["2024-02-26", "2024-04-01"]);
    }

    #[test]
    fn names_the_largest_customers_first() {
        let extra: Vec<(String, String, f64)> = (0..7)
            .map(|i| {
                (
                    format!("corp{i}"),
                    format!("b{i}"),
                    60_000.0 + 1_000.0 * f64::from(i),
                )
            })
            .collect();
        let extra: Vec<(&str, &str, f64)> = extra
            .iter()
            .map(|(c, o, a)| (c.as_str(), o.as_str(), *a))
            .collect();
        let large = large_orders(&shop(40, &extra)).unwrap();
        assert_eq!(large.customers, 7);
        let named: Vec<&str> = large.named.iter().map(|n| n.customer_id.as_str()).collect();
        assert_eq!(named, ["corp6", "corp5", "corp4", "corp3", "corp2"]);
        assert_eq!(large.named[0].value, 66_000.0);
    }
}
