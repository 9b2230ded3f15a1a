//! Acquisition cohorts: customers grouped by the month (or week) of their
//! first purchase, followed period by period since acquisition.
//!
//! # Definitions
//!
//! - A **purchase** is an order as in [`crate::summary`]: it has a sale line,
//!   is not fully reversed by returns, and has a customer id. Its date is its
//!   earliest sale line; its value is its net amount, floored at 0 (so that
//!   revenue to date never decreases).
//! - A customer's **cohort** is the calendar month (or Monday-based week) of
//!   their first purchase; **period `k`** is the `k`-th month (week) after it,
//!   period 0 being the acquisition period itself. A cohort is followed up to
//!   the period holding the observation end (the last date in the data); that
//!   last period is usually incomplete.
//! - **active share** in period `k`: customers with a purchase in period `k`
//!   over the cohort's customers (1 in period 0).
//! - **retained share** in period `k`: customers with a purchase in period `k`
//!   or later over the cohort's customers: those who have not (yet) lapsed.
//! - **churn rate** in period `k >= 1`: `1 - retained(k) / retained(k-1)`, the
//!   share of customers still buying at `k-1` who never buy again; 0 when
//!   nobody was left. Recent periods overstate churn: customers who will buy
//!   again have not had the time to.
//! - **cumulative revenue per customer** in period `k`: the cohort's revenue
//!   in periods `0..=k` over its customers, its revenue to date per customer
//!   (LTV to date). It never decreases.
//! - **repeat rate**: customers with two or more purchases over customers.
//! - **median days between orders**: the median gap in days between
//!   consecutive purchases of the same customer (same-day purchases give 0).
//! - **median days to second order**: the median gap from the first to the
//!   second purchase, among customers with one.
//!
//! Cohorts can be split by a categorical value of each customer's first
//! purchase ([`CohortKey`]): its first product, or the `group` column
//! (channel, country, coupon). Each split value gets its own cohort table; the
//! smaller values beyond [`CohortOptions::max_groups`] are pooled as
//! `"(other)"`.

use std::str::FromStr;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::days::format_day;
use crate::summary::Period;
use crate::transactions::{Transactions, NONE};
use crate::{Error, ErrorCode, Result};

/// The length of a cohort and of a period since acquisition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortPeriod {
    /// Calendar months (default).
    #[default]
    Month,
    /// Weeks starting on Monday.
    Week,
}

impl CohortPeriod {
    fn as_period(self) -> Period {
        match self {
            CohortPeriod::Month => Period::Month,
            CohortPeriod::Week => Period::Week,
        }
    }

    /// The label of period index `i` (as [`Period::index`]): `2024-01` for a
    /// month, the ISO date of the Monday for a week.
    fn label(self, i: i64) -> String {
        match self {
            CohortPeriod::Month => format!("{:04}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1),
            CohortPeriod::Week => format_day((i * 7 - 3) as i32),
        }
    }

    /// The first day of period index `i`, ISO.
    fn start(self, i: i64) -> String {
        match self {
            CohortPeriod::Month => format!("{}-01", self.label(i)),
            CohortPeriod::Week => self.label(i),
        }
    }
}

impl FromStr for CohortPeriod {
    type Err = Error;

    fn from_str(s: &str) -> Result<CohortPeriod> {
        match s.trim().to_ascii_lowercase().as_str() {
            "month" | "months" | "m" => Ok(CohortPeriod::Month),
            "week" | "weeks" | "w" => Ok(CohortPeriod::Week),
            _ => Err(Error::options(format!(
                "cohort period \"{s}\" must be month or week"
            ))),
        }
    }
}

/// What splits the cohorts, read from each customer's first purchase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortKey {
    /// No split: one table for all customers (default).
    #[default]
    None,
    /// The item of the first line of the first purchase.
    FirstItem,
    /// The `group` column (channel, country, coupon) of the first purchase.
    Group,
}

/// Options for [`cohorts`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CohortOptions {
    /// Cohort and period length (default: month).
    pub period: CohortPeriod,
    /// The split (default: none).
    pub by: CohortKey,
    /// The largest split values kept apart, by customers; the rest are pooled
    /// as `"(other)"`. Default 20, at least 1.
    pub max_groups: usize,
}

impl Default for CohortOptions {
    fn default() -> CohortOptions {
        CohortOptions {
            period: CohortPeriod::Month,
            by: CohortKey::None,
            max_groups: 20,
        }
    }
}

/// Cohort tables, one per split value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortReport {
    /// Cohort and period length.
    pub period: CohortPeriod,
    /// The split.
    pub by: CohortKey,
    /// The observation end (ISO): the last date of the bulk of the data.
    pub observation_end: String,
    /// Purchases dated more than 20 years from the median date (ingest
    /// warns about them), left out: the tables span the bulk of the data
    /// ([`Transactions::bulk_day_range`]).
    pub outlying_purchases: u64,
    /// All customers together.
    pub overall: CohortStats,
    /// One table per split value, the largest first; one table named `None`
    /// without a split.
    pub groups: Vec<CohortGroup>,
}

