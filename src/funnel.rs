//! The repeat funnel (F1→F5) and the second-purchase conversion rate
//! (F2転換率), the first numbers a Japanese EC consultant reads.
//!
//! # Definitions
//!
//! A **purchase** is an order as in [`crate::cohorts`] (a sale line, not
//! fully reversed, with a customer id), read from the same [`Histories`] as
//! cohorts and segments.
//!
//! - **F`k`** (k = 1 to 5): the customers with at least `k` purchases. F1 is
//!   every customer; F5 counts those with five or more.
//! - **share** of step `k`: F`k` / F1.
//! - **conversion** from `k` to `k + 1`: F`k+1` / F`k` (none for F5, or when
//!   F`k` is empty). The conversion of step 1, F2 / F1, is the **F2転換率**
//!   (second-purchase conversion rate).
//! - **Within `w` days** (w = 30, 90, 180, 365): only purchases made at most
//!   `w` days after the customer's first purchase count (same-day orders
//!   included), and only customers **observed at least `w` days**, those
//!   whose first purchase is at least `w` days before the observation end,
//!   are in the funnel at all. Recent customers would otherwise lower the
//!   rate only because they have not had the time to come back. The overall
//!   funnel counts every customer and every purchase up to the observation
//!   end, so it mixes customers of every age.
//! - **By acquisition month**: the same funnels for the customers whose first
//!   purchase is in that calendar month.
//! - **Purchase-count distribution** (購入回数分布): the customers with
//!   exactly `k` purchases, k = 1 to [`DISTRIBUTION_MAX`] − 1, and those with
//!   [`DISTRIBUTION_MAX`] or more, each with its share of all customers;
//!   the buckets from `k` on add up to F`k`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cohorts::{Histories, Order};
use crate::days::format_day;

/// The funnel's steps: F1 to F5.
pub const STEPS: usize = 5;

/// The windows after the first purchase, in days.
pub const WINDOW_DAYS: [u32; 4] = [30, 90, 180, 365];

/// The purchase-count distribution's last bucket: this many purchases or more.
pub const DISTRIBUTION_MAX: u32 = 10;

/// The repeat funnel of a shop, overall, within windows after the first
/// purchase, and by acquisition month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelReport {
    /// The observation end (ISO date): the last date of the bulk of the data.
    pub observation_end: String,
    /// Every customer, every purchase to the observation end.
    pub overall: Funnel,
    /// One funnel per window of [`WINDOW_DAYS`].
    pub within: Vec<WindowFunnel>,
    /// The same by acquisition month (`YYYY-MM`), oldest first.
    pub by_month: Vec<MonthFunnel>,
    /// Customers by their number of purchases (購入回数分布): 1 to
    /// [`DISTRIBUTION_MAX`] − 1 exactly, then [`DISTRIBUTION_MAX`] or more.
    pub distribution: Vec<CountBucket>,
}

/// The customers with a number of purchases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountBucket {
    /// The number of purchases (or more, in the last bucket).
    pub orders: u32,
    /// Whether the bucket is `orders` or more.
    pub or_more: bool,
    /// Customers in the bucket.
    pub customers: u64,
    /// Their share of all customers (`None` without customers).
    pub share: Option<f64>,
}

/// A funnel counting only purchases within `days` of the first one, among
/// customers observed at least `days`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowFunnel {
    /// The window, in days after the first purchase.
    pub days: u32,
    /// The funnel.
    pub funnel: Funnel,
}

/// The funnels of the customers acquired in one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthFunnel {
    /// The month of the first purchase, `YYYY-MM`.
    pub month: String,
    /// Every purchase to the observation end.
    pub overall: Funnel,
    /// One funnel per window of [`WINDOW_DAYS`].
    pub within: Vec<WindowFunnel>,
}

/// F1 to F5 with their conversions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Funnel {
    /// The customers counted (F1).
    pub customers: u64,
    /// F2 / F1, the F2転換率; `None` without customers.
    pub f2_rate: Option<f64>,
    /// The steps F1 to F5.
    pub steps: Vec<FunnelStep>,
}

/// One step of a funnel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelStep {
    /// `k`: the step counts customers with at least `k` purchases.
    pub orders: u32,
    /// F`k`.
    pub customers: u64,
    /// F`k` / F1; `None` without customers.
    pub share: Option<f64>,
    /// F`k+1` / F`k`; `None` for F5 or when F`k` is 0.
    pub conversion: Option<f64>,
}

