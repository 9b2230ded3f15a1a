//! The shared per-customer layer: what the analyses that look at customers
//! one by one (predictions, segments, comparisons, the what-if simulator)
//! build on, so that they are siblings rather than a tower.
//!
//! - [`ShopModel`]: the shop's fitted purchase model (BG/NBD, MBG/NBD or
//!   Pareto/NBD, whichever the analysis chose: [`Purchases`]) with
//!   Gamma-Gamma spend, the parameter uncertainty of both fits, and each
//!   customer's [`CustomerValue`].
//! - [`Purchases`]: the chosen purchase model with the survival of a new
//!   customer that the retention lever moves (its module doc derives it for
//!   each model).
//! - The merchant's formula LTV ([`formula_ltv`]) and the churn window it
//!   and the segments share.
//! - The per-customer facts of an order file (orders, revenue, recency,
//!   summary row, model value) and their sums over a group
//!   ([`SegmentStats`]), which segments and comparisons tabulate.
//! - Each customer's next-order timing ([`CustomerTiming`]): the chance of
//!   an order in the next 30 and 90 days, the median and 80% range of the
//!   next order, and the pace the overdue list compares silence with.

mod facts;
mod purchases;
mod shop;
mod timing;

pub use facts::SegmentStats;
pub(crate) use facts::{
    ratio as facts_ratio, CustomerFacts, CustomerRow, FormulaContext, RowValue, Tally, TimingOf,
    ValueOf,
};
pub use purchases::Purchases;
pub use shop::ShopModel;
pub use timing::{
    customer_timing, day_after, CustomerTiming, LomaxWait, PACE_LEVEL, PURCHASE_WINDOWS_DAYS,
};

use serde::{Deserialize, Serialize};

use crate::summary::{Period, Summary};

/// One customer's model predictions, from [`ShopModel::customer_values`] or
/// [`crate::predict::Predictions::customer_values`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CustomerValue {
    /// Probability that the customer is still alive.
    pub p_alive: f64,
    /// Expected value of each future order (Gamma-Gamma).
    pub expected_spend: f64,
    /// Expected purchases over the horizon (`p_alive` included).
    pub expected_purchases: f64,
    /// Discounted revenue over the horizon (model LTV, `p_alive` included).
    pub clv: f64,
    /// Discounted revenue over the horizon if the customer is alive.
    pub value_if_alive: f64,
    /// Expected days between orders while alive: `1 / E[λ | x, T]` with
    /// `E[λ | x, T] = (r+x)/(α+T)` per period (the NBD purchase process all
    /// three purchase models share).
    pub days_between_orders: f64,
}

/// How [`ShopModel::customer_values`] values customers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ValueOptions {
    /// Horizon in months (default 12).
    pub months: u32,
    /// Monthly discount rate (default 0.01).
    pub monthly_discount_rate: f64,
}

impl Default for ValueOptions {
    fn default() -> ValueOptions {
        ValueOptions {
            months: 12,
            monthly_discount_rate: 0.01,
        }
    }
}

/// Days in one period unit (a month is 365.25/12 days).
pub(crate) fn days_per_period(period: Period) -> f64 {
    period.days()
}

/// The merchant's formula LTV, the one definition the crate uses (see
/// [`crate::predict`] for how the inputs are measured on data):
/// `aov × purchases per month × expected lifetime in months × margin`.
pub fn formula_ltv(aov: f64, purchases_per_month: f64, lifetime_months: f64, margin: f64) -> f64 {
    aov * purchases_per_month * lifetime_months * margin
}

/// The window, in the summary's periods, after which a customer not seen is
/// counted as churned: 12 months, or half the oldest customer's age (at least
/// one period) when the data is younger than two years' worth of that window.
/// The formula LTV of [`crate::predict`] and the segments' churn use this one
/// definition.
pub(crate) fn churn_window(summary: &Summary) -> f64 {
    let oldest = summary.oldest_t();
    let window = (12.0 * summary.period.per_month()).round();
    if oldest < window {
        (oldest / 2.0).floor().max(1.0)
    } else {
        window
    }
}