/// The cohorts of one split value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortGroup {
    /// The split value (`None` without a split, or for customers without a value).
    pub name: Option<String>,
    /// Statistics over all of this group's customers.
    pub stats: CohortStats,
    /// The cohorts, oldest first.
    pub cohorts: Vec<Cohort>,
}

/// Counts and rates over a set of customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortStats {
    /// Customers.
    pub customers: u64,
    /// Purchases.
    pub orders: u64,
    /// Net revenue.
    pub revenue: f64,
    /// Customers with two or more purchases, over customers.
    pub repeat_rate: f64,
    /// Median gap between consecutive purchases, in days.
    pub median_days_between_orders: Option<f64>,
    /// Median gap from the first to the second purchase, in days.
    pub median_days_to_second_order: Option<f64>,
}

/// One acquisition cohort.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohort {
    /// `2024-01` (month) or the Monday's date (week).
    pub label: String,
    /// The first day of the acquisition period (ISO).
    pub start: String,
    /// Statistics over the cohort's customers.
    pub stats: CohortStats,
    /// Periods since acquisition, from 0 to the period of the observation end.
    pub periods: Vec<CohortCell>,
}

/// One cohort in one period since acquisition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortCell {
    /// Periods since acquisition (0 = the acquisition period).
    pub period: u32,
    /// Customers with a purchase in this period.
    pub active_customers: u64,
    /// `active_customers` over the cohort's customers, in `[0, 1]`.
    pub active_share: f64,
    /// Customers with a purchase in this period or later, over the cohort's customers.
    pub retained_share: f64,
    /// `1 - retained(k) / retained(k-1)`; 0 in period 0.
    pub churn_rate: f64,
    /// Revenue in this period.
    pub revenue: f64,
    /// Revenue in periods `0..=k` per cohort customer (LTV to date).
    pub cumulative_revenue_per_customer: f64,
}

/// Builds the cohort tables of `t`.
///
/// Equal to [`cohorts_with`] on `Histories::new(t)`; build the [`Histories`]
/// once instead when segments are computed too.
///
/// # Errors
///
/// [`crate::ErrorKind::NoUsableColumn`] if there is no purchase with a
/// customer; [`crate::ErrorKind::Options`] if `by` is [`CohortKey::Group`] and
/// no group column was chosen, or `max_groups` is 0.
pub fn cohorts(t: &Transactions, options: &CohortOptions) -> Result<CohortReport> {
    check_options(t, options)?;
    cohorts_with(&Histories::new(t)?, options)
}

