//! The per-customer summary the customer-base models need.
//!
//! Definitions follow lifetimes' `summary_data_from_transaction_data`
//! (Davidson-Pilon, lifetimes 0.11), so that results can be compared:
//!
//! - Dates are mapped to **periods** (day, week or month). A week starts on
//!   Monday; a month is a calendar month. Every purchase order in the same
//!   period counts once, and the period's value is the sum of those orders.
//! - **frequency**: the number of periods with a purchase, minus one (the
//!   first). It counts *repeat* purchase periods.
//! - **recency**: periods from the first purchase period to the last one
//!   (0 when frequency is 0).
//! - **T**: periods from the first purchase period to the end of
//!   observation.
//! - **monetary_value**: the mean value of the repeat purchase periods (the
//!   first is excluded); 0 when frequency is 0.
//! - **observation end**: the last date in the data unless given; orders
//!   after it are left out.
//!
//! Daily and weekly summaries equal lifetimes' to the last digit on the UCI
//! Online Retail II sample (`tests/summary_golden.rs`). Monthly ones differ
//! on purpose: lifetimes divides day differences by numpy's average month
//! (30.436875 days), ltvlab counts calendar months, so recency and T stay
//! whole numbers.
//!
//! A purchase is an order with at least one sale line that is not fully
//! reversed: orders whose returns bring their net value to zero or below do
//! not count. Guest orders (no customer id) are left out of the summary.
//! With a **calibration end**, the summary covers purchases up to it and a
//! holdout table counts each calibration customer's purchases after it.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::days::{format_day, parse_iso_day};
use crate::error::{not_a_date, Error, ErrorCode, Result};
use crate::ingest::{Dataset, SummaryRecord};
use crate::transactions::{Transactions, NONE};

/// The time unit of frequency, recency and T.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Calendar days (default).
    #[default]
    Day,
    /// Weeks starting on Monday.
    Week,
    /// Calendar months.
    Month,
}

impl Period {
    /// The period index of a day number: days since 1970-01-01 for `Day`,
    /// Monday-based weeks for `Week`, `year * 12 + month - 1` for `Month`.
    pub fn index(self, day: i32) -> i64 {
        match self {
            Period::Day => day as i64,
            // 1970-01-01 was a Thursday: Monday 1969-12-29 is day -3.
            Period::Week => (day as i64 + 3).div_euclid(7),
            Period::Month => match chrono::NaiveDate::from_num_days_from_ce_opt(day + 719_163) {
                Some(d) => {
                    use chrono::Datelike;
                    d.year() as i64 * 12 + d.month0() as i64
                }
                None => 0,
            },
        }
    }

    /// Days in one period (a month is 365.25/12 days).
    pub fn days(self) -> f64 {
        match self {
            Period::Day => 1.0,
            Period::Week => 7.0,
            Period::Month => 365.25 / 12.0,
        }
    }

    /// Approximate periods per month, to convert horizons (30.4375 days, 4.348 weeks).
    pub fn per_month(self) -> f64 {
        match self {
            Period::Day | Period::Week => Period::Month.days() / self.days(),
            Period::Month => 1.0,
        }
    }

    /// The period's name, as in options.
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }
}

impl FromStr for Period {
    type Err = Error;

    fn from_str(s: &str) -> Result<Period> {
        match s.trim().to_ascii_lowercase().as_str() {
            "day" | "days" | "d" => Ok(Period::Day),
            "week" | "weeks" | "w" => Ok(Period::Week),
            "month" | "months" | "m" => Ok(Period::Month),
            _ => Err(
                Error::options(format!("period \"{s}\" must be day, week or month"))
                    .with_code(ErrorCode::UnknownPeriod)
                    .param("value", s),
            ),
        }
    }
}

/// Options for [`summarize`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SummaryOptions {
    /// The time unit (default: day).
    pub period: Period,
    /// The end of observation, ISO date (default: the last date of the bulk
    /// of the data, [`Transactions::bulk_day_range`]: a date decades away
    /// from the rest does not set it).
    pub observation_end: Option<String>,
    /// Split calibration and holdout at this ISO date (default: no split).
    pub calibration_end: Option<String>,
}

