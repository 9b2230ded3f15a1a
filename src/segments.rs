//! Customer segments: RFM scores and the named segments merchants know,
//! recency follow-up lists, NPS segments and follow-up timing.
//!
//! # RFM scores
//!
//! Each customer gets three scores from 1 to 5 (quintiles): **R** from the
//! days since the last purchase (more recent is higher), **F** from the
//! number of purchases, **M** from the net revenue. A customer's score is
//! `1 + ⌊5·k/n⌋`, where `n` is the number of customers and `k` the number of
//! customers with a strictly worse value. **Ties** share a score: equal values
//! never straddle two scores, so when 60 % of customers bought once they all
//! get F = 1 and the next score used is 4 (scores may be skipped).
//!
//! **A recent buyer is never scored as silent**: a customer whose last
//! purchase is at most [`RECENT_DAYS`] (30) days old gets R of at least 4.
//! Quintiles alone rank customers against each other, so in a shop three
//! weeks old, or one whose customers all buy weekly, the fifth who bought
//! longest ago would get R = 1 and be called lost or hibernating after two
//! weeks, while the A–E ranks ([`crate::rfm_ranks`]) put them in R = A
//! (0–30 days) and the follow-up lists start at 30 days. The grid below
//! names a silence only in rows R ≤ 3 (about to sleep, at risk, can't lose
//! them, hibernating, lost).
//!
//! # Named segments
//!
//! From R and `FM = ⌈(F + M)/2⌉`, the common R/FM grid:
//!
//! | R \ FM | 1 | 2 | 3 | 4 | 5 |
//! |---|---|---|---|---|---|
//! | 5 | New | Potential loyalist | Potential loyalist | Champions | Champions |
//! | 4 | Promising | Potential loyalist | Potential loyalist | Loyal | Loyal |
//! | 3 | About to sleep | About to sleep | Need attention | Loyal | Loyal |
//! | 2 | Hibernating | Hibernating | At risk | At risk | Can't lose them |
//! | 1 | Lost | Hibernating | At risk | At risk | Can't lose them |
//!
//! # Per segment
//!
//! Customers, revenue share, AOV (revenue over purchases), purchases per
//! customer, repeat rate, formula LTV, model LTV (the mean 12-month
//! discounted model CLV of the analysis's purchase model × Gamma-Gamma, see
//! [`crate::predict::Predictions::customer_values`] and
//! [`crate::customers::ShopModel::customer_values`]) and mean P(alive).
//!
//! **Formula LTV** is the merchant's rule of thumb `AOV × purchases per month
//! × expected lifetime × margin` with exactly the definitions of
//! [`crate::predict::formula_ltv`] (see [`crate::predict`]), margin 1, taken
//! over the segment's customers: AOV is their `Σ total_spend / Σ orders`,
//! purchases per month their `Σ frequency / Σ T` (summary periods), and the
//! churn rate is the share of those at least `W` old who were not seen in the
//! last `W`, with the shop's window `W` (12 months, or half the oldest
//! customer's age when the shop is younger). Over all customers it equals
//! predict's formula LTV (`tests/segments.rs` checks it); it is undefined
//! (`None`) for a segment with no customer `W` old or none lapsed.
//!
//! # Follow-up
//!
//! - **Recency lists**: repeat buyers (two or more purchases) whose last
//!   purchase is at least `days` old, one list per threshold (default 30,
//!   "reach out personally", and 60, "responses drop sharply"), each up to
//!   the next threshold, the highest revenue first.
//! - **Overdue** (from the fitted purchase model, see
//!   [`crate::customers::CustomerTiming`]): a repeat customer (`x >= 1`)
//!   whose silence since the last purchase exceeds their **pace** `M`: the
//!   wait after the last purchase by which 9 in 10 customers with the same
//!   history at that purchase (`x` repeat purchases, the last at `t_x`) who
//!   are still alive have bought again, `G(M) = 0.9` with
//!   `G(s) = (1 - p_purchases_if_alive(0, x, t_x, s)) /
//!   p_purchase_again_if_alive(x, t_x)`. For BG/NBD and MBG/NBD that wait is
//!   Lomax, `P(wait > s) = ((α+t_x)/(α+t_x+s))^(r+x)` (Fader, Hardie & Lee
//!   2005a: given `x` purchases by `t_x` the purchase rate is
//!   `Gamma(r+x, α+t_x)`, and an exponential wait mixed over a Gamma rate
//!   is Lomax; an alive customer cannot leave before buying), so
//!   `M = (α+t_x)(10^(1/(r+x)) - 1)`. Pareto/NBD customers may leave before
//!   buying: `G` is the wait of those who buy again. An alive customer would
//!   be this silent less than one time in ten: the silence itself is the
//!   signal. Silence and pace are in days. A customer who just bought is
//!   never overdue (`M > 0`), and a longer silence never takes a customer
//!   off the rule (`M` does not depend on it). The list holds those still likely enough to be a customer to be
//!   worth a reminder, `P(alive) >=` [`OVERDUE_MIN_P_ALIVE`] (one chance in
//!   five); the others are counted (`probably_gone`) and left to the lost
//!   and hibernating segments: most customers silent past their pace have
//!   simply left, and a list of all of them is too long to act on. Listed
//!   by **value at risk**: their model LTV, `P(alive)` times the
//!   discounted 12-month revenue they bring if still alive — the value
//!   still at stake (a customer who is surely gone has nothing left to
//!   save). Each row's reason: silent `N` days, 9 in 10 at their pace would
//!   have bought again by day `M` ([`TimingReason::SilentPastPace`]).
//! - **Due soon**: customers not overdue whose median next purchase
//!   (from the observation end, `P(alive)` included) falls within
//!   [`DUE_SOON_DAYS`], the most likely to buy within 30 days first
//!   ([`TimingReason::DueSoon`]): the time for the reminder before the
//!   order, as an "expected date of next order".
//!
//! Dates from the timing are the observation end plus the days, rounded to
//! the nearest day ([`crate::customers::day_after`]).
//!
//! # NPS
//!
//! With an NPS column, a customer's score is that of their latest purchase
//! with one: promoters 9–10, passives 7–8, detractors 0–6.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::cohorts::Histories;
use crate::customers::facts_ratio as ratio;
use crate::customers::{
    customer_timing, day_after, CustomerFacts, CustomerRow, CustomerTiming, CustomerValue,
    LomaxWait, RowValue, ShopModel, Tally, TimingOf, ValueOf, ValueOptions,
};
use crate::days::format_day;
use crate::models::ModelKind;
use crate::predict::Predictions;
use crate::summary::Summary;
use crate::transactions::Transactions;
use crate::{Error, Result};

