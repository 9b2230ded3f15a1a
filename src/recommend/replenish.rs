//! Replenishment timing: when each customer will need an item again.
//!
//! # Formula
//!
//! For a customer and an item bought on at least two distinct days
//! `d_1 < … < d_n`, the typical interval is the median of the gaps
//! `d_{j+1} − d_j`, and the item is next due on `d_n + round(interval)`.
//! An item the customer bought on one day only takes the item's typical
//! interval: the median of the typical intervals of the customers who bought
//! it on two days or more, when there are at least
//! [`MIN_ITEM_INTERVAL_CUSTOMERS`] of them (fewer: no due date; one
//! customer's habit is not the item's). The median is robust to the odd
//! stock-up order that a mean would chase.
//!
//! An item is *due soon* on day `as_of` when its due date falls in
//! `[as_of − interval, as_of + within_days]`: due within the window, or
//! overdue by less than one interval (longer overdue, the customer has
//! likely stopped buying it or buys it elsewhere). The list comes nearest
//! `as_of` first: due that day, then a day either side (overdue first), and
//! so on, so that a list cut short keeps whom to mail now, not the reminders
//! nearly a cycle late (a gift shop's summer orders, overdue by December).

use serde::Serialize;

use super::next_basket::chronological;
use super::Recommender;
use crate::stats::median;
use crate::transactions::NONE;
use crate::{Error, Result};

/// The customers who must have bought an item on two days or more before
/// their intervals give the item's typical one, for customers who bought it
/// once: on a small shop one customer's repeat of a mug would otherwise set
/// a re-order date for everyone who bought that mug.
pub const MIN_ITEM_INTERVAL_CUSTOMERS: u32 = 2;

/// Options for [`Replenishment::due_soon`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DueOptions {
    /// The day to count from (`None`, default: the last order day in the data).
    pub as_of: Option<i32>,
    /// Days ahead that count as soon (default 14).
    pub within_days: i32,
}

impl Default for DueOptions {
    fn default() -> DueOptions {
        DueOptions {
            as_of: None,
            within_days: 14,
        }
    }
}

/// Where an interval comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalSource {
    /// The customer's own gaps between purchases of the item.
    Own,
    /// The item's typical interval across customers.
    Item,
}

/// One (customer, item) with a due date.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cycle {
    /// Customer index.
    pub customer: u32,
    /// Item index.
    pub item: u32,
    /// Distinct days the customer bought it.
    pub purchase_days: u32,
    /// The last of them.
    pub last_day: i32,
    /// Typical interval in days.
    pub interval_days: f64,
    /// Where the interval comes from.
    pub source: IntervalSource,
    /// How many customers' own intervals give it: 1 for the customer's own,
    /// the customers who bought the item on two days or more for the item's.
    pub interval_customers: u32,
    /// `last_day + round(interval_days)`.
    pub next_due_day: i32,
}

/// Typical intervals of every item, and the due dates of every (customer,
/// item) that has one, worked out customer by customer when asked for: a
/// stored row per (customer, item) was 300 MB at 10M order lines, where
/// the due-soon list keeps a few thousand.
#[derive(Debug, Clone)]
pub struct Replenishment<'r> {
    rec: &'r Recommender<'r>,
    /// Customer `c`'s baskets, oldest first, are
    /// `order[by_customer[c]..by_customer[c + 1]]`.
    by_customer: Vec<usize>,
    order: Vec<u32>,
    /// Typical interval per item (`NaN`: fewer than
    /// [`MIN_ITEM_INTERVAL_CUSTOMERS`] customers bought it on two days).
    item_interval: Vec<f64>,
    /// Per item, the customers who bought it on two days or more.
    item_customers: Vec<u32>,
    last_day: i32,
}

/// The buffers one customer's cycles are worked out in.
#[derive(Default)]
struct Scratch {
    purchases: Vec<(u32, i32)>,
    gaps: Vec<f64>,
}