/// One customer's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerSummary {
    /// The customer id as in the file.
    pub customer_id: String,
    /// Repeat purchase periods.
    pub frequency: f64,
    /// Periods from the first to the last purchase.
    pub recency: f64,
    /// Periods from the first purchase to the end of observation.
    #[serde(rename = "T")]
    pub t: f64,
    /// Mean value of the repeat purchase periods (0 without repeats).
    pub monetary_value: f64,
    /// The first purchase date (ISO); unknown for summary-file input.
    pub first_purchase: Option<String>,
    /// The last purchase date (ISO); unknown for summary-file input.
    pub last_purchase: Option<String>,
    /// Purchase orders; unknown for summary-file input.
    pub orders: Option<u32>,
    /// Net spend over all purchases, the first included; unknown for summary-file input.
    pub total_spend: Option<f64>,
    /// The customer's e-mail address, when the file has one for them
    /// ([`Transactions::customer_email`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// The per-customer summary of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The time unit of frequency, recency and T.
    pub period: Period,
    /// The end of observation (ISO), when known.
    pub observation_end: Option<String>,
    /// Customers in order of first appearance in the data.
    pub customers: Vec<CustomerSummary>,
    /// Purchase orders dated after the observation end, left out.
    pub orders_after_end: u64,
    /// Purchase orders dated decades before the bulk of the data (before
    /// [`Transactions::bulk_day_range`]'s start: a typo in the year, which
    /// ingest warns about), left out, as the cohorts and segments leave them
    /// out: every customer analysis counts the same customers.
    pub outlying_purchases: u64,
    /// Guest orders (no customer id), left out.
    pub guest_orders: u64,
    /// The guest orders' net revenue, left out: what the shop's own total
    /// has beyond the customers' revenue.
    pub guest_revenue: f64,
    /// Orders fully reversed by returns, which do not count as purchases.
    pub reversed_orders: u64,
    /// Their net value, left out: below zero when returns exceeded the
    /// orders (a return of an order before the file's first day), so the
    /// shop's own sum of the amounts is below the customers' revenue.
    pub reversed_revenue: f64,
}

impl Summary {
    /// The oldest customer's age `T`, in periods: the span from the first
    /// purchase in the data to the end of observation (0 without customers).
    pub fn oldest_t(&self) -> f64 {
        self.customers.iter().map(|c| c.t).fold(0.0, f64::max)
    }
}

/// One calibration customer's purchases in the holdout period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoldoutRow {
    /// The customer id.
    pub customer_id: String,
    /// Purchase periods in the holdout.
    pub frequency_holdout: f64,
    /// Mean value of the holdout purchase periods (0 without any).
    pub monetary_value_holdout: f64,
    /// Length of the holdout in periods.
    pub duration_holdout: f64,
}

/// A calibration summary and the matching holdout counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationHoldout {
    /// The summary of purchases up to the calibration end.
    pub calibration: Summary,
    /// One row per calibration customer, in the same order.
    pub holdout: Vec<HoldoutRow>,
    /// The calibration end (ISO).
    pub calibration_end: String,
}

/// The period to summarize `data` in: `given`, or day for transactions.
///
/// A summary file (lifetimes' `frequency, recency, T`) does not say the unit
/// its numbers are in, and a weekly file read as days makes every rate seven
/// times too low and every CLV horizon seven times too long; T's values
/// cannot tell the units apart (80 can be days, weeks or months). So a
/// summary file needs `given`.
///
/// # Errors
/// A summary file without `given`; the message names the range of T.
pub fn period_for(data: &Dataset, given: Option<Period>) -> Result<Period> {
    match (data, given) {
        (_, Some(period)) => Ok(period),
        (Dataset::Summary(rows), None) => {
            let (low, high) = rows.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), r| {
                (lo.min(r.t), hi.max(r.t))
            });
            let range = if rows.is_empty() {
                String::new()
            } else {
                format!(" (T runs from {low} to {high})")
            };
            Err(Error::options(format!(
                "a summary file does not say whether its frequency, recency and T{range} count days, weeks or months; give its period: day, week or month"
            ))
            .with_code(ErrorCode::SummaryPeriodNeeded))
        }
        (_, None) => Ok(Period::Day),
    }
}