pub use crate::customers::SegmentStats;

/// The named segments, in the order of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    /// Bought recently, often, and spent the most.
    Champions,
    /// Buy often and spend well; not the most recent.
    Loyal,
    /// Recent customers with average frequency and spend.
    PotentialLoyalist,
    /// Bought most recently, but not often.
    New,
    /// Recent shoppers who have not spent much.
    Promising,
    /// Average recency, frequency and spend.
    NeedAttention,
    /// Below-average recency, frequency and spend.
    AboutToSleep,
    /// Spent big and often, but long ago.
    AtRisk,
    /// Were among the best; have not come back for a long time.
    CantLoseThem,
    /// Last purchase long ago, few orders, low spend.
    Hibernating,
    /// The lowest recency, frequency and spend.
    Lost,
}

impl Segment {
    /// All segments, in report order.
    pub const ALL: [Segment; 11] = [
        Segment::Champions,
        Segment::Loyal,
        Segment::PotentialLoyalist,
        Segment::New,
        Segment::Promising,
        Segment::NeedAttention,
        Segment::AboutToSleep,
        Segment::AtRisk,
        Segment::CantLoseThem,
        Segment::Hibernating,
        Segment::Lost,
    ];

    /// The segment of an R score and an FM score (each 1 to 5), by the grid
    /// in the module doc.
    pub fn from_scores(r: u8, fm: u8) -> Segment {
        match (r, fm) {
            (5.., 1) => Segment::New,
            (5.., 2 | 3) => Segment::PotentialLoyalist,
            (5.., _) => Segment::Champions,
            (4, 1) => Segment::Promising,
            (4, 2 | 3) => Segment::PotentialLoyalist,
            (4, _) => Segment::Loyal,
            (3, 0..=2) => Segment::AboutToSleep,
            (3, 3) => Segment::NeedAttention,
            (3, _) => Segment::Loyal,
            (_, 5..) => Segment::CantLoseThem,
            (_, 3 | 4) => Segment::AtRisk,
            (0 | 1, 0 | 1) => Segment::Lost,
            _ => Segment::Hibernating,
        }
    }

