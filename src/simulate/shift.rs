//! The channel-shift lever: what moving a share of one channel's new
//! customers to another is worth, from the covariate models
//! ([`crate::models::covariate_effects`]).
//!
//! # Formula
//!
//! With `v_g` a new customer's expected repeat revenue over the horizon in
//! channel `g` (expected repeat purchases times mean spend,
//! [`crate::models::GroupEffect::expected_value`]), moving a share `s` of
//! channel A's `n_A` new customers to channel B changes the gross profit of
//! those customers' repeat orders over the horizon by
//!
//! ```text
//! Δ = margin · s · n_A · (v_B − v_A)
//! ```
//!
//! and its interval is `Δ ± z·sd(Δ)` with `Var(v_B − v_A)` by the delta
//! method over both fits' full covariances (the shared base parameters, both
//! channels' coefficients and their cross terms;
//! [`crate::models::CovariateReport::value_difference`]): not the two
//! channels' own intervals, whose errors share the base parameters.
//!
//! # Assumptions
//!
//! - Customers moved to B behave like B's customers so far, and those A
//!   loses are like A's so far: the channel is all that differs (the model
//!   sees no other difference between them; a channel that grows by
//!   reaching new kinds of people changes its mix).
//! - The first order is left out: its value is the acquisition's, which
//!   the spend model (fitted on repeat orders) does not see.
//! - Spend is independent of the purchase process (Gamma-Gamma's
//!   assumption), so the purchase and spend fits' errors are independent.
//! - The interval is of the parameters' uncertainty (Laplace approximation,
//!   90% by default), not of one realized future.

use serde::Serialize;

use crate::models::counted;
use crate::models::{CovariateReport, Estimate, GroupKind};
use crate::{Error, ErrorCode, Result};

use super::scenario::check_margin;

/// A shift of new customers from one channel to another.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelShift {
    /// The channel new customers are moved from (A).
    pub from: String,
    /// The channel they are moved to (B).
    pub to: String,
    /// Share of A's new customers moved, above 0 and at most 1.
    pub share: f64,
    /// A's new customers the share is of; `None`: as many as A brought in
    /// over the data ([`crate::models::GroupEffect::customers`]).
    pub new_customers: Option<f64>,
}

/// What [`channel_shift`] found; money is gross profit (revenue times the
/// margin) of repeat orders over the horizon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShiftOutcome {
    /// Channel A.
    pub from: String,
    /// Channel B.
    pub to: String,
    /// Share of A's new customers moved.
    pub share: f64,
    /// A's new customers the share is of.
    pub new_customers: f64,
    /// Whether [`ShiftOutcome::new_customers`] is A's customers in the data
    /// (the default) rather than a number given.
    pub new_customers_from_data: bool,
    /// B's new customers beside them at the data's mix: B's customers in the
    /// data times `new_customers` over A's.
    pub to_customers: f64,
    /// New customers moved, `share · new_customers`.
    pub moved: f64,
    /// The gross margin.
    pub margin: f64,
    /// The horizon in months (the covariate models').
    pub horizon_months: f64,
    /// The interval's coverage.
    pub level: f64,
    /// A new customer of A: margin times expected repeat revenue over the
    /// horizon.
    pub from_value: f64,
    /// The same for B.
    pub to_value: f64,
    /// Both channels' new customers as they are:
    /// `new_customers · from_value + to_customers · to_value`.
    pub baseline: f64,
    /// The baseline plus the change.
    pub scenario: f64,
    /// `Δ = moved · (to_value − from_value)` with its interval; no interval
    /// when a fit has no covariance.
    pub change: Estimate,
}