/// Summarizes a dataset per customer.
///
/// Transactions are summarized as the module doc says; a summary file is
/// passed through as it is (its period is whatever the file used).
///
/// # Errors
/// - basket files, which have no customers or dates;
/// - an observation end that is not a date, or lies before the first date;
/// - a `calibration_end` (use [`calibration_holdout`] for that).
pub fn summarize(data: &Dataset, options: &SummaryOptions) -> Result<Summary> {
    if options.calibration_end.is_some() {
        return Err(Error::options(
            "a calibration end splits the data in two; use the calibration/holdout summary",
        ));
    }
    match data {
        Dataset::Transactions(t) => {
            let end = observation_end(t, options)?;
            Ok(summarize_until(t, options.period, bulk_start(t), end, end))
        }
        Dataset::Summary(rows) => Ok(from_records(rows, options.period)),
        Dataset::Baskets(_) => Err(baskets_error()),
    }
}

/// Splits transactions at `options.calibration_end` into a calibration
/// summary and holdout counts (lifetimes' `calibration_and_holdout_data`).
///
/// # Errors
/// As [`summarize`], plus a missing or out-of-range calibration end.
pub fn calibration_holdout(data: &Dataset, options: &SummaryOptions) -> Result<CalibrationHoldout> {
    let (t, cal_end, end) = split_days(data, options)?;
    let calibration = summarize_until(t, options.period, bulk_start(t), cal_end, cal_end);
    let period = options.period;
    let index: rustc_hash::FxHashMap<&str, usize> = calibration
        .customers
        .iter()
        .enumerate()
        .map(|(i, c)| (c.customer_id.as_str(), i))
        .collect();
    // (calibration row, period, value) of holdout purchases, straight from
    // the purchase orders (no list of them).
    let mut hold: Vec<(usize, i64, f64)> = Vec::new();
    each_purchase_order(t, |o| {
        if o.day > cal_end && o.day <= end {
            if let Some(&row) = index.get(t.customers().name(o.customer)) {
                hold.push((row, period.index(o.day), o.amount));
            }
        }
    });
    hold.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let duration = (period.index(end) - period.index(cal_end)) as f64;
    let mut holdout: Vec<HoldoutRow> = calibration
        .customers
        .iter()
        .map(|c| HoldoutRow {
            customer_id: c.customer_id.clone(),
            frequency_holdout: 0.0,
            monetary_value_holdout: 0.0,
            duration_holdout: duration,
        })
        .collect();
    let mut i = 0;
    while i < hold.len() {
        let row = hold[i].0;
        let (mut periods, mut sum, mut last) = (0u32, 0.0, None);
        while i < hold.len() && hold[i].0 == row {
            if last != Some(hold[i].1) {
                periods += 1;
                last = Some(hold[i].1);
            }
            sum += hold[i].2;
            i += 1;
        }
        holdout[row].frequency_holdout = periods as f64;
        holdout[row].monetary_value_holdout = sum / periods as f64;
    }
    Ok(CalibrationHoldout {
        calibration,
        holdout,
        calibration_end: format_day(cal_end),
    })
}

/// The transactions, calibration end and observation end of a
/// calibration/holdout split, with [`calibration_holdout`]'s checks and
/// errors (the validation's own split shares them).
pub(crate) fn split_days<'a>(
    data: &'a Dataset,
    options: &SummaryOptions,
) -> Result<(&'a Transactions, i32, i32)> {
    let t = match data {
        Dataset::Transactions(t) => t,
        Dataset::Summary(_) => {
            return Err(Error::options(
                "a summary file has no dates to split into calibration and holdout",
            )
            .with_code(ErrorCode::SummaryHasNoDates))
        }
        Dataset::Baskets(_) => return Err(baskets_error()),
    };
    let cal_text = options
        .calibration_end
        .as_deref()
        .ok_or_else(|| Error::options("no calibration end given"))?;
    let cal_end = parse_iso_day(cal_text).ok_or_else(|| {
        not_a_date(
            "calibration_end",
            cal_text,
            format!("calibration end \"{cal_text}\" is not a date"),
        )
    })?;
    let end = observation_end(t, options)?;
    let (first, _) = t.day_range().ok_or_else(|| {
        Error::options("there are no dated rows to split").with_code(ErrorCode::NoDatedRows)
    })?;
    if cal_end < first || cal_end >= end {
        return Err(Error::options(format!(
            "calibration end {} must lie between the first date {} and the observation end {}",
            format_day(cal_end),
            format_day(first),
            format_day(end)
        )));
    }
    Ok((t, cal_end, end))
}