    /// The display name, e.g. `"Can't lose them"`.
    pub fn label(self) -> &'static str {
        match self {
            Segment::Champions => "Champions",
            Segment::Loyal => "Loyal",
            Segment::PotentialLoyalist => "Potential loyalist",
            Segment::New => "New",
            Segment::Promising => "Promising",
            Segment::NeedAttention => "Need attention",
            Segment::AboutToSleep => "About to sleep",
            Segment::AtRisk => "At risk",
            Segment::CantLoseThem => "Can't lose them",
            Segment::Hibernating => "Hibernating",
            Segment::Lost => "Lost",
        }
    }
}

/// A recency follow-up threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpRule {
    /// Days since the last purchase at which the list starts.
    pub days: u32,
    /// What to do, e.g. `"reach out personally"`.
    pub note: String,
}

/// Options for [`segments`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentOptions {
    /// Recency follow-up thresholds (default: 30 days "reach out
    /// personally", 60 days "responses drop sharply").
    pub follow_up: Vec<FollowUpRule>,
    /// Most customers listed in each list (default 100); counts cover all.
    pub list_limit: usize,
    /// Model LTV horizon and discount rate (default 12 months, 1 %).
    pub value: ValueOptions,
    /// Include one row per customer (default true).
    pub per_customer: bool,
}

impl Default for SegmentOptions {
    fn default() -> SegmentOptions {
        SegmentOptions {
            follow_up: vec![
                FollowUpRule {
                    days: 30,
                    note: "reach out personally".to_owned(),
                },
                FollowUpRule {
                    days: 60,
                    note: "responses drop sharply".to_owned(),
                },
            ],
            list_limit: 100,
            value: ValueOptions::default(),
            per_customer: true,
        }
    }
}

/// The segments of a shop's customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentReport {
    /// The observation end (ISO): the last date in the data.
    pub observation_end: String,
    /// Whether model LTV, P(alive) and next-order dates are present.
    pub modeled: bool,
    /// All customers together.
    pub overall: SegmentStats,
    /// One row per named segment, in [`Segment::ALL`] order (empty ones included).
    pub segments: Vec<NamedSegmentStats>,
    /// One list per follow-up rule, by ascending days.
    pub follow_up: Vec<FollowUpList>,
    /// Repeat customers silent past their pace (module doc), by value at risk.
    pub overdue: TimingList,
    /// Customers whose median next order is within [`DUE_SOON_DAYS`], by
    /// their chance of buying within 30 days.
    pub due_soon: TimingList,
    /// Promoters, passives and detractors, when the data has NPS scores.
    pub nps: Option<NpsReport>,
    /// One row per customer (when asked for), in customer order.
    pub customers: Vec<CustomerSegment>,
}

/// A named segment's statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedSegmentStats {
    /// The segment.
    pub segment: Segment,
    /// Its display name.
    pub label: &'static str,
    /// Its statistics.
    #[serde(flatten)]
    pub stats: SegmentStats,
}

/// One recency follow-up list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUpList {
    /// The list starts at this many days since the last purchase...
    pub min_days: u32,
    /// ...and ends before this many (the next rule's), if any.
    pub max_days: Option<u32>,
    /// What to do.
    pub note: String,
    /// All customers in the list.
    pub count: u64,
    /// The first `list_limit` of them, highest revenue first.
    pub customers: Vec<FollowUpCustomer>,
}

/// A customer in a follow-up list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUpCustomer {
    /// The customer id.
    pub customer_id: String,
    /// Days from the last purchase to the observation end.
    pub days_since_last_order: i32,
    /// The last purchase (ISO).
    pub last_order: String,
    /// Purchases.
    pub orders: u32,
    /// Net revenue.
    pub revenue: f64,
}