/// The repeat funnel of `histories`, as in the module doc.
pub fn repeat_funnel(histories: &Histories<'_>) -> FunnelReport {
    let end = histories.end_day();
    let mut overall = Tally::default();
    let mut months: BTreeMap<String, Tally> = BTreeMap::new();
    let mut buckets = [0u64; DISTRIBUTION_MAX as usize];
    for (_, orders) in histories.iter() {
        let Some(first) = orders.first() else {
            continue;
        };
        buckets[orders.len().min(DISTRIBUTION_MAX as usize) - 1] += 1;
        let mut month = format_day(first.day);
        month.truncate(7);
        overall.add(orders, end);
        months.entry(month).or_default().add(orders, end);
    }
    FunnelReport {
        observation_end: format_day(end),
        overall: overall.all.funnel(),
        within: overall.windows(),
        by_month: months
            .into_iter()
            .map(|(month, t)| MonthFunnel {
                month,
                overall: t.all.funnel(),
                within: t.windows(),
            })
            .collect(),
        distribution: distribution(&buckets),
    }
}

/// The buckets of [`FunnelReport::distribution`] from their counts.
fn distribution(buckets: &[u64; DISTRIBUTION_MAX as usize]) -> Vec<CountBucket> {
    let total: u64 = buckets.iter().sum();
    (1..=DISTRIBUTION_MAX)
        .zip(buckets)
        .map(|(orders, &customers)| CountBucket {
            orders,
            or_more: orders == DISTRIBUTION_MAX,
            customers,
            share: (total > 0).then(|| customers as f64 / total as f64),
        })
        .collect()
}

/// The purchases of a customer (`orders` in day order, the first is the
/// acquisition) made within `days` of the first one, same-day orders
/// included; `None` when the customer is observed less than `days` to
/// `end` (module doc: such a customer is not in the window's funnel).
pub(crate) fn purchases_within(orders: &[Order], end: i32, days: u32) -> Option<usize> {
    let first = i64::from(orders.first()?.day);
    if i64::from(end) - first < i64::from(days) {
        return None;
    }
    let last = first + i64::from(days);
    Some(orders.iter().filter(|o| i64::from(o.day) <= last).count())
}

/// F1 to F5 counts: `counts[k - 1]` customers with at least `k` purchases.
#[derive(Debug, Clone, Copy, Default)]
struct Counts([u64; STEPS]);

impl Counts {
    fn add(&mut self, purchases: usize) {
        for c in self.0.iter_mut().take(purchases) {
            *c += 1;
        }
    }

    fn funnel(&self) -> Funnel {
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        let f1 = self.0[0];
        let steps: Vec<FunnelStep> = (0..STEPS)
            .map(|k| FunnelStep {
                orders: k as u32 + 1,
                customers: self.0[k],
                share: ratio(self.0[k], f1),
                conversion: self.0.get(k + 1).and_then(|&next| ratio(next, self.0[k])),
            })
            .collect();
        Funnel {
            customers: f1,
            f2_rate: steps[0].conversion,
            steps,
        }
    }
}

/// The counts of one group of customers: overall and per window.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    all: Counts,
    within: [Counts; WINDOW_DAYS.len()],
}

impl Tally {
    /// Adds a customer with `orders` (in day order, the first is the
    /// acquisition), observed to `end`.
    fn add(&mut self, orders: &[Order], end: i32) {
        if orders.is_empty() {
            return;
        }
        self.all.add(orders.len());
        for (counts, &w) in self.within.iter_mut().zip(&WINDOW_DAYS) {
            if let Some(n) = purchases_within(orders, end, w) {
                counts.add(n);
            }
        }
    }