fn baskets_error() -> Error {
    Error::no_usable_column(
        "this file holds baskets without customers or dates: it can feed recommendations, not lifetime value",
    )
    .with_code(ErrorCode::BasketsOnly)
}

fn observation_end(t: &Transactions, options: &SummaryOptions) -> Result<i32> {
    let (first, _) = t.day_range().ok_or_else(|| {
        Error::no_usable_column("there are no dated rows").with_code(ErrorCode::NoDatedRows)
    })?;
    match options.observation_end.as_deref() {
        // The last day of the bulk of the data: a `9999` typo neither
        // stretches every T nor counts as a purchase (it is after the end).
        None => Ok(t.bulk_day_range().map_or(first, |(_, last)| last)),
        Some(s) => {
            let end = parse_iso_day(s).ok_or_else(|| {
                not_a_date(
                    "observation_end",
                    s,
                    format!("observation end \"{s}\" is not a date"),
                )
            })?;
            if end < first {
                return Err(Error::options(format!(
                    "observation end {} is before the first date {}",
                    format_day(end),
                    format_day(first)
                ))
                .with_code(ErrorCode::ObservationEndBeforeFirst)
                .param("end", format_day(end))
                .param("first", format_day(first)));
            }
            Ok(end)
        }
    }
}

/// A purchase order: customer, day, net value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PurchaseOrder {
    pub(crate) customer: u32,
    pub(crate) day: i32,
    pub(crate) amount: f64,
}

/// The orders [`each_purchase_order`] leaves out.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct LeftOut {
    /// Guest orders (no customer id).
    pub(crate) guests: u64,
    /// Their net revenue.
    pub(crate) guest_revenue: f64,
    /// Orders fully reversed by returns.
    pub(crate) reversed: u64,
    /// Their net value (zero or below).
    pub(crate) reversed_revenue: f64,
}

/// Calls `f` with each purchase order of `t` in order of first appearance;
/// returns the guest and the fully reversed orders, left out. When every
/// order's lines are adjacent ([`crate::cohorts::orders_adjacent`], the
/// usual file) an order is complete when the next starts, so no array per
/// order is needed; otherwise the orders are accumulated by index and
/// gathered first.
pub(crate) fn each_purchase_order(t: &Transactions, f: impl FnMut(PurchaseOrder)) -> LeftOut {
    each_purchase_order_by(t, crate::cohorts::orders_adjacent(t.order_col()), f)
}

/// [`each_purchase_order`], streaming when `adjacent` (which must then hold).
fn each_purchase_order_by(
    t: &Transactions,
    adjacent: bool,
    mut f: impl FnMut(PurchaseOrder),
) -> LeftOut {
    let (cust, ord, days, amts, rev) = (
        t.customer_col(),
        t.order_col(),
        t.day_col(),
        t.amount_col(),
        t.reversal_col(),
    );
    // One line into its order's (customer, day, amount, flags); flags bit
    // 0: has a sale line; bit 1: has a reversal line.
    let add = |i: usize, c: &mut u32, d: &mut i32, a: &mut f64, flags: &mut u8| {
        *a += amts[i];
        if rev[i] {
            *flags |= 2;
        } else {
            *flags |= 1;
            *d = (*d).min(days[i]);
            if *c == NONE {
                *c = cust[i];
            }
        }
    };
    let mut left_out = LeftOut::default();
    // A whole order: a purchase, or counted as left out.
    let mut settle = |customer: u32, day: i32, amount: f64, flags: u8| {
        if flags & 1 == 0 {
            None
        } else if flags & 2 != 0 && amount <= 0.0 {
            left_out.reversed += 1;
            left_out.reversed_revenue += amount;
            None
        } else if customer == NONE {
            left_out.guests += 1;
            left_out.guest_revenue += amount;
            None
        } else {
            Some(PurchaseOrder {
                customer,
                day,
                amount,
            })
        }
    };
    if adjacent {
        let mut i = 0;
        while i < ord.len() {
            let o = ord[i];
            let (mut c, mut d, mut a, mut flags) = (NONE, i32::MAX, 0.0f64, 0u8);
            while i < ord.len() && ord[i] == o {
                add(i, &mut c, &mut d, &mut a, &mut flags);
                i += 1;
            }
            if let Some(order) = settle(c, d, a, flags) {
                f(order);
            }
        }
        return left_out;
    }
    let n_orders = t.order_count();
    let mut customer = vec![NONE; n_orders];
    let mut day = vec![i32::MAX; n_orders];
    let mut amount = vec![0.0f64; n_orders];
    // bit 2: seen.
    let mut flags = vec![0u8; n_orders];
    let mut first_seen: Vec<u32> = Vec::new();
    for (i, &order) in ord.iter().enumerate() {
        let o = order as usize;
        if flags[o] & 4 == 0 {
            flags[o] |= 4;
            first_seen.push(order);
        }
        add(
            i,
            &mut customer[o],
            &mut day[o],
            &mut amount[o],
            &mut flags[o],
        );
    }
    // Gathered before `f` sees them, so the arrays are freed first.
    let gathered: Vec<PurchaseOrder> = first_seen
        .into_iter()
        .filter_map(|o| {
            let o = o as usize;
            settle(customer[o], day[o], amount[o], flags[o])
        })
        .collect();
    drop((customer, day, amount, flags));
    gathered.into_iter().for_each(f);
    left_out
}