/// Builds the cohort tables of the purchases in `histories`.
///
/// # Errors
///
/// [`crate::ErrorKind::Options`] if `by` is [`CohortKey::Group`] and no
/// group column was chosen, or `max_groups` is 0.
pub fn cohorts_with(histories: &Histories<'_>, options: &CohortOptions) -> Result<CohortReport> {
    let t = histories.transactions();
    check_options(t, options)?;
    let h = histories;
    let period = options.period.as_period();
    let index = PeriodIndex::new(period, Some((h.first_day, h.end_day())));
    let end_index = index.of(h.end_day());
    // The split value of each customer: an index into `names`.
    let (names, key_of): (Vec<Option<String>>, Vec<u32>) = split_keys(t, h, options);
    let mut groups: Vec<GroupAcc> = (0..names.len()).map(|_| GroupAcc::default()).collect();
    for (c, orders) in h.iter() {
        let g = &mut groups[key_of[c] as usize];
        let first_index = index.of(orders[0].day);
        let n_periods = (end_index - first_index + 1).max(1) as usize;
        let cohort = g
            .cohorts
            .entry(first_index)
            .or_insert_with(|| CohortAcc::new(n_periods));
        let mut last_k = usize::MAX;
        for o in orders {
            let k = ((index.of(o.day) - first_index) as usize).min(n_periods - 1);
            if k != last_k {
                cohort.active[k] += 1;
                last_k = k;
            }
            cohort.revenue[k] += o.amount;
        }
        cohort.lapse_after[last_k] += 1;
        cohort.stats.add(orders);
        g.stats.add(orders);
    }
    let mut overall = StatsAcc::default();
    for g in &groups {
        overall.merge(&g.stats);
    }
    let mut out: Vec<CohortGroup> = groups
        .into_iter()
        .zip(names)
        .filter(|(g, _)| g.stats.customers > 0)
        .map(|(g, name)| {
            let mut cohorts: Vec<(i64, CohortAcc)> = g.cohorts.into_iter().collect();
            cohorts.sort_unstable_by_key(|c| c.0);
            CohortGroup {
                name,
                stats: g.stats.finish(),
                cohorts: cohorts
                    .into_iter()
                    .map(|(i, acc)| acc.finish(options.period, i))
                    .collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.stats
            .customers
            .cmp(&a.stats.customers)
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(CohortReport {
        period: options.period,
        by: options.by,
        observation_end: format_day(h.end_day()),
        outlying_purchases: h.outlying_purchases(),
        overall: overall.finish(),
        groups: out,
    })
}

fn check_options(t: &Transactions, options: &CohortOptions) -> Result<()> {
    if options.max_groups == 0 {
        return Err(Error::options("max groups must be at least 1"));
    }
    if options.by == CohortKey::Group && t.group_col().is_none() {
        return Err(Error::options(
            "no group column to split cohorts by: choose one with the group mapping (--by COL)",
        )
        .with_code(ErrorCode::NoGroupColumn));
    }
    Ok(())
}

/// [`Period::index`] by table lookup over the data's day range (a month's
/// index needs a calendar conversion; there are far fewer days than orders).
struct PeriodIndex {
    period: Period,
    first_day: i32,
    table: Vec<i64>,
}

impl PeriodIndex {
    /// Days beyond this span are converted one by one.
    const MAX_TABLE_DAYS: i64 = 200_000;

    fn new(period: Period, range: Option<(i32, i32)>) -> PeriodIndex {
        let (first_day, table) = match range {
            Some((first, last))
                if i64::from(last) - i64::from(first) < Self::MAX_TABLE_DAYS && first <= last =>
            {
                (first, (first..=last).map(|d| period.index(d)).collect())
            }
            _ => (0, Vec::new()),
        };
        PeriodIndex {
            period,
            first_day,
            table,
        }
    }

    fn of(&self, day: i32) -> i64 {
        let slot = i64::from(day) - i64::from(self.first_day);
        match usize::try_from(slot).ok().and_then(|i| self.table.get(i)) {
            Some(&i) => i,
            None => self.period.index(day),
        }
    }
}

/// A purchase order, as in the module doc. Its customer is where
/// [`Histories`] keeps it (24 bytes an order, not 32).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Order {
    /// Day of the earliest sale line.
    pub day: i32,
    /// Net value, floored at 0.
    pub amount: f64,
    /// Item of the first sale line ([`NONE`] if it has none).
    pub first_item: u32,
    /// Group value of the first line that has one ([`NONE`] if none).
    pub group: u32,
    /// NPS score of the first line that has one (`u8::MAX` if none).
    pub nps: u8,
    /// Whether a line of the order is flagged 定期 (subscription).
    pub subscription: bool,
}

/// Every customer's purchases, grouped by customer and in day order: the
/// one pass over the order lines that [`cohorts_with`] and
/// [`crate::segments::segments_with`] both read. Build it once to share it.
///
/// A **purchase** is an order as in the module doc: it has a sale line, is
/// not fully reversed by returns, and has a customer id.
#[derive(Debug, Clone)]
pub struct Histories<'t> {
    t: &'t Transactions,
    /// Purchases grouped by customer, each customer's in day order.
    orders: Vec<Order>,
    /// Customer `c`'s purchases are `orders[starts[c]..starts[c + 1]]`.
    starts: Vec<usize>,
    /// The last day of the bulk of the data: the observation end.
    end_day: i32,
    /// The first day of the bulk of the data.
    first_day: i32,
    /// Purchases dated outside the bulk of the data, left out.
    outlying_purchases: u64,
}

/// Puts each customer's purchases (`sorted[starts[c]..starts[c + 1]]`, in
/// order of first appearance) in day order; nearly always they already are.
/// Both ways of building [`Histories`] end with it.
fn sort_by_day(sorted: &mut [Order], starts: &[usize]) {
    for w in starts.windows(2) {
        let slice = &mut sorted[w[0]..w[1]];
        if !slice.is_sorted_by_key(|o| o.day) {
            slice.sort_by_key(|o| o.day);
        }
    }
}

/// The labels of the acquisition cohorts (as [`cohorts_with`] names them,
/// by `period`) that hold any of `customers` (customer indices), in cohort
/// order. A customer without a purchase in the bulk of the data is in none.
pub fn cohorts_of(
    histories: &Histories<'_>,
    period: CohortPeriod,
    customers: &[u32],
) -> Vec<String> {
    let mut indices: Vec<i64> = customers
        .iter()
        .filter_map(|&c| {
            let c = c as usize;
            let (start, end) = (*histories.starts.get(c)?, *histories.starts.get(c + 1)?);
            let first = histories.orders[start..end].first()?;
            Some(period.as_period().index(first.day))
        })
        .collect();
    indices.sort_unstable();
    indices.dedup();
    indices.into_iter().map(|i| period.label(i)).collect()
}

impl<'t> Histories<'t> {
    /// The purchases of `t`, grouped by customer.
    ///
    /// # Errors
    ///
    /// [`crate::ErrorKind::NoUsableColumn`] if there is no purchase with a customer.
    pub fn new(t: &'t Transactions) -> Result<Histories<'t>> {
        if orders_adjacent(t.order_col()) {
            Histories::from_adjacent_orders(t)
        } else {
            Histories::from_accumulators(t)
        }
    }

    /// [`Histories::new`] for any order column: an accumulator per order
    /// index, the purchases gathered in order of first appearance, then
    /// placed by customer.
    fn from_accumulators(t: &'t Transactions) -> Result<Histories<'t>> {
        let PurchaseOrders {
            orders: acc,
            first_seen,
            mut starts,
            purchases,
        } = purchase_orders(t);
        let (first_day, end_day) = match t.bulk_day_range() {
            Some(range) if purchases > 0 => range,
            _ => {
                return Err(
                    Error::no_usable_column("there are no purchases with a customer id")
                        .with_code(ErrorCode::NoCustomerPurchases),
                )
            }
        };
        // Counting sort by customer (counted on the way): each customer's
        // orders stay in order of first appearance, which is nearly always
        // day order already. The purchases are gathered first and the
        // accumulators freed before the sorted copy is allocated, which
        // then reuses their memory: faster than scattering straight from
        // the accumulators into fresh pages.
        let n_customers = starts.len() - 1;
        let orders: Vec<Pending> = first_seen
            .iter()
            .map(|&o| acc[o as usize])
            .filter(|o| o.customer != NONE)
            .collect();
        drop(acc);
        // Purchases dated outside the bulk of the data are left out, so a
        // typo in a year cannot stretch the tables over millennia.
        let in_bulk = |o: &Pending| (first_day..=end_day).contains(&o.order.day);
        let outlying_purchases = orders.iter().filter(|o| !in_bulk(o)).count();
        let orders: Vec<Pending> = if outlying_purchases == 0 {
            orders
        } else {
            starts.iter_mut().for_each(|s| *s = 0);
            let kept: Vec<Pending> = orders.into_iter().filter(in_bulk).collect();
            for o in &kept {
                starts[o.customer as usize + 1] += 1;
            }
            kept
        };
        let purchases = orders.len();
        for c in 0..n_customers {
            starts[c + 1] += starts[c];
        }
        let mut next = starts.clone();
        let mut sorted = vec![PLACEHOLDER.order; purchases];
        for o in orders {
            let slot = &mut next[o.customer as usize];
            sorted[*slot] = o.order;
            *slot += 1;
        }
        sort_by_day(&mut sorted, &starts);
        Ok(Histories {
            t,
            orders: sorted,
            starts,
            end_day,
            first_day,
            outlying_purchases: outlying_purchases as u64,
        })
    }

    /// [`Histories::new`] when every order's lines are adjacent and the
    /// orders appear in index order (as [`orders_adjacent`] checks; the
    /// usual file): each purchase is complete when the next order starts,
    /// so two passes over the lines (one counting each customer's
    /// purchases, one placing them) replace the per-order accumulators and
    /// the gathered copy, and only the result is held. The purchases, their
    /// values and their order are those of the general path.
    fn from_adjacent_orders(t: &'t Transactions) -> Result<Histories<'t>> {
        let n_customers = t.customers().len();
        let bulk = t.bulk_day_range();
        let (first_day, end_day) = bulk.unwrap_or((i32::MIN, i32::MAX));
        let in_bulk = |o: &Pending| (first_day..=end_day).contains(&o.order.day);
        let mut starts = vec![0usize; n_customers + 1];
        let (mut purchases, mut outlying_purchases) = (0usize, 0usize);
        each_adjacent_purchase(t, |o| {
            purchases += 1;
            if in_bulk(&o) {
                starts[o.customer as usize + 1] += 1;
            } else {
                outlying_purchases += 1;
            }
        });
        let (first_day, end_day) = match bulk {
            Some(range) if purchases > 0 => range,
            _ => {
                return Err(
                    Error::no_usable_column("there are no purchases with a customer id")
                        .with_code(ErrorCode::NoCustomerPurchases),
                )
            }
        };
        for c in 0..n_customers {
            starts[c + 1] += starts[c];
        }
        let mut next = starts.clone();
        let mut sorted = vec![PLACEHOLDER.order; purchases - outlying_purchases];
        each_adjacent_purchase(t, |o| {
            if in_bulk(&o) {
                let slot = &mut next[o.customer as usize];
                sorted[*slot] = o.order;
                *slot += 1;
            }
        });
        drop(next);
        sort_by_day(&mut sorted, &starts);
        Ok(Histories {
            t,
            orders: sorted,
            starts,
            end_day,
            first_day,
            outlying_purchases: outlying_purchases as u64,
        })
    }

    /// The transactions these purchases come from.
    pub fn transactions(&self) -> &'t Transactions {
        self.t
    }

    /// The last day of the bulk of the data (the observation end), as a day
    /// number (see [`Transactions::bulk_day_range`]).
    pub(crate) fn end_day(&self) -> i32 {
        self.end_day
    }

    /// Purchases left out because they are dated outside the bulk of the
    /// data ([`Transactions::bulk_day_range`]).
    pub fn outlying_purchases(&self) -> u64 {
        self.outlying_purchases
    }

    /// The note for the page and the CLI when purchases were left out for
    /// their dates (note code `outlying_dates_left_out`); `None` otherwise.
    pub fn outlying_note(&self) -> Option<String> {
        (self.outlying_purchases > 0).then(|| {
            format!(
                "{} purchases dated more than {} years away from the bulk of the data ({} to {}) are left out of the customers, models, cohorts and segments; the observation end and the tracking curve follow the bulk",
                self.outlying_purchases,
                crate::days::OUTLYING_DATE_YEARS,
                format_day(self.first_day),
                format_day(self.end_day)
            )
        })
    }

    /// `(customer index, purchases in day order)` for every customer with a purchase.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &[Order])> {
        self.starts.windows(2).enumerate().filter_map(|(c, w)| {
            let orders = &self.orders[w[0]..w[1]];
            (!orders.is_empty()).then_some((c, orders))
        })
    }

    /// The number of customer indices (some may have no purchase).
    pub(crate) fn customer_slots(&self) -> usize {
        self.starts.len() - 1
    }

    /// Customer `c`'s purchases in day order (empty if none).
    pub(crate) fn of(&self, c: usize) -> &[Order] {
        match (self.starts.get(c), self.starts.get(c + 1)) {
            (Some(&a), Some(&b)) => &self.orders[a..b],
            _ => &[],
        }
    }
}

/// An order being added up from its lines, with its customer.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pending {
    /// Customer index ([`NONE`] until a sale line with one, and when the
    /// order is not a purchase).
    customer: u32,
    order: Order,
}

/// An order before it is known to be a purchase.
const PLACEHOLDER: Pending = Pending {
    customer: NONE,
    order: Order {
        day: i32::MAX,
        amount: 0.0,
        first_item: NONE,
        group: NONE,
        nps: u8::MAX,
        subscription: false,
    },
};

/// What [`purchase_orders`] finds.
struct PurchaseOrders {
    /// Per order index, the purchase it is (amount floored at 0); customer
    /// [`NONE`] if it is not a purchase.
    orders: Vec<Pending>,
    /// Order indices in order of first appearance.
    first_seen: Vec<u32>,
    /// `starts[c + 1]`: customer `c`'s purchases (`starts[0]` is 0).
    starts: Vec<usize>,
    /// How many orders are purchases.
    purchases: usize,
}

/// The orders of `t` that are purchases, by order index.
fn purchase_orders(t: &Transactions) -> PurchaseOrders {
    let n_orders = t.order_count();
    let mut acc = vec![PLACEHOLDER; n_orders];
    // bit 0: has a sale line; bit 1: has a reversal line; bit 2: seen.
    let mut flags = vec![0u8; n_orders];
    let mut first_seen: Vec<u32> = Vec::new();
    let ord = t.order_col();
    let lines = Lines::of(t);
    for (i, &order) in ord.iter().enumerate() {
        let o = order as usize;
        if flags[o] & 4 == 0 {
            flags[o] |= 4;
            first_seen.push(order);
        }
        lines.add(i, &mut acc[o], &mut flags[o]);
    }
    let mut purchases = 0;
    let mut starts = vec![0usize; t.customers().len() + 1];
    for (a, f) in acc.iter_mut().zip(flags) {
        if settle(a, f) {
            starts[a.customer as usize + 1] += 1;
            purchases += 1;
        }
    }
    PurchaseOrders {
        orders: acc,
        first_seen,
        starts,
        purchases,
    }
}

/// The columns a purchase is accumulated from, and the one rule that adds a
/// line to its order.
struct Lines<'a> {
    customer: &'a [u32],
    day: &'a [i32],
    amount: &'a [f64],
    reversal: &'a [bool],
    item: &'a [u32],
    group: Option<&'a [u32]>,
    nps: Option<&'a [u8]>,
    subscription: Option<&'a [bool]>,
}