impl<'r> Replenishment<'r> {
    /// Computes the items' typical intervals over the recommender's baskets.
    pub fn new(rec: &'r Recommender<'r>) -> Replenishment<'r> {
        let baskets = &rec.baskets;
        let n_customers = rec.t.customers().len();
        let (by_customer, order) = chronological(baskets, n_customers);
        let mut r = Replenishment {
            rec,
            by_customer,
            order,
            item_interval: Vec::new(),
            item_customers: Vec::new(),
            last_day: baskets.day.iter().copied().max().unwrap_or(0),
        };
        // The item's typical interval from the customers' own ones.
        let mut per_item: Vec<Vec<f64>> = vec![Vec::new(); baskets.n_items];
        let mut scratch = Scratch::default();
        for c in 0..n_customers {
            r.own_cycles(c, &mut scratch, |cycle| {
                if cycle.interval_days.is_finite() {
                    per_item[cycle.item as usize].push(cycle.interval_days);
                }
            });
        }
        r.item_customers = per_item.iter().map(|v| v.len() as u32).collect();
        r.item_interval = per_item
            .iter_mut()
            .map(|v| {
                if v.len() as u32 >= MIN_ITEM_INTERVAL_CUSTOMERS {
                    median(v).unwrap_or(f64::NAN)
                } else {
                    f64::NAN
                }
            })
            .collect();
        r
    }

    /// Every (customer, item) with a due date, by customer, then item.
    pub fn cycles(&self) -> Vec<Cycle> {
        let mut all = Vec::new();
        let mut scratch = Scratch::default();
        for c in 0..self.by_customer.len().saturating_sub(1) {
            self.customer_cycles(c, &mut scratch, |x| all.push(x));
        }
        all
    }

    /// How many customers bought `item` on two days or more (whose own
    /// intervals give its typical one).
    pub fn item_interval_customers(&self, item: u32) -> u32 {
        self.item_customers.get(item as usize).copied().unwrap_or(0)
    }

    /// The typical interval of `item` across customers, if at least
    /// [`MIN_ITEM_INTERVAL_CUSTOMERS`] customers bought it on two days or
    /// more.
    pub fn item_interval(&self, item: u32) -> Option<f64> {
        self.item_interval
            .get(item as usize)
            .copied()
            .filter(|x| x.is_finite())
    }

    /// The due dates of customer `customer` (an index into
    /// `transactions().customers()`), by item.
    pub fn for_customer_index(&self, customer: u32) -> Vec<Cycle> {
        let mut list = Vec::new();
        if customer != NONE && (customer as usize) < self.by_customer.len().saturating_sub(1) {
            let mut scratch = Scratch::default();
            self.customer_cycles(customer as usize, &mut scratch, |x| list.push(x));
        }
        list
    }

    /// The items due soon (see the module's formula), nearest `as_of` first
    /// (`due_order`): whom to mail, about what, and when.
    ///
    /// # Errors
    /// An options error for a negative window.
    pub fn due_soon(&self, options: &DueOptions) -> Result<Vec<Cycle>> {
        if options.within_days < 0 {
            return Err(Error::options(format!(
                "due-soon window must be 0 days or more, got {}",
                options.within_days
            )));
        }
        let as_of = options.as_of.unwrap_or(self.last_day);
        let mut due: Vec<Cycle> = Vec::new();
        let mut scratch = Scratch::default();
        for c in 0..self.by_customer.len().saturating_sub(1) {
            self.customer_cycles(c, &mut scratch, |x| {
                let late = f64::from(as_of - x.next_due_day);
                if x.next_due_day <= as_of + options.within_days && late <= x.interval_days {
                    due.push(x);
                }
            });
        }
        due.sort_by_key(|x| due_order(x, as_of));
        Ok(due)
    }

    /// The day `due_soon` counts from by default: the last order day.
    pub fn last_day(&self) -> i32 {
        self.last_day
    }

    /// Customer `c`'s items by item with their own intervals: `NaN` for an
    /// item bought on one day (`next_due_day` not yet set).
    fn own_cycles(&self, c: usize, scratch: &mut Scratch, mut emit: impl FnMut(Cycle)) {
        let baskets = &self.rec.baskets;
        let Scratch { purchases, gaps } = scratch;
        purchases.clear();
        for &b in &self.order[self.by_customer[c]..self.by_customer[c + 1]] {
            let day = baskets.day[b as usize];
            purchases.extend(baskets.basket(b as usize).iter().map(|&i| (i, day)));
        }
        purchases.sort_unstable();
        purchases.dedup();
        let mut k = 0;
        while k < purchases.len() {
            let item = purchases[k].0;
            let end = k + purchases[k..].partition_point(|x| x.0 == item);
            gaps.clear();
            gaps.extend(
                purchases[k..end]
                    .windows(2)
                    .map(|w| f64::from(w[1].1 - w[0].1)),
            );
            emit(Cycle {
                customer: c as u32,
                item,
                purchase_days: (end - k) as u32,
                last_day: purchases[end - 1].1,
                interval_days: median(gaps).unwrap_or(f64::NAN),
                source: IntervalSource::Own,
                interval_customers: 1,
                next_due_day: 0,
            });
            k = end;
        }
    }

    /// Customer `c`'s items with a due date, by item: an item bought on one
    /// day takes the item's typical interval, if it has one.
    fn customer_cycles(&self, c: usize, scratch: &mut Scratch, mut emit: impl FnMut(Cycle)) {
        self.own_cycles(c, scratch, |mut x| {
            if !x.interval_days.is_finite() {
                x.interval_days = self.item_interval[x.item as usize];
                x.source = IntervalSource::Item;
                x.interval_customers = self.item_customers[x.item as usize];
            }
            x.next_due_day = x.last_day + x.interval_days.round() as i32;
            if x.interval_days.is_finite() {
                emit(x);
            }
        });
    }
}