/// The first day of the bulk of the data: purchases before it are dated
/// decades earlier than the rest ([`Transactions::bulk_day_range`]).
pub(crate) fn bulk_start(t: &Transactions) -> i32 {
    t.bulk_day_range().map_or(i32::MIN, |(start, _)| start)
}

/// Summarizes purchases from `first_day` to `last_day`, with T measured to
/// `end`.
fn summarize_until(
    t: &Transactions,
    period: Period,
    first_day: i32,
    last_day: i32,
    end: i32,
) -> Summary {
    let mut after = 0u64;
    let mut outlying = 0u64;
    // Customer rank by first appearance, to keep the output order stable.
    let mut rank = vec![u32::MAX; t.customers().len()];
    let mut next_rank = 0u32;
    // Each purchase order straight into its sort key (no list of the
    // orders themselves): at most one per order.
    let mut keyed: Vec<(u32, i64, i32, f64)> = Vec::new();
    let left_out = each_purchase_order(t, |o| {
        if o.day > last_day {
            after += 1;
            return;
        }
        if o.day < first_day {
            outlying += 1;
            return;
        }
        let r = &mut rank[o.customer as usize];
        if *r == u32::MAX {
            *r = next_rank;
            next_rank += 1;
        }
        if keyed.capacity() == 0 {
            keyed.reserve_exact(t.order_count());
        }
        keyed.push((*r, period.index(o.day), o.day, o.amount));
    });
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut by_rank = vec![NONE; next_rank as usize];
    for (c, &r) in rank.iter().enumerate() {
        if r != u32::MAX {
            by_rank[r as usize] = c as u32;
        }
    }
    let end_index = period.index(end);
    let mut day_names = DayNames::new(t.day_range());
    let mut customers = Vec::with_capacity(next_rank as usize);
    let mut i = 0;
    while i < keyed.len() {
        let r = keyed[i].0;
        let first_period = keyed[i].1;
        let (mut first_day, mut last_day_seen) = (i32::MAX, i32::MIN);
        let (mut periods, mut last_period) = (0u32, i64::MIN);
        let (mut n_orders, mut total, mut repeat_sum) = (0u32, 0.0, 0.0);
        while i < keyed.len() && keyed[i].0 == r {
            let (_, p, d, a) = keyed[i];
            if p != last_period {
                periods += 1;
                last_period = p;
            }
            if p != first_period {
                repeat_sum += a;
            }
            first_day = first_day.min(d);
            last_day_seen = last_day_seen.max(d);
            n_orders += 1;
            total += a;
            i += 1;
        }
        let frequency = (periods - 1) as f64;
        customers.push(CustomerSummary {
            customer_id: t.customers().name(by_rank[r as usize]).to_owned(),
            frequency,
            recency: (last_period - first_period) as f64,
            t: (end_index - first_period) as f64,
            monetary_value: if periods > 1 {
                repeat_sum / frequency
            } else {
                0.0
            },
            first_purchase: Some(day_names.name(first_day)),
            last_purchase: Some(day_names.name(last_day_seen)),
            orders: Some(n_orders),
            total_spend: Some(total),
            email: t.customer_email(by_rank[r as usize]).map(str::to_owned),
        });
    }
    Summary {
        period,
        observation_end: Some(format_day(end)),
        customers,
        orders_after_end: after,
        outlying_purchases: outlying,
        guest_orders: left_out.guests,
        guest_revenue: left_out.guest_revenue,
        reversed_orders: left_out.reversed,
        reversed_revenue: left_out.reversed_revenue,
    }
}