impl<'a> Lines<'a> {
    fn of(t: &'a Transactions) -> Lines<'a> {
        Lines {
            customer: t.customer_col(),
            day: t.day_col(),
            amount: t.amount_col(),
            reversal: t.reversal_col(),
            item: t.item_col(),
            group: t.group_col(),
            nps: t.nps_col(),
            subscription: t.subscription_col(),
        }
    }

    /// Adds line `i` to its order's accumulator `a`; `flags` bit 0: the
    /// order has a sale line, bit 1: a reversal line.
    fn add(&self, i: usize, pending: &mut Pending, flags: &mut u8) {
        let a = &mut pending.order;
        a.amount += self.amount[i];
        if let Some(g) = self.group {
            if a.group == NONE {
                a.group = g[i];
            }
        }
        if let Some(n) = self.nps {
            if a.nps == u8::MAX {
                a.nps = n[i];
            }
        }
        if let Some(s) = self.subscription {
            a.subscription |= s[i];
        }
        if self.reversal[i] {
            *flags |= 2;
        } else {
            if *flags & 1 == 0 {
                a.first_item = self.item[i];
            }
            *flags |= 1;
            a.day = a.day.min(self.day[i]);
            if pending.customer == NONE {
                pending.customer = self.customer[i];
            }
        }
    }
}

/// Whether an accumulated order is a purchase (a sale line, not fully
/// reversed, a customer); if so its amount is floored at 0, else its
/// customer becomes [`NONE`].
fn settle(a: &mut Pending, flags: u8) -> bool {
    let fully_reversed = flags & 2 != 0 && a.order.amount <= 0.0;
    if flags & 1 != 0 && !fully_reversed && a.customer != NONE {
        a.order.amount = a.order.amount.max(0.0);
        true
    } else {
        a.customer = NONE;
        false
    }
}

/// Whether every order's lines are adjacent and orders first appear in
/// index order: the column starts at 0 and each line repeats the previous
/// order or starts the next index. Then the order of first appearance is
/// the index order, and an order is complete when the next one starts.
pub(crate) fn orders_adjacent(order: &[u32]) -> bool {
    order.first().is_none_or(|&o| o == 0)
        && order
            .windows(2)
            .all(|w| w[1] == w[0] || w[1] == w[0].wrapping_add(1))
}

/// Calls `f` with each purchase of `t`, in order of first appearance, when
/// [`orders_adjacent`] holds: the purchases of [`purchase_orders`], without
/// an accumulator per order.
fn each_adjacent_purchase(t: &Transactions, mut f: impl FnMut(Pending)) {
    let ord = t.order_col();
    let lines = Lines::of(t);
    let mut i = 0;
    while i < ord.len() {
        let o = ord[i];
        let (mut a, mut flags) = (PLACEHOLDER, 0u8);
        while i < ord.len() && ord[i] == o {
            lines.add(i, &mut a, &mut flags);
            i += 1;
        }
        if settle(&mut a, flags) {
            f(a);
        }
    }
}

/// The split value names and, per customer index, its name's index.
fn split_keys(
    t: &Transactions,
    h: &Histories<'_>,
    options: &CohortOptions,
) -> (Vec<Option<String>>, Vec<u32>) {
    let n = h.customer_slots();
    let raw: Vec<u32> = (0..n)
        .map(|c| match (h.of(c).first(), options.by) {
            (None, _) | (_, CohortKey::None) => NONE,
            (Some(o), CohortKey::FirstItem) => o.first_item,
            (Some(o), CohortKey::Group) => o.group,
        })
        .collect();
    if options.by == CohortKey::None {
        return (vec![None], vec![0; n]);
    }
    let mut counts: FxHashMap<u32, u64> = FxHashMap::default();
    for (c, &k) in raw.iter().enumerate() {
        if !h.of(c).is_empty() {
            *counts.entry(k).or_default() += 1;
        }
    }
    let name = |k: u32| -> Option<String> {
        if k == NONE {
            return None;
        }
        Some(match options.by {
            CohortKey::FirstItem => t.item_name(k).to_owned(),
            _ => t.groups().name(k).to_owned(),
        })
    };
    let mut ranked: Vec<(u32, u64)> = counts.into_iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| name(a.0).cmp(&name(b.0))));
    let mut names: Vec<Option<String>> = Vec::new();
    let mut index: FxHashMap<u32, u32> = FxHashMap::default();
    let mut other = None;
    for (k, _) in ranked {
        if names.len() < options.max_groups {
            index.insert(k, names.len() as u32);
            names.push(name(k));
        } else {
            let o = *other.get_or_insert_with(|| {
                names.push(Some("(other)".to_owned()));
                names.len() as u32 - 1
            });
            index.insert(k, o);
        }
    }
    let key_of = raw
        .iter()
        .map(|k| index.get(k).copied().unwrap_or(0))
        .collect();
    (names, key_of)
}