/// The least P(alive) of a customer on the overdue list (module doc).
pub const OVERDUE_MIN_P_ALIVE: f64 = 0.2;

/// How soon the due-soon list looks ahead, in days.
pub const DUE_SOON_DAYS: f64 = 30.0;

/// A list of customers chosen by their next-order timing: overdue or due
/// soon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimingList {
    /// All customers in the list.
    pub count: u64,
    /// Overdue customers left off the list as probably gone (`P(alive)`
    /// below [`OVERDUE_MIN_P_ALIVE`]); 0 for the due-soon list.
    pub probably_gone: u64,
    /// The first `list_limit` of them, in the list's order.
    pub customers: Vec<TimedCustomer>,
}

/// A customer in a [`TimingList`], with why they are on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimedCustomer {
    /// The customer id.
    pub customer_id: String,
    /// The last purchase (ISO).
    pub last_order: String,
    /// Days from the last purchase to the observation end.
    pub days_since_last_order: i32,
    /// Purchases.
    pub orders: u32,
    /// Probability the customer is still alive.
    pub p_alive: f64,
    /// Model LTV: P(alive) × discounted revenue over the value horizon if alive.
    pub value_at_risk: f64,
    /// Probability of at least one purchase in the next 30 days.
    pub p_purchase_30d: f64,
    /// Probability that the customer is still a customer 90 days after the
    /// observation end ([`CustomerTiming::p_alive_90d`]); `None` without the
    /// model's timing.
    pub p_alive_90d: Option<f64>,
    /// The median next order (ISO); `None` when the customer is more
    /// likely gone than not.
    pub next_order: Option<String>,
    /// The 10th percentile of the next order (ISO), if any.
    pub next_order_low: Option<String>,
    /// The 90th percentile of the next order (ISO), if any: with
    /// `next_order_low`, an 80% range.
    pub next_order_high: Option<String>,
    /// Why the customer is on the list.
    pub reason: TimingReason,
}

/// Why a customer is on a [`TimingList`]: a code with its numbers, which
/// each door words in its language.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum TimingReason {
    /// Silent `silent_days` days; 9 in 10 alive customers at their pace
    /// would have bought again by day `pace_days` after their last order.
    SilentPastPace {
        /// Days since the last purchase.
        silent_days: i32,
        /// The pace `M` in days, rounded up.
        pace_days: i32,
    },
    /// The median next order is `in_days` days after the observation end.
    DueSoon {
        /// Days from the observation end to the median next order.
        in_days: i32,
        /// Probability of at least one purchase in the next 30 days.
        p_purchase_30d: f64,
    },
}

impl TimingReason {
    /// The reason in English words (the CLI's text).
    pub fn message(&self) -> String {
        match *self {
            TimingReason::SilentPastPace {
                silent_days,
                pace_days,
            } => format!(
                "silent {silent_days} days; 9 in 10 customers at their pace would have bought again by day {pace_days}"
            ),
            TimingReason::DueSoon {
                in_days,
                p_purchase_30d,
            } => format!(
                "next order expected in about {in_days} days; {:.0}% chance of an order within 30 days",
                100.0 * p_purchase_30d
            ),
        }
    }
}

/// NPS segments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NpsReport {
    /// `100 · (promoters - detractors) / scored customers`.
    pub nps: f64,
    /// Scores 9–10.
    pub promoters: SegmentStats,
    /// Scores 7–8.
    pub passives: SegmentStats,
    /// Scores 0–6.
    pub detractors: SegmentStats,
    /// Customers without a score.
    pub unscored: u64,
}

/// One customer's scores, segment and timing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerSegment {
    /// The customer id.
    pub customer_id: String,
    /// Recency score 1–5.
    pub r: u8,
    /// Frequency score 1–5.
    pub f: u8,
    /// Monetary score 1–5.
    pub m: u8,
    /// The named segment.
    pub segment: Segment,
    /// Purchases.
    pub orders: u32,
    /// Net revenue.
    pub revenue: f64,
    /// Days from the last purchase to the observation end.
    pub days_since_last_order: i32,
    /// The latest NPS score, if any.
    pub nps: Option<u8>,
    /// P(alive), when modeled.
    pub p_alive: Option<f64>,
    /// Model LTV, when modeled.
    pub model_ltv: Option<f64>,
    /// The median next order (ISO), when modeled and the customer is more
    /// likely to buy again than not.
    pub expected_next_order: Option<String>,
}