/// The order of [`Replenishment::due_soon`]: days between the due day and
/// `as_of` either way, then the due day (overdue before ahead), customer and
/// item.
fn due_order(x: &Cycle, as_of: i32) -> (u32, i32, u32, u32) {
    (
        x.next_due_day.abs_diff(as_of),
        x.next_due_day,
        x.customer,
        x.item,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Dataset;
    use crate::recommend::test_shop;
    use crate::recommend::RecommendOptions;

    fn shop(rows: &[(&str, &str, i32, &str)]) -> Dataset {
        Dataset::Transactions(test_shop::shop(rows))
    }

    /// The definition as first written: every (customer, item) with its
    /// own interval stored, the item intervals from them, then the stored
    /// cycles completed and filtered.
    fn reference_cycles(rec: &Recommender<'_>) -> Vec<Cycle> {
        let baskets = &rec.baskets;
        let n_customers = rec.t.customers().len();
        let (by_customer, order) = chronological(baskets, n_customers);
        let mut cycles: Vec<Cycle> = Vec::new();
        for c in 0..n_customers {
            let mut days: Vec<(u32, i32)> = order[by_customer[c]..by_customer[c + 1]]
                .iter()
                .flat_map(|&b| {
                    let day = baskets.day[b as usize];
                    baskets.basket(b as usize).iter().map(move |&i| (i, day))
                })
                .collect();
            days.sort_unstable();
            days.dedup();
            for run in days.chunk_by(|x, y| x.0 == y.0) {
                let mut gaps: Vec<f64> =
                    run.windows(2).map(|w| f64::from(w[1].1 - w[0].1)).collect();
                cycles.push(Cycle {
                    customer: c as u32,
                    item: run[0].0,
                    purchase_days: run.len() as u32,
                    last_day: run[run.len() - 1].1,
                    interval_days: median(&mut gaps).unwrap_or(f64::NAN),
                    source: IntervalSource::Own,
                    interval_customers: 1,
                    next_due_day: 0,
                });
            }
        }
        let mut per_item: Vec<Vec<f64>> = vec![Vec::new(); baskets.n_items];
        for x in cycles.iter().filter(|x| x.interval_days.is_finite()) {
            per_item[x.item as usize].push(x.interval_days);
        }
        let counts: Vec<u32> = per_item.iter().map(|v| v.len() as u32).collect();
        let typical: Vec<f64> = per_item
            .iter_mut()
            .map(|v| match v.len() as u32 >= MIN_ITEM_INTERVAL_CUSTOMERS {
                true => median(v).unwrap_or(f64::NAN),
                false => f64::NAN,
            })
            .collect();
        cycles.retain_mut(|x| {
            if !x.interval_days.is_finite() {
                x.interval_days = typical[x.item as usize];
                x.source = IntervalSource::Item;
                x.interval_customers = counts[x.item as usize];
            }
            x.next_due_day = x.last_day + x.interval_days.round() as i32;
            x.interval_days.is_finite()
        });
        cycles
    }

    #[test]
    fn cycles_worked_out_per_customer_equal_the_stored_ones() {
        let config = crate::generate::GeneratorConfig {
            seed: 11,
            ..crate::generate::GeneratorConfig::default()
        };
        let data = crate::generate::ingested(&config, 20_000);
        let rec = Recommender::new(&data, &RecommendOptions::default()).unwrap();
        let r = Replenishment::new(&rec);
        let want = reference_cycles(&rec);
        assert!(want.len() > 1000 && want.iter().any(|x| x.source == IntervalSource::Item));
        assert_eq!(r.cycles(), want);
        for c in [0u32, 7, 100, NONE] {
            let of_c: Vec<Cycle> = want.iter().filter(|x| x.customer == c).copied().collect();
            assert_eq!(r.for_customer_index(c), of_c, "customer {c}");
        }
        for (as_of, within_days) in [(None, 14), (Some(r.last_day() - 100), 30), (None, 0)] {
            let options = DueOptions { as_of, within_days };
            let at = as_of.unwrap_or(r.last_day());
            let mut due: Vec<Cycle> = want
                .iter()
                .filter(|x| {
                    x.next_due_day <= at + within_days
                        && f64::from(at - x.next_due_day) <= x.interval_days
                })
                .copied()
                .collect();
            // Nearest first, by hand: the distance, then the due day.
            due.sort_by(|x, y| {
                let near = |c: &Cycle| (i64::from(c.next_due_day) - i64::from(at)).abs();
                (near(x), x.next_due_day, x.customer, x.item).cmp(&(
                    near(y),
                    y.next_due_day,
                    y.customer,
                    y.item,
                ))
            });
            assert!(!due.is_empty());
            assert_eq!(r.due_soon(&options).unwrap(), due);
        }
    }

    #[test]
    fn intervals_and_due_dates_by_hand() {
        // a buys the supplement s on days 0, 30, 64 (gaps 30, 34: median 32)
        // and the tea t once on day 64; b buys s on days 10 and 40 (gap 30)
        // and t on days 0 and 20 (gap 20); c buys s once on day 50.
        let d = shop(&[
            ("a", "o1", 0, "s"),
            ("a", "o2", 30, "s"),
            ("a", "o3", 64, "s"),
            ("a", "o3", 64, "t"),
            ("b", "o4", 0, "t"),
            ("b", "o5", 10, "s"),
            ("b", "o6", 20, "t"),
            ("b", "o7", 40, "s"),
            ("c", "o8", 50, "s"),
        ]);
        let rec = Recommender::new(&d, &RecommendOptions::default()).unwrap();
        let r = Replenishment::new(&rec);
        let t = rec.transactions();
        let id = |c: u32, i: u32| (t.customers().name(c), t.items().name(i));
        let got: Vec<(&str, &str, f64, IntervalSource, u32, i32)> = r
            .cycles()
            .iter()
            .map(|x| {
                let (c, i) = id(x.customer, x.item);
                (
                    c,
                    i,
                    x.interval_days,
                    x.source,
                    x.interval_customers,
                    x.next_due_day,
                )
            })
            .collect();
        // s's typical interval: median of a's 32 and b's 30 = 31, from 2
        // customers. t was bought on two days by b alone, fewer than
        // MIN_ITEM_INTERVAL_CUSTOMERS: a, who bought it once, gets no due date.
        let want = vec![
            ("a", "s", 32.0, IntervalSource::Own, 1, 96),
            ("b", "t", 20.0, IntervalSource::Own, 1, 40),
            ("b", "s", 30.0, IntervalSource::Own, 1, 70),
            ("c", "s", 31.0, IntervalSource::Item, 2, 81),
        ];
        assert_eq!(r.item_interval_customers(1), 1);
        assert_eq!(r.item_interval(1), None);
        let mut got = got;
        got.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
        let mut want = want;
        want.sort_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)));
        assert_eq!(got, want);
        // As of day 64 (the last order), 14 days ahead: due by day 78 and
        // late by at most the interval. b's s (70) is in; c's s (81) and
        // a's s (96) are later; b's t (40) is 24 days late with a
        // 20-day interval, so it is left out.
        let due = r.due_soon(&DueOptions::default()).unwrap();
        let names: Vec<(&str, &str, i32)> = due
            .iter()
            .map(|x| {
                let (c, i) = id(x.customer, x.item);
                (c, i, x.next_due_day)
            })
            .collect();
        assert_eq!(names, [("b", "s", 70)]);
        let later = DueOptions {
            as_of: Some(80),
            within_days: 5,
        };
        let names: Vec<(&str, &str)> = r
            .due_soon(&later)
            .unwrap()
            .iter()
            .map(|x| id(x.customer, x.item))
            .collect();
        // Window [80 − interval, 85]: b's s (70, 10 late < 30), c's s (81);
        // a's s (96) is not yet due. Nearest day 80 first: c's s (1 day
        // ahead), then b's s (10 days late).
        assert_eq!(names, [("c", "s"), ("b", "s")]);
        assert!(r
            .due_soon(&DueOptions {
                as_of: None,
                within_days: -1
            })
            .is_err());
    }
}