#[derive(Debug, Default)]
struct GroupAcc {
    stats: StatsAcc,
    cohorts: FxHashMap<i64, CohortAcc>,
}

#[derive(Debug)]
struct CohortAcc {
    stats: StatsAcc,
    active: Vec<u64>,
    /// Customers whose last purchase is in period `k`.
    lapse_after: Vec<u64>,
    revenue: Vec<f64>,
}

impl CohortAcc {
    fn new(n_periods: usize) -> CohortAcc {
        CohortAcc {
            stats: StatsAcc::default(),
            active: vec![0; n_periods],
            lapse_after: vec![0; n_periods],
            revenue: vec![0.0; n_periods],
        }
    }

    fn finish(self, period: CohortPeriod, index: i64) -> Cohort {
        let n = self.stats.customers;
        let share = |x: u64| if n == 0 { 0.0 } else { x as f64 / n as f64 };
        let mut retained = n;
        let mut cumulative = 0.0;
        let mut periods = Vec::with_capacity(self.active.len());
        for k in 0..self.active.len() {
            let previous = retained;
            if k > 0 {
                retained -= self.lapse_after[k - 1];
            }
            cumulative += self.revenue[k];
            periods.push(CohortCell {
                period: k as u32,
                active_customers: self.active[k],
                active_share: share(self.active[k]),
                retained_share: share(retained),
                churn_rate: if k == 0 || previous == 0 {
                    0.0
                } else {
                    1.0 - retained as f64 / previous as f64
                },
                revenue: self.revenue[k],
                cumulative_revenue_per_customer: if n == 0 { 0.0 } else { cumulative / n as f64 },
            });
        }
        Cohort {
            label: period.label(index),
            start: period.start(index),
            stats: self.stats.finish(),
            periods,
        }
    }
}