/// Segments the customers of `t`.
///
/// `summary` must be a summary of `t` (any period) and `model` a model fitted
/// on it; without a model the model columns are `None`. Equal to
/// [`segments_with`] on `Histories::new(t)`; build the [`Histories`] once
/// instead when cohorts are computed too.
///
/// # Errors
///
/// [`crate::ErrorKind::NoUsableColumn`] if there is no purchase with a
/// customer; [`crate::ErrorKind::Options`] if `summary` does not match `t`;
/// the model's prediction errors.
pub fn segments(
    t: &Transactions,
    summary: &Summary,
    model: Option<&ShopModel>,
    options: &SegmentOptions,
) -> Result<SegmentReport> {
    segments_with(&Histories::new(t)?, summary, model, options)
}

/// Segments the customers of `histories`, as [`segments`] does for its
/// transactions.
///
/// # Errors
///
/// [`crate::ErrorKind::Options`] if `summary` does not match the
/// transactions; the model's prediction errors.
pub fn segments_with(
    histories: &Histories<'_>,
    summary: &Summary,
    model: Option<&ShopModel>,
    options: &SegmentOptions,
) -> Result<SegmentReport> {
    let values = model
        .map(|m| m.customer_values(summary, &options.value))
        .transpose()?;
    let timing = model
        .map(|m| -> Result<Vec<CustomerTiming>> {
            let rows = crate::predict::rfm_rows(&summary.customers)?;
            let [r, alpha, ..] = m.purchases().params();
            let lomax = matches!(m.kind(), ModelKind::BgNbd | ModelKind::MbgNbd)
                .then_some(LomaxWait { r, alpha });
            Ok(customer_timing(
                m.purchases().model(),
                lomax,
                &rows,
                m.period(),
            ))
        })
        .transpose()?;
    segments_with_timing(
        histories,
        summary,
        values.as_deref(),
        timing.as_deref(),
        options,
    )
}

/// Segments the customers of `histories` with model values computed
/// elsewhere: `values[i]` is the summary's `i`-th customer's (for example
/// [`crate::predict::Predictions::customer_values`], so that the segments
/// and the customer table use one model and one margin). `options.value` is
/// not used.
///
/// # Errors
///
/// [`crate::ErrorKind::Options`] if `summary` does not match the
/// transactions, or `values` has not one value per summary customer.
pub fn segments_with_values(
    histories: &Histories<'_>,
    summary: &Summary,
    values: Option<&[CustomerValue]>,
    options: &SegmentOptions,
) -> Result<SegmentReport> {
    segments_with_timing(histories, summary, values, None, options)
}

