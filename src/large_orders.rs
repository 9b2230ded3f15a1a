//! The rule that makes an order large: a company's bulk order of お歳暮 or
//! お中元 gifts, a wholesale buyer, a 法人 order among private customers. One
//! rule for the report's note ([`crate::report::large_orders`]) and for
//! ingest's option to leave those orders out
//! ([`crate::ingest::LargeOrderPolicy::Exclude`]), so that the orders left
//! out are exactly the ones the note counted.
//!
//! An order is large when its net value is at least [`LARGE_ORDER_MULTIPLE`]
//! times the median order's; the orders count when together they make at
//! least [`MIN_LARGE_SHARE`] of the revenue.

use crate::stats::median;
use crate::transactions::{Transactions, NONE};

/// An order at least this many times the median order's value is large. A
/// shop's order values spread about as a log-normal; with a spread as wide as
/// a gift shop's (σ = 1), one order in 700 reaches 20 times the median.
pub const LARGE_ORDER_MULTIPLE: f64 = 20.0;

/// Large orders that make less than this share of the revenue barely move
/// the averages, and are not reported (nor left out).
pub const MIN_LARGE_SHARE: f64 = 0.05;

/// An amount as the core's English messages write it: whole amounts (yen,
/// or dollars that happen to be whole) without decimals, others to the
/// cent, so that a median order of 12.50 reads "12.50", not "13".
pub(crate) fn amount_text(amount: f64) -> String {
    let cents = (amount * 100.0).round();
    if cents % 100.0 == 0.0 {
        format!("{:.0}", cents / 100.0)
    } else {
        format!("{:.2}", cents / 100.0)
    }
}

/// The large orders of a store, by order index.
#[derive(Debug, Clone, PartialEq)]
pub struct LargeOrderSet {
    /// Whether each order is large.
    pub large: Vec<bool>,
    /// Each order's net value ([`Transactions::order_net`]).
    pub value: Vec<f64>,
    /// Each order's customer ([`NONE`] for a guest's).
    pub customer: Vec<u32>,
    /// The median purchase order's net value.
    pub median: f64,
    /// How many orders are large.
    pub orders: u64,
    /// The large orders' net value.
    pub revenue: f64,
    /// Their share of all purchase orders' net value.
    pub share: f64,
}

/// The large orders of `t`, when they make [`MIN_LARGE_SHARE`] of the
/// revenue or more. An order's value is its lines' net of returns
/// ([`Transactions::order_net`]); orders worth zero or less are not purchases
/// and count nowhere. Orders dated outside the bulk of the data
/// ([`Transactions::bulk_day_range`], a typo in the year) are left out of the
/// median and the revenue, as the summary leaves them out, and are never
/// large. A store whose large orders ingest left out has none
/// ([`Transactions::large_orders_left_out`]): every order at or above the
/// threshold went, and the threshold is not worked out again on the lower
/// median.
pub fn find(t: &Transactions) -> Option<LargeOrderSet> {
    if t.large_orders_left_out() {
        return None;
    }
    let (first, last) = t.bulk_day_range()?;
    let n = t.order_count();
    let value = t.order_net();
    let mut customer = vec![NONE; n];
    let mut inside = vec![false; n];
    for ((&o, &c), &day) in t.order_col().iter().zip(t.customer_col()).zip(t.day_col()) {
        let o = o as usize;
        if c != NONE {
            customer[o] = c;
        }
        if (first..=last).contains(&day) {
            inside[o] = true;
        }
    }
    let purchase = |o: usize| inside[o] && value[o] > 0.0;
    let mut values: Vec<f64> = (0..n).filter(|&o| purchase(o)).map(|o| value[o]).collect();
    let total: f64 = values.iter().sum();
    let median = median(&mut values)?;
    let threshold = LARGE_ORDER_MULTIPLE * median;
    let large: Vec<bool> = (0..n)
        .map(|o| purchase(o) && value[o] >= threshold)
        .collect();
    let orders = large.iter().filter(|&&l| l).count() as u64;
    let revenue: f64 = (0..n).filter(|&o| large[o]).map(|o| value[o]).sum();
    // `total` is positive: the median came from at least one purchase.
    let share = revenue / total;
    (orders > 0 && share >= MIN_LARGE_SHARE).then_some(LargeOrderSet {
        large,
        value,
        customer,
        median,
        orders,
        revenue,
        share,
    })
}

#[cfg(test)]
mod tests {
    use super::amount_text;

    /// Whole amounts without decimals, others to the cent (values by hand).
    #[test]
    fn amounts_read_to_the_cent_only_when_they_have_cents() {
        let table = [
            (2810.0, "2810"),
            (693_600.0, "693600"),
            (12.5, "12.50"),
            (12.499, "12.50"),
            (0.004, "0"),
            (693_600.000_000_1, "693600"),
            (1234.56, "1234.56"),
            (-3.1, "-3.10"),
        ];
        for (amount, want) in table {
            assert_eq!(amount_text(amount), want, "{amount}");
        }
    }
}