#[derive(Debug, Default)]
struct StatsAcc {
    customers: u64,
    orders: u64,
    revenue: f64,
    repeaters: u64,
    gaps: Vec<i32>,
    to_second: Vec<i32>,
}

impl StatsAcc {
    fn add(&mut self, orders: &[Order]) {
        self.customers += 1;
        self.orders += orders.len() as u64;
        self.revenue += orders.iter().map(|o| o.amount).sum::<f64>();
        if orders.len() >= 2 {
            self.repeaters += 1;
            self.to_second.push(orders[1].day - orders[0].day);
        }
        self.gaps
            .extend(orders.windows(2).map(|w| w[1].day - w[0].day));
    }

    fn merge(&mut self, other: &StatsAcc) {
        self.customers += other.customers;
        self.orders += other.orders;
        self.revenue += other.revenue;
        self.repeaters += other.repeaters;
        self.gaps.extend_from_slice(&other.gaps);
        self.to_second.extend_from_slice(&other.to_second);
    }

    fn finish(mut self) -> CohortStats {
        CohortStats {
            customers: self.customers,
            orders: self.orders,
            revenue: self.revenue,
            repeat_rate: if self.customers == 0 {
                0.0
            } else {
                self.repeaters as f64 / self.customers as f64
            },
            median_days_between_orders: median(&mut self.gaps),
            median_days_to_second_order: median(&mut self.to_second),
        }
    }
}