    fn windows(&self) -> Vec<WindowFunnel> {
        WINDOW_DAYS
            .iter()
            .zip(&self.within)
            .map(|(&days, c)| WindowFunnel {
                days,
                funnel: c.funnel(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest, Dataset, IngestOptions};

    /// Absolute tolerance for the rates (ratios of small integers).
    const RATE_TOL: f64 = 1e-12;

    /// The handmade shop: ten customers, observation end 2024-12-31 (the
    /// last order, z's).
    ///
    /// | customer | purchases (2024) | days after the first | acquired |
    /// |---|---|---|---|
    /// | a | 01-01, 01-15, 03-01, 06-01, 12-01 | 0, 14, 60, 152, 335 | 01 |
    /// | b | 01-10, 01-10 (two orders), 08-01 | 0, 0, 204 | 01 |
    /// | c | 01-20 | 0 | 01 |
    /// | d | 02-01, 02-20 | 0, 19 | 02 |
    /// | e | 02-05 | 0 | 02 |
    /// | f | 02-10, 07-01, 07-02, 07-03, 07-04, 07-05 | 0, 142, …, 146 | 02 |
    /// | g | 11-01, 11-10 | 0, 9 | 11 |
    /// | h | 12-01 | 0 | 12 |
    /// | y | 12-20, 12-25 | 0, 5 | 12 |
    /// | z | 12-31 | 0 | 12 |
    fn shop() -> Dataset {
        let rows = [
            ("a", "2024-01-01"),
            ("a", "2024-01-15"),
            ("a", "2024-03-01"),
            ("a", "2024-06-01"),
            ("a", "2024-12-01"),
            ("b", "2024-01-10"),
            ("b", "2024-01-10"),
            ("b", "2024-08-01"),
            ("c", "2024-01-20"),
            ("d", "2024-02-01"),
            ("d", "2024-02-20"),
            ("e", "2024-02-05"),
            ("f", "2024-02-10"),
            ("f", "2024-07-01"),
            ("f", "2024-07-02"),
            ("f", "2024-07-03"),
            ("f", "2024-07-04"),
            ("f", "2024-07-05"),
            ("g", "2024-11-01"),
            ("g", "2024-11-10"),
            ("h", "2024-12-01"),
            ("y", "2024-12-20"),
            ("y", "2024-12-25"),
            ("z", "2024-12-31"),
        ];
        let mut csv = String::from("order_id,customer_id,order_date,amount\n");
        for (i, (c, d)) in rows.iter().enumerate() {
            csv.push_str(&format!("o{i},{c},{d},100\n"));
        }
        match ingest(csv.as_bytes(), &IngestOptions::default()) {
            Ok(i) => i.data,
            Err(err) => panic!("{err}"),
        }
    }

    fn report() -> FunnelReport {
        let Dataset::Transactions(t) = shop() else {
            panic!("not an order file")
        };
        match Histories::new(&t) {
            Ok(h) => repeat_funnel(&h),
            Err(err) => panic!("{err}"),
        }
    }

    fn counts(f: &Funnel) -> Vec<u64> {
        f.steps.iter().map(|s| s.customers).collect()
    }

    /// A row of the rate table: what, funnel, F2 rate, conversions.
    type Case<'a> = (&'a str, &'a Funnel, Option<f64>, [Option<f64>; 5]);

    fn close(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= RATE_TOL,
            (None, None) => true,
            _ => false,
        }
    }

    /// The purchase-count distribution, by hand from [`shop`]'s doc:
    /// purchases a5 b3 c1 d2 e1 f6 g2 h1 y2 z1, so 1: c e h z (4), 2: d g y
    /// (3), 3: b, 5: a, 6: f; shares over 10 customers; and the buckets from
    /// `k` on add up to F`k`.
    #[test]
    fn the_distribution_counts_customers_by_exact_purchases() {
        let r = report();
        let counts: Vec<(u32, u64)> = r
            .distribution
            .iter()
            .map(|b| (b.orders, b.customers))
            .collect();
        assert_eq!(
            counts,
            [
                (1, 4),
                (2, 3),
                (3, 1),
                (4, 0),
                (5, 1),
                (6, 1),
                (7, 0),
                (8, 0),
                (9, 0),
                (10, 0)
            ]
        );
        let last = r.distribution.last().map(|b| b.or_more);
        assert_eq!(last, Some(true));
        assert!(r.distribution[..9].iter().all(|b| !b.or_more));
        assert!(close(r.distribution[0].share, Some(0.4)));
        for (k, step) in r.overall.steps.iter().enumerate() {
            let tail: u64 = r.distribution[k..].iter().map(|b| b.customers).sum();
            assert_eq!(tail, step.customers, "F{}", k + 1);
        }
    }

    /// Counts read off the table in [`shop`]'s doc, by hand.
    #[test]
    fn the_funnels_count_customers_by_purchases() {
        let r = report();
        assert_eq!(r.observation_end, "2024-12-31");
        // Overall: purchases a5 b3 c1 d2 e1 f6 g2 h1 y2 z1.
        // ≥1: 10; ≥2: a b d f g y = 6; ≥3: a b f = 3; ≥4: a f = 2; ≥5: a f = 2.
        let table: [(&str, &Funnel, [u64; 5]); 5] = [
            ("overall", &r.overall, [10, 6, 3, 2, 2]),
            // Observed ≥ 30 days: first purchase on or before 12-01 (a…h);
            // within 30 days: a 2 (01-01, 01-15), b 2, c 1, d 2, e 1, f 1,
            // g 2, h 1.
            ("30 days", &r.within[0].funnel, [8, 4, 0, 0, 0]),
            // Observed ≥ 90 days: first on or before 10-02 (a…f); within
            // 90: a 3, b 2, c 1, d 2, e 1, f 1.
            ("90 days", &r.within[1].funnel, [6, 3, 1, 0, 0]),
            // Observed ≥ 180 days: first on or before 07-04 (a…f); within
            // 180: a 4, b 2 (08-01 is day 204), c 1, d 2, e 1, f 6 (07-05 is
            // day 146).
            ("180 days", &r.within[2].funnel, [6, 4, 2, 2, 1]),
            // Observed ≥ 365 days: first on or before 2024-01-01 (2024 is a
            // leap year: 01-01 to 12-31 is 365 days): a only, with 5.
            ("365 days", &r.within[3].funnel, [1, 1, 1, 1, 1]),
        ];
        for (what, funnel, expected) in table {
            assert_eq!(counts(funnel), expected, "{what}");
        }
        let months: Vec<(&str, Vec<u64>)> = r
            .by_month
            .iter()
            .map(|m| (m.month.as_str(), counts(&m.overall)))
            .collect();
        assert_eq!(
            months,
            [
                ("2024-01", vec![3, 2, 2, 1, 1]),
                ("2024-02", vec![3, 2, 1, 1, 1]),
                ("2024-11", vec![1, 1, 0, 0, 0]),
                ("2024-12", vec![3, 1, 0, 0, 0]),
            ]
        );
        // Of December's customers only h (12-01) is observed 30 days: y and
        // z are left out of the 30-day funnel's denominator.
        assert_eq!(counts(&r.by_month[3].within[0].funnel), [1, 0, 0, 0, 0]);
    }

    /// Rates from the counts above: F2 / F1 and each step's conversion.
    #[test]
    fn the_rates_are_ratios_of_the_counts() {
        let r = report();
        // (what, funnel, F2 rate, conversions F1→F2 … F5).
        let table: [Case<'_>; 3] = [
            // 6/10, 3/6, 2/3, 2/2, none.
            (
                "overall",
                &r.overall,
                Some(0.6),
                [Some(0.6), Some(0.5), Some(2.0 / 3.0), Some(1.0), None],
            ),
            // 4/8, then 0/4, and no conversion from an empty step.
            (
                "30 days",
                &r.within[0].funnel,
                Some(0.5),
                [Some(0.5), Some(0.0), None, None, None],
            ),
            // November: 1/1, 0/1.
            (
                "2024-11",
                &r.by_month[2].overall,
                Some(1.0),
                [Some(1.0), Some(0.0), None, None, None],
            ),
        ];
        for (what, funnel, f2, conversions) in table {
            assert!(close(funnel.f2_rate, f2), "{what}: {:?}", funnel.f2_rate);
            for (step, expected) in funnel.steps.iter().zip(conversions) {
                assert!(
                    close(step.conversion, expected),
                    "{what} F{}: {:?} vs {expected:?}",
                    step.orders,
                    step.conversion
                );
            }
        }
        // Shares of F1: 10/10, 6/10, 3/10, 2/10, 2/10.
        let shares: Vec<Option<f64>> = r.overall.steps.iter().map(|s| s.share).collect();
        for (got, expected) in shares.iter().zip([1.0, 0.6, 0.3, 0.2, 0.2]) {
            assert!(close(*got, Some(expected)), "{got:?} vs {expected}");
        }
    }
}