/// [`format_day`] of the days of one range, each formatted once: there are
/// far fewer days than customers.
struct DayNames {
    first_day: i32,
    names: Vec<Option<String>>,
}

impl DayNames {
    /// Days beyond this span are formatted one by one.
    const MAX_DAYS: i64 = 200_000;

    fn new(range: Option<(i32, i32)>) -> DayNames {
        match range {
            Some((first, last))
                if first <= last && i64::from(last) - i64::from(first) < Self::MAX_DAYS =>
            {
                DayNames {
                    first_day: first,
                    names: vec![None; (i64::from(last) - i64::from(first) + 1) as usize],
                }
            }
            _ => DayNames {
                first_day: 0,
                names: Vec::new(),
            },
        }
    }

    fn name(&mut self, day: i32) -> String {
        let slot = i64::from(day) - i64::from(self.first_day);
        match usize::try_from(slot)
            .ok()
            .and_then(|i| self.names.get_mut(i))
        {
            Some(name) => name.get_or_insert_with(|| format_day(day)).clone(),
            None => format_day(day),
        }
    }
}

fn from_records(rows: &[SummaryRecord], period: Period) -> Summary {
    Summary {
        period,
        observation_end: None,
        customers: rows
            .iter()
            .map(|r| CustomerSummary {
                customer_id: r.customer_id.clone(),
                frequency: r.frequency,
                recency: r.recency,
                t: r.t,
                monetary_value: r.monetary_value.unwrap_or(0.0),
                first_purchase: None,
                last_purchase: None,
                orders: None,
                total_spend: None,
                email: None,
            })
            .collect(),
        orders_after_end: 0,
        outlying_purchases: 0,
        guest_orders: 0,
        guest_revenue: 0.0,
        reversed_orders: 0,
        reversed_revenue: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest, IngestOptions};

    /// Streaming adjacent orders gives the purchase orders, in the same
    /// order and bit for bit, and the same counts as the arrays per order;
    /// a file with returns netted into earlier orders is not adjacent.
    #[test]
    fn adjacent_orders_stream_to_the_same_purchases() {
        use crate::generate::{ingested, GeneratorConfig};
        for (seed, return_share) in [(1, 0.0), (2, 0.0), (3, 0.2)] {
            let config = GeneratorConfig {
                seed,
                guest_share: 0.1,
                return_share,
                ..GeneratorConfig::default()
            };
            let Dataset::Transactions(t) = ingested(&config, 20_000) else {
                panic!("not transactions")
            };
            let adjacent = crate::cohorts::orders_adjacent(t.order_col());
            assert_eq!(adjacent, return_share == 0.0, "seed {seed}");
            let run = |streaming: bool| {
                let mut out = Vec::new();
                let counts = each_purchase_order_by(&t, streaming, |o| {
                    out.push((o.customer, o.day, o.amount.to_bits()))
                });
                (out, counts)
            };
            let general = run(false);
            assert!(general.1.guests > 0, "seed {seed}: guests are counted");
            assert!(
                general.1.guest_revenue > 0.0,
                "seed {seed}: and their revenue"
            );
            if adjacent {
                let streamed = run(true);
                assert_eq!(streamed.0, general.0, "seed {seed}");
                // Summed in the same order either way: the same bits.
                assert_eq!(
                    (streamed.1.guests, streamed.1.reversed),
                    (general.1.guests, general.1.reversed),
                    "seed {seed}"
                );
                assert_eq!(
                    streamed.1.guest_revenue.to_bits(),
                    general.1.guest_revenue.to_bits(),
                    "seed {seed}"
                );
            }
        }
    }

    #[test]
    fn a_summary_file_needs_its_period() {
        let file = data("customer_id,frequency,recency,T\na,1,3,8\nb,0,0,12\n");
        let err = period_for(&file, None).unwrap_err().to_string();
        assert!(err.contains("(T runs from 8 to 12)"), "{err}");
        assert_eq!(period_for(&file, Some(Period::Week)).unwrap(), Period::Week);
        let orders = data("customer_id,order_date,amount\na,2024-01-02,1.00\n");
        assert_eq!(period_for(&orders, None).unwrap(), Period::Day);
    }

    fn data(csv: &str) -> Dataset {
        ingest(csv.as_bytes(), &IngestOptions::default())
            .unwrap()
            .data
    }

    /// Guest orders (no customer id) are left out of the customers and
    /// counted with their net revenue: a shop's own total is the customers'
    /// revenue plus the guests'. Hand-computed: the guests' orders g1
    /// (1,200 + 300 on two lines) and g2 (800); the customers' 1,000 + 500.
    #[test]
    fn guest_orders_are_counted_with_their_revenue() {
        let csv = "order_id,customer_id,order_date,amount\n\
                   o1,a,2024-01-01,1000\n\
                   g1,,2024-01-02,1200\n\
                   g1,,2024-01-02,300\n\
                   o2,b,2024-01-03,500\n\
                   g2,,2024-02-01,800\n";
        let s = summarize(&data(csv), &SummaryOptions::default()).unwrap();
        assert_eq!(s.customers.len(), 2);
        assert_eq!(s.guest_orders, 2);
        assert_eq!(s.guest_revenue, 2_300.0);
        let customers: f64 = s.customers.iter().filter_map(|c| c.total_spend).sum();
        assert_eq!(customers + s.guest_revenue, 3_800.0);
    }

    /// Each customer's e-mail: an e-mail column beside the customer id (the
    /// last non-empty address on their rows), the id itself when the
    /// customer column is the e-mail column, and none without one.
    #[test]
    fn carries_each_customers_email() {
        let emails = |csv: &str| -> Vec<Option<String>> {
            summarize(&data(csv), &SummaryOptions::default())
                .unwrap()
                .customers
                .into_iter()
                .map(|c| c.email)
                .collect()
        };
        let cases: [(&str, &[Option<&str>]); 4] = [
            (
                "会員ID,メールアドレス,注文日,金額\nm1,a@example.jp,2024-01-02,100\nm2,,2024-01-03,100\nm1,a2@example.jp,2024-01-04,100\nm1,,2024-01-05,100\n",
                &[Some("a2@example.jp"), None],
            ),
            (
                "メールアドレス(請求先),注文日時,金額\nb@example.jp,2024-01-02,100\nc@example.jp,2024-01-03,100\n",
                &[Some("b@example.jp"), Some("c@example.jp")],
            ),
            (
                "customer_id,Email,order_date,amount\nx,=cmd@example.com,2024-01-02,1\n",
                &[Some("=cmd@example.com")],
            ),
            (
                "customer_id,order_date,amount\nx,2024-01-02,1\n",
                &[None],
            ),
        ];
        for (csv, want) in cases {
            let want: Vec<Option<String>> = want.iter().map(|e| e.map(str::to_owned)).collect();
            assert_eq!(emails(csv), want, "{csv}");
        }
    }

    /// Expected values computed by hand from lifetimes' definitions.
    #[test]
    fn daily_summary_matches_hand_computation() {
        let d = data(
            "customer_id,order_id,date,amount\n\
             a,1,2024-01-01,10\n\
             a,2,2024-01-01,5\n\
             a,3,2024-01-05,20\n\
             a,4,2024-01-10,40\n\
             b,5,2024-01-03,7\n\
             c,6,2024-01-10,3\n",
        );
        let s = summarize(&d, &SummaryOptions::default()).unwrap();
        let got: Vec<(&str, f64, f64, f64, f64)> = s
            .customers
            .iter()
            .map(|c| {
                (
                    c.customer_id.as_str(),
                    c.frequency,
                    c.recency,
                    c.t,
                    c.monetary_value,
                )
            })
            .collect();
        // a: periods Jan 1 (15), Jan 5 (20), Jan 10 (40): frequency 2, recency 9, T 9, mean(20, 40) = 30.
        assert_eq!(
            got,
            vec![
                ("a", 2.0, 9.0, 9.0, 30.0),
                ("b", 0.0, 0.0, 7.0, 0.0),
                ("c", 0.0, 0.0, 0.0, 0.0)
            ]
        );
        assert_eq!(s.customers[0].orders, Some(4));
        assert_eq!(s.customers[0].total_spend, Some(75.0));
    }

    #[test]
    fn weekly_and_monthly_periods() {
        let d = data(
            "customer_id,date,amount\n\
             a,2024-01-01,10\n\
             a,2024-01-07,10\n\
             a,2024-01-08,10\n\
             a,2024-03-31,10\n",
        );
        let week = summarize(
            &d,
            &SummaryOptions {
                period: Period::Week,
                ..SummaryOptions::default()
            },
        )
        .unwrap();
        // 2024-01-01 is a Monday: Jan 1 and Jan 7 share a week, Jan 8 starts the next.
        // Mar 31 is a Sunday in the week of Mar 25, 12 weeks after Jan 1.
        let c = &week.customers[0];
        assert_eq!((c.frequency, c.recency, c.t), (2.0, 12.0, 12.0));
        let month = summarize(
            &d,
            &SummaryOptions {
                period: Period::Month,
                ..SummaryOptions::default()
            },
        )
        .unwrap();
        let c = &month.customers[0];
        assert_eq!((c.frequency, c.recency, c.t), (1.0, 2.0, 2.0));
    }

    #[test]
    fn observation_end_extends_t_and_cuts_later_orders() {
        let d = data("customer_id,date,amount\na,2024-01-01,10\na,2024-01-20,10\n");
        let s = summarize(
            &d,
            &SummaryOptions {
                observation_end: Some("2024-01-10".into()),
                ..SummaryOptions::default()
            },
        )
        .unwrap();
        assert_eq!(s.customers[0].t, 9.0);
        assert_eq!(s.customers[0].frequency, 0.0);
        assert_eq!(s.orders_after_end, 1);
    }

    #[test]
    fn calibration_and_holdout() {
        let d = data(
            "customer_id,date,amount\n\
             a,2024-01-01,10\n\
             a,2024-01-05,30\n\
             a,2024-01-12,4\n\
             a,2024-01-15,6\n\
             b,2024-01-02,1\n\
             c,2024-01-11,9\n",
        );
        let ch = calibration_holdout(
            &d,
            &SummaryOptions {
                calibration_end: Some("2024-01-10".into()),
                ..SummaryOptions::default()
            },
        )
        .unwrap();
        let ids: Vec<&str> = ch
            .calibration
            .customers
            .iter()
            .map(|c| c.customer_id.as_str())
            .collect();
        assert_eq!(ids, vec!["a", "b"]);
        assert_eq!(ch.calibration.customers[0].t, 9.0);
        assert_eq!(ch.holdout[0].frequency_holdout, 2.0);
        assert_eq!(ch.holdout[0].monetary_value_holdout, 5.0);
        assert_eq!(ch.holdout[0].duration_holdout, 5.0);
        assert_eq!(ch.holdout[1].frequency_holdout, 0.0);
    }

    #[test]
    fn fully_returned_orders_do_not_count() {
        let d = data(
            "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n\
             1,A,x,2,2010-12-01 08:00,5.0,100.0,UK\n\
             2,B,y,1,2010-12-03 08:00,4.0,100.0,UK\n\
             C3,B,y,-1,2010-12-04 08:00,4.0,100.0,UK\n",
        );
        let s = summarize(&d, &SummaryOptions::default()).unwrap();
        let c = &s.customers[0];
        assert_eq!(c.customer_id, "100");
        assert_eq!(c.frequency, 0.0);
        assert_eq!(s.reversed_orders, 1);
        assert_eq!(s.reversed_revenue, 0.0);
    }

    /// A return larger than the order it nets against (tests/fixtures/
    /// ingest/hand_ledger_counters.csv, by hand: M2 bought 800 and returned
    /// 1,200): the order is left out with its net value, −400, so the
    /// customers' 3,600 and the left-out −400 make the file's 3,200.
    #[test]
    fn an_over_returned_order_is_left_out_with_its_value() {
        let bytes = include_bytes!("../tests/fixtures/ingest/hand_ledger_counters.csv");
        let ingested = ingest(bytes, &IngestOptions::default()).unwrap();
        let s = summarize(&ingested.data, &SummaryOptions::default()).unwrap();
        let spend: f64 = s.customers.iter().filter_map(|c| c.total_spend).sum();
        assert_eq!((s.customers.len(), s.reversed_orders), (2, 1));
        assert!((spend - 3600.0).abs() < 1e-9, "{spend}");
        assert!(
            (s.reversed_revenue + 400.0).abs() < 1e-9,
            "{}",
            s.reversed_revenue
        );
        let total = ingested.report.stats.total_amount;
        assert!((spend + s.reversed_revenue - total).abs() < 1e-9, "{total}");
    }
}