/// The median of `values` (the mean of the two middle values for an even
/// count); `None` when empty. Reorders `values`.
pub(crate) fn median(values: &mut [i32]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (_, &mut upper, _) = values.select_nth_unstable(n / 2);
    if n % 2 == 1 {
        return Some(f64::from(upper));
    }
    let lower = values[..n / 2].iter().copied().max().unwrap_or(upper);
    Some((f64::from(lower) + f64::from(upper)) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{generate_lines, GeneratorConfig};
    use crate::ingest::{ingest, Dataset, IngestOptions};
    use crate::segments::{segments, segments_with, SegmentOptions};
    use crate::simulate::ShopModel;
    use crate::summary::{summarize, Summary, SummaryOptions};

    /// A generated shop with guests and returns, the item name mapped as
    /// the group column.
    fn shop(seed: u64, lines: usize) -> (Transactions, Summary) {
        shop_with_returns(seed, lines, 0.2)
    }

    /// [`shop`] with this share of returns (none: every order's lines adjacent).
    fn shop_with_returns(seed: u64, lines: usize, return_share: f64) -> (Transactions, Summary) {
        let config = GeneratorConfig {
            seed,
            guest_share: 0.1,
            return_share,
            japanese_names: false,
            ..GeneratorConfig::default()
        };
        let mut bytes = Vec::new();
        generate_lines(&config, lines, &mut bytes).unwrap();
        let mut options = IngestOptions::default();
        options.mapping.insert("group".into(), "item_name".into());
        let data = ingest(&bytes, &options).unwrap().data;
        let summary = summarize(&data, &SummaryOptions::default()).unwrap();
        match data {
            Dataset::Transactions(t) => (t, summary),
            _ => panic!("not transactions"),
        }
    }

    /// The purchases as `Histories::new` used to build them: collected in
    /// order of first appearance into their own vector, then stably sorted
    /// by customer (a counting sort) and by day within each customer.
    fn reference_orders(t: &Transactions) -> Vec<Pending> {
        let mut acc = vec![PLACEHOLDER; t.order_count()];
        let mut flags = vec![0u8; t.order_count()];
        let mut first_seen = Vec::new();
        for i in 0..t.len() {
            let o = t.order_col()[i] as usize;
            if flags[o] & 4 == 0 {
                flags[o] |= 4;
                first_seen.push(o);
            }
            let p = &mut acc[o];
            let a = &mut p.order;
            a.amount += t.amount_col()[i];
            if let Some(g) = t.group_col() {
                if a.group == NONE {
                    a.group = g[i];
                }
            }
            if t.reversal_col()[i] {
                flags[o] |= 2;
            } else {
                if flags[o] & 1 == 0 {
                    a.first_item = t.item_col()[i];
                }
                flags[o] |= 1;
                a.day = a.day.min(t.day_col()[i]);
                if p.customer == NONE {
                    p.customer = t.customer_col()[i];
                }
            }
        }
        let mut orders: Vec<Pending> = first_seen
            .into_iter()
            .filter_map(|o| {
                let Pending { customer, order } = acc[o];
                let fully_reversed = flags[o] & 2 != 0 && order.amount <= 0.0;
                (flags[o] & 1 != 0 && !fully_reversed && customer != NONE).then_some(Pending {
                    customer,
                    order: Order {
                        amount: order.amount.max(0.0),
                        ..order
                    },
                })
            })
            .collect();
        orders.sort_by_key(|o| (o.customer, o.order.day));
        orders
    }

    /// The purchases of `h` with their customers, in its order.
    fn with_customers(h: &Histories<'_>) -> Vec<Pending> {
        h.iter()
            .flat_map(|(c, orders)| {
                orders.iter().map(move |&order| Pending {
                    customer: c as u32,
                    order,
                })
            })
            .collect()
    }

    #[test]
    fn histories_are_the_purchases_sorted_by_customer_and_day() {
        for seed in [1, 2, 3] {
            let (t, _) = shop(seed, 20_000);
            let h = Histories::new(&t).unwrap();
            let want = reference_orders(&t);
            assert!(want.iter().any(|o| o.order.group != NONE));
            assert_eq!(with_customers(&h), want);
            for c in 0..h.customer_slots() {
                let of_c: Vec<Order> = want
                    .iter()
                    .filter(|o| o.customer as usize == c)
                    .map(|o| o.order)
                    .collect();
                assert_eq!(h.of(c), of_c.as_slice());
            }
            assert_eq!(h.iter().map(|(_, o)| o.len()).sum::<usize>(), want.len());
            assert_eq!(Some(h.end_day()), t.day_range().map(|(_, last)| last));
        }
    }

    /// The two ways of grouping (streaming adjacent orders, accumulators per
    /// order) give the same purchases, starts and counts; a file whose
    /// orders are not adjacent takes the accumulators.
    #[test]
    fn adjacent_orders_stream_to_the_same_histories() {
        for seed in [1, 2] {
            let (t, _) = shop_with_returns(seed, 20_000, 0.0);
            assert!(orders_adjacent(t.order_col()));
            assert!(!orders_adjacent(shop(seed, 2_000).0.order_col()));
            let a = Histories::from_adjacent_orders(&t).unwrap();
            let b = Histories::from_accumulators(&t).unwrap();
            assert_eq!(a.orders, b.orders);
            assert_eq!(a.starts, b.starts);
            assert_eq!(
                (a.outlying_purchases, a.first_day, a.end_day),
                (b.outlying_purchases, b.first_day, b.end_day)
            );
        }
        use crate::transactions::{Line, LineKind, TransactionsBuilder};
        let mut builder = TransactionsBuilder::new();
        // o1 and o2 interleave; o3 is fully reversed; a guest order.
        for (customer, order, day, amount, kind) in [
            (Some("c1"), "o1", 10, 5.0, LineKind::Sale),
            (Some("c2"), "o2", 11, 7.0, LineKind::Sale),
            (Some("c1"), "o1", 10, 2.0, LineKind::Sale),
            (Some("c2"), "o3", 12, 4.0, LineKind::Sale),
            (Some("c2"), "o3", 12, -4.0, LineKind::Reversal),
            (None, "o4", 13, 3.0, LineKind::Sale),
            (Some("c1"), "o5", 9, 1.0, LineKind::Sale),
        ] {
            builder.push(&Line {
                customer,
                order,
                day,
                amount,
                item: Some("sku"),
                item_name: None,
                kind,
                nps: None,
                group: None,
                subscription: None,
            });
        }
        let t = builder.finish();
        assert!(!orders_adjacent(t.order_col()));
        assert!(orders_adjacent(&[0, 0, 1, 2, 2]) && orders_adjacent(&[]));
        assert!(!orders_adjacent(&[1, 1]) && !orders_adjacent(&[0, 2]));
        let h = Histories::new(&t).unwrap();
        assert_eq!(with_customers(&h), reference_orders(&t));
        let days: Vec<(u32, i32, f64)> = with_customers(&h)
            .iter()
            .map(|o| (o.customer, o.order.day, o.order.amount))
            .collect();
        assert_eq!(days, [(0, 9, 1.0), (0, 10, 7.0), (1, 11, 7.0)]);
    }

    #[test]
    fn one_history_serves_cohorts_and_segments() {
        let (t, summary) = shop(7, 30_000);
        let model = ShopModel::fit(&summary).unwrap();
        let h = Histories::new(&t).unwrap();
        for options in [
            CohortOptions::default(),
            CohortOptions {
                period: CohortPeriod::Week,
                by: CohortKey::FirstItem,
                max_groups: 5,
            },
            CohortOptions {
                by: CohortKey::Group,
                ..CohortOptions::default()
            },
        ] {
            assert_eq!(
                cohorts_with(&h, &options).unwrap(),
                cohorts(&t, &options).unwrap()
            );
        }
        let options = SegmentOptions::default();
        for model in [None, Some(&model)] {
            assert_eq!(
                segments_with(&h, &summary, model, &options).unwrap(),
                segments(&t, &summary, model, &options).unwrap()
            );
        }
    }
}