/// What moving `shift.share` of channel `shift.from`'s new customers to
/// `shift.to` changes, at gross `margin` (module doc).
///
/// # Errors
///
/// An options error with code [`ErrorCode::ShiftUnknownChannel`] for a
/// channel the effects do not name, [`ErrorCode::ShiftSameChannel`] for the
/// same channel twice, [`ErrorCode::ShiftSmallChannel`] for a channel too
/// small to read ([`crate::models::GroupEffect::small`]),
/// [`ErrorCode::ShiftNoSpend`] for a channel without a spend estimate,
/// [`ErrorCode::ShiftShareOutOfRange`] for a share outside `(0, 1]`; a
/// margin outside `[0, 1]` or a number of new customers that is not a
/// finite number `>= 0`.
pub fn channel_shift(
    effects: &CovariateReport,
    shift: &ChannelShift,
    margin: f64,
) -> Result<ShiftOutcome> {
    check_margin(margin)?;
    if !(shift.share > 0.0 && shift.share <= 1.0) {
        return Err(Error::options(format!(
            "the share of new customers moved must be above 0 and at most 1, got {}",
            shift.share
        ))
        .with_code(ErrorCode::ShiftShareOutOfRange)
        .param("value", shift.share));
    }
    if let Some(n) = shift.new_customers {
        if !(n.is_finite() && n >= 0.0) {
            return Err(Error::options(format!(
                "new customers must be a finite number >= 0, got {n}"
            )));
        }
    }
    let from = channel(effects, &shift.from)?;
    let to = channel(effects, &shift.to)?;
    if from == to {
        return Err(Error::options(format!(
            "cannot shift new customers from channel \"{}\" to itself",
            shift.from
        ))
        .with_code(ErrorCode::ShiftSameChannel)
        .param("channel", shift.from.as_str()));
    }
    let no_spend = |name: &str| {
        Error::options(format!(
            "channel \"{name}\" has no spend estimate of its own: no spend model, or none of \
             its customers repeated with a spend"
        ))
        .with_code(ErrorCode::ShiftNoSpend)
        .param("channel", name)
    };
    let d = effects.value_difference(from, to).ok_or_else(|| {
        let missing = |g: usize| effects.groups[g].mean_spend.is_none();
        no_spend(if missing(from) {
            &shift.from
        } else {
            &shift.to
        })
    })?;
    let observed = effects.groups[from].customers as f64;
    let new_customers = shift.new_customers.unwrap_or(observed);
    let to_customers = if observed > 0.0 {
        effects.groups[to].customers as f64 * new_customers / observed
    } else {
        0.0
    };
    let moved = shift.share * new_customers;
    let (from_value, to_value) = (margin * d.from_value, margin * d.to_value);
    let value = moved * margin * d.difference;
    let z = std::f64::consts::SQRT_2 * statrs::function::erf::erf_inv(effects.level);
    let half = d.variance.map(|v| z * moved * margin * v.sqrt());
    let baseline = new_customers * from_value + to_customers * to_value;
    Ok(ShiftOutcome {
        from: shift.from.clone(),
        to: shift.to.clone(),
        share: shift.share,
        new_customers,
        new_customers_from_data: shift.new_customers.is_none(),
        to_customers,
        moved,
        margin,
        horizon_months: effects.horizon_months,
        level: effects.level,
        from_value,
        to_value,
        baseline,
        scenario: baseline + value,
        change: Estimate {
            value,
            low: half.map(|h| value - h),
            high: half.map(|h| value + h),
        },
    })
}

/// The index of the named channel in `effects.groups`, checked large
/// enough to read.
fn channel(effects: &CovariateReport, name: &str) -> Result<usize> {
    let Some(g) = effects
        .groups
        .iter()
        .position(|g| g.kind == GroupKind::Value && g.name.as_deref() == Some(name))
    else {
        let names: Vec<&str> = effects
            .groups
            .iter()
            .filter(|g| g.kind == GroupKind::Value)
            .filter_map(|g| g.name.as_deref())
            .collect();
        return Err(Error::options(format!(
            "no channel \"{name}\" in the channel effects (channels: {})",
            names.join(", ")
        ))
        .with_code(ErrorCode::ShiftUnknownChannel)
        .param("channel", name)
        .param("channels", names.join(", ")));
    };
    let group = &effects.groups[g];
    if group.small {
        return Err(Error::options(format!(
            "channel \"{name}\" has {} and {}: too few to read its effects",
            counted(group.customers, "customer"),
            counted(group.repeaters, "repeat customer")
        ))
        .with_code(ErrorCode::ShiftSmallChannel)
        .param("channel", name)
        .param("customers", group.customers)
        .param("repeaters", group.repeaters));
    }
    Ok(g)
}

#[cfg(test)]
mod tests;