/// [`segments_with_values`] with each customer's next-order timing
/// (`timing[i]` is the summary's `i`-th customer's, for example from
/// [`crate::predict::Predictions::customer_timing`]): the overdue and
/// due-soon lists and the expected next order need it, and are empty
/// without it.
///
/// # Errors
///
/// As [`segments_with_values`], and when `timing` has not one row per
/// summary customer.
pub fn segments_with_timing(
    histories: &Histories<'_>,
    summary: &Summary,
    values: Option<&[CustomerValue]>,
    timing: Option<&[CustomerTiming]>,
    options: &SegmentOptions,
) -> Result<SegmentReport> {
    let n = summary.customers.len();
    for (what, len) in [
        ("customer values", values.map(<[_]>::len)),
        ("customer timings", timing.map(<[_]>::len)),
    ] {
        if let Some(len) = len.filter(|&len| len != n) {
            return Err(Error::options(format!(
                "{len} {what} for {n} summary customers"
            )));
        }
    }
    let value_of = |i: usize| values.and_then(|v| v.get(i)).map(RowValue::from);
    let timing_of = |i: usize| timing.and_then(|v| v.get(i)).copied();
    segments_with_model(
        histories,
        summary,
        values.map(|_| &value_of as &ValueOf<'_>),
        timing.map(|_| &timing_of as &TimingOf<'_>),
        options,
    )
}

/// [`segments_with_timing`] with the values and timing of `predictions`
/// (one row per summary customer, in the summary's order, as
/// [`crate::predict::predict`] gives them), read where they are instead of
/// copied: equal to `segments_with_timing(h, s,
/// Some(&p.customer_values()), Some(&p.customer_timing()), options)`.
///
/// # Errors
///
/// As [`segments_with_timing`].
pub fn segments_with_predictions(
    histories: &Histories<'_>,
    summary: &Summary,
    predictions: &Predictions,
    options: &SegmentOptions,
) -> Result<SegmentReport> {
    let n = summary.customers.len();
    let rows = &predictions.customers;
    if rows.len() != n {
        return Err(Error::options(format!(
            "{} customer values for {n} summary customers",
            rows.len()
        )));
    }
    // The two numbers the segments read of a customer's value, as
    // `Predictions::customer_values` copies them.
    let value_of = |i: usize| {
        rows.get(i).map(|c| RowValue {
            p_alive: c.p_alive,
            clv: c.clv,
        })
    };
    let timing_of = |i: usize| rows.get(i).map(|c| c.timing);
    segments_with_model(
        histories,
        summary,
        Some(&value_of),
        Some(&timing_of),
        options,
    )
}

/// The segments with the model's numbers read through `value` and
/// `timing` (by summary row), whose lengths the callers have checked.
fn segments_with_model<'a>(
    histories: &Histories<'a>,
    summary: &Summary,
    value: Option<&ValueOf<'_>>,
    timing: Option<&'a TimingOf<'a>>,
    options: &SegmentOptions,
) -> Result<SegmentReport> {
    let modeled = value.is_some();
    // Read where they are: a copy of every customer's values and timing in
    // each row would be the larger part of this section's memory.
    let facts = CustomerFacts::build_with_model(histories, summary, value, timing)?;
    let n = facts.rows.len();
    let mut r = scores(&facts.rows, |c| -f64::from(c.days_since_last));
    for (score, c) in r.iter_mut().zip(&facts.rows) {
        if c.days_since_last <= RECENT_DAYS {
            *score = (*score).max(4);
        }
    }
    let f = scores(&facts.rows, |c| f64::from(c.orders));
    let m = scores(&facts.rows, |c| c.revenue);
    let segment: Vec<Segment> = (0..n)
        .map(|i| Segment::from_scores(r[i], (f[i] + m[i]).div_ceil(2)))
        .collect();
    let ctx = &facts.context;
    let mut tallies = [Tally::default(); 11];
    let mut overall = Tally::default();
    for (row, s) in facts.rows.iter().zip(&segment) {
        tallies[segment_index(*s)].add(row);
        overall.add(row);
    }
    let segments = Segment::ALL
        .iter()
        .zip(&tallies)
        .map(|(&s, t)| NamedSegmentStats {
            segment: s,
            label: s.label(),
            stats: t.stats(ctx),
        })
        .collect();
    let nps = nps_report(&facts);
    let follow_up = follow_up_lists(&facts, options)?;
    let overdue = overdue_list(&facts, options.list_limit);
    let due_soon = due_soon_list(&facts, options.list_limit);
    let customers = if options.per_customer {
        facts
            .rows
            .iter()
            .enumerate()
            .map(|(i, c)| CustomerSegment {
                customer_id: facts.id(c).to_owned(),
                r: r[i],
                f: f[i],
                m: m[i],
                segment: segment[i],
                orders: c.orders,
                revenue: c.revenue,
                days_since_last_order: c.days_since_last,
                nps: (c.nps != u8::MAX).then_some(c.nps),
                p_alive: c.value.map(|v| v.p_alive),
                model_ltv: c.value.map(|v| v.clv),
                expected_next_order: facts
                    .timing(c)
                    .and_then(|t| t.median_days())
                    .and_then(|d| day_after(ctx.end_day, d))
                    .map(format_day),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(SegmentReport {
        observation_end: format_day(ctx.end_day),
        modeled,
        overall: overall.stats(ctx),
        segments,
        follow_up,
        overdue,
        due_soon,
        nps,
        customers,
    })
}

/// Days since the last purchase within which a customer's R score is at
/// least 4 (see the module doc): the A–E ranks' R = A
/// ([`crate::rfm_ranks::RECENCY_DAYS`]`[0]`), and the first follow-up list's
/// threshold by default.
pub const RECENT_DAYS: i32 = crate::rfm_ranks::RECENCY_DAYS[0] as i32;

/// RFM scores of `rows` by `key` (higher key, higher score), ties sharing
/// the score of their lowest rank.
pub(crate) fn scores<T>(rows: &[T], key: impl Fn(&T) -> f64) -> Vec<u8> {
    let n = rows.len();
    let mut order: Vec<(f64, u32)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (key(r), i as u32))
        .collect();
    order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = vec![1u8; n];
    let mut tie_start = 0;
    for k in 0..n {
        if k > 0 && order[k].0 != order[k - 1].0 {
            tie_start = k;
        }
        out[order[k].1 as usize] = (1 + 5 * tie_start / n) as u8;
    }
    out
}

fn segment_index(s: Segment) -> usize {
    Segment::ALL.iter().position(|&x| x == s).unwrap_or(0)
}

fn nps_report(facts: &CustomerFacts<'_>) -> Option<NpsReport> {
    facts.transactions().nps_col()?;
    let mut groups = [Tally::default(); 3];
    let mut unscored = 0;
    for c in &facts.rows {
        match c.nps {
            9..=10 => groups[0].add(c),
            7..=8 => groups[1].add(c),
            0..=6 => groups[2].add(c),
            _ => unscored += 1,
        }
    }
    let scored = groups.iter().map(|g| g.customers).sum::<u64>();
    let ctx = &facts.context;
    Some(NpsReport {
        nps: 100.0
            * ratio(
                groups[0].customers as f64 - groups[2].customers as f64,
                scored as f64,
            ),
        promoters: groups[0].stats(ctx),
        passives: groups[1].stats(ctx),
        detractors: groups[2].stats(ctx),
        unscored,
    })
}

fn follow_up_lists(
    facts: &CustomerFacts<'_>,
    options: &SegmentOptions,
) -> Result<Vec<FollowUpList>> {
    let mut rules = options.follow_up.clone();
    rules.sort_by_key(|r| r.days);
    if rules.windows(2).any(|w| w[0].days == w[1].days) {
        return Err(Error::options("follow-up thresholds must differ"));
    }
    Ok(rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let max_days = rules.get(i + 1).map(|r| r.days);
            let mut list: Vec<&CustomerRow> = facts
                .rows
                .iter()
                .filter(|c| {
                    c.orders >= 2
                        && c.days_since_last >= rule.days as i32
                        && max_days.is_none_or(|m| c.days_since_last < m as i32)
                })
                .collect();
            let count = list.len() as u64;
            sort_first(&mut list, options.list_limit, |a, b| {
                b.revenue
                    .total_cmp(&a.revenue)
                    .then(a.customer.cmp(&b.customer))
            });
            FollowUpList {
                min_days: rule.days,
                max_days,
                note: rule.note.clone(),
                count,
                customers: list
                    .into_iter()
                    .take(options.list_limit)
                    .map(|c| FollowUpCustomer {
                        customer_id: facts.id(c).to_owned(),
                        days_since_last_order: c.days_since_last,
                        last_order: format_day(c.last_day),
                        orders: c.orders,
                        revenue: c.revenue,
                    })
                    .collect(),
            }
        })
        .collect())
}

/// Sorts the first `limit` of `list` by `order` and drops the rest: exactly
/// the first `limit` of a full sort, since `order` is total (ties broken by
/// customer index), without sorting the whole list.
fn sort_first<T>(list: &mut Vec<T>, limit: usize, order: impl Fn(&T, &T) -> Ordering) {
    if limit < list.len() {
        if limit == 0 {
            list.clear();
            return;
        }
        list.select_nth_unstable_by(limit - 1, &order);
        list.truncate(limit);
    }
    list.sort_by(order);
}

/// Whether a customer is overdue (module doc): a repeat customer silent
/// for longer than their pace. Returns the reason if so.
pub(crate) fn overdue_reason(
    row: &CustomerRow,
    timing: Option<&CustomerTiming>,
) -> Option<TimingReason> {
    let pace = timing?.pace_days?;
    (row.frequency > 0.0 && f64::from(row.days_since_last) > pace).then(|| {
        TimingReason::SilentPastPace {
            silent_days: row.days_since_last,
            pace_days: pace.ceil() as i32,
        }
    })
}

fn overdue_list(facts: &CustomerFacts<'_>, limit: usize) -> TimingList {
    let overdue: Vec<(&CustomerRow, RowValue, TimingReason)> = facts
        .rows
        .iter()
        .filter_map(|c| Some((c, c.value?, overdue_reason(c, facts.timing(c).as_ref())?)))
        .collect();
    let all = overdue.len() as u64;
    let mut list: Vec<_> = overdue
        .into_iter()
        .filter(|(_, v, _)| v.p_alive >= OVERDUE_MIN_P_ALIVE)
        .collect();
    let count = list.len() as u64;
    sort_first(&mut list, limit, |a, b| {
        b.1.clv
            .total_cmp(&a.1.clv)
            .then(a.0.customer.cmp(&b.0.customer))
    });
    TimingList {
        count,
        probably_gone: all - count,
        customers: list
            .into_iter()
            .take(limit)
            .map(|(c, v, reason)| timed_customer(facts, c, v, reason))
            .collect(),
    }
}

fn due_soon_list(facts: &CustomerFacts<'_>, limit: usize) -> TimingList {
    let mut list: Vec<(&CustomerRow, RowValue, TimingReason)> = facts
        .rows
        .iter()
        .filter_map(|c| {
            let timing = facts.timing(c)?;
            let median = timing.median_days()?;
            let due = median <= DUE_SOON_DAYS && overdue_reason(c, Some(&timing)).is_none();
            due.then(|| {
                let reason = TimingReason::DueSoon {
                    in_days: median.round() as i32,
                    p_purchase_30d: timing.p_purchase_30d,
                };
                c.value.map(|v| (c, v, reason))
            })?
        })
        .collect();
    let count = list.len() as u64;
    let p30 = |c: &CustomerRow| facts.timing(c).map_or(0.0, |t| t.p_purchase_30d);
    sort_first(&mut list, limit, |a, b| {
        p30(b.0)
            .total_cmp(&p30(a.0))
            .then(a.0.customer.cmp(&b.0.customer))
    });
    TimingList {
        count,
        probably_gone: 0,
        customers: list
            .into_iter()
            .take(limit)
            .map(|(c, v, reason)| timed_customer(facts, c, v, reason))
            .collect(),
    }
}

fn timed_customer(
    facts: &CustomerFacts<'_>,
    c: &CustomerRow,
    v: RowValue,
    reason: TimingReason,
) -> TimedCustomer {
    let end = facts.context.end_day;
    let timing = facts.timing(c);
    let date = |k: usize| {
        timing
            .and_then(|t| t.next_order_days[k])
            .and_then(|d| day_after(end, d))
            .map(format_day)
    };
    TimedCustomer {
        customer_id: facts.id(c).to_owned(),
        last_order: format_day(c.last_day),
        days_since_last_order: c.days_since_last,
        orders: c.orders,
        p_alive: v.p_alive,
        value_at_risk: v.clv,
        p_purchase_30d: timing.map_or(0.0, |t| t.p_purchase_30d),
        p_alive_90d: timing.map(|t| t.p_alive_90d),
        next_order: date(1),
        next_order_low: date(0),
        next_order_high: date(2),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_first_is_the_head_of_a_full_sort() {
        // (revenue, customer) with many tied revenues, by revenue
        // descending and customer ascending, as the follow-up lists.
        let rows: Vec<(f64, u32)> = (0..500u32)
            .map(|i| (f64::from((i * 7919) % 37), (i * 104_729) % 1009))
            .collect();
        let order = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        let mut full = rows.clone();
        full.sort_by(order);
        for limit in [0, 1, 2, 50, 499, 500, 1000] {
            let mut got = rows.clone();
            sort_first(&mut got, limit, order);
            assert_eq!(got, full[..limit.min(full.len())]);
        }
    }
}
